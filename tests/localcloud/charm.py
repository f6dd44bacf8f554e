"""A charm directory on the host: its yaml files, endpoints, config typing
and the filtered archive we push into machines (.jujuignore honoured)."""
import fnmatch
import io
import os
import tarfile

import yaml


class CharmError(Exception):
    pass


def _load_yaml(path, default):
    try:
        with open(path) as f:
            return yaml.safe_load(f) or default
    except FileNotFoundError:
        return default


def load(path):
    """Read a charm dir; returns dict(meta, options, actions, revision)."""
    path = os.path.abspath(path)
    meta = _load_yaml(os.path.join(path, "metadata.yaml"), None)
    if not isinstance(meta, dict) or "name" not in meta:
        raise CharmError("%s: no charm here (metadata.yaml with a name)" % path)
    options = (_load_yaml(os.path.join(path, "config.yaml"), {}) or {}).get(
        "options") or {}
    actions = _load_yaml(os.path.join(path, "actions.yaml"), {}) or {}
    try:
        with open(os.path.join(path, "revision")) as f:
            revision = int(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        revision = 0
    return {"path": path, "meta": meta, "options": options,
            "actions": actions, "revision": revision}


def endpoints(meta):
    """[{name, role, interface, scope}] including the implicit juju-info."""
    out = []
    for role, key in (("provides", "provides"), ("requires", "requires"),
                      ("peer", "peers")):
        for name, spec in (meta.get(key) or {}).items():
            if isinstance(spec, str):
                spec = {"interface": spec}
            out.append({"name": name, "role": role,
                        "interface": spec.get("interface", name),
                        "scope": spec.get("scope", "global")})
    if not any(e["name"] == "juju-info" for e in out):
        out.append({"name": "juju-info", "role": "provides",
                    "interface": "juju-info", "scope": "global"})
    return out


def bindings(meta):
    """Names network-get accepts: endpoints, extra-bindings and juju-info."""
    names = {e["name"] for e in endpoints(meta)}
    names.update((meta.get("extra-bindings") or {}).keys())
    return sorted(names)


# ---- config typing ----------------------------------------------------------

_BOOL_TEXT = {"1": True, "t": True, "T": True, "TRUE": True, "true": True,
              "True": True, "0": False, "f": False, "F": False,
              "FALSE": False, "false": False, "False": False}


def option_type(opt):
    return (opt or {}).get("type", "string")


def coerce(name, opt, value):
    """Value of the option's type from CLI text or YAML; ValueError if wrong.

    Text is parsed as Juju parses `juju config k=v`; YAML values must already
    have the right type (ints are accepted for float options).
    """
    t = option_type(opt)
    if value is None:
        return None
    if t == "string" or t == "secret":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, str)):
            return str(value)
    elif t == "int":
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            return value
        elif isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
    elif t == "float":
        if isinstance(value, bool):
            pass
        elif isinstance(value, (int, float)):
            return float(value)
        elif isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
    elif t == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip() in _BOOL_TEXT:
            return _BOOL_TEXT[value.strip()]
    else:
        raise ValueError("option %r has unknown type %r" % (name, t))
    raise ValueError("option %r expected %s, got %r" % (name, t, value))


def full_config(options, values):
    """Every option: set value, else default, else None (config-get --all)."""
    out = {}
    for name, opt in options.items():
        if name in values:
            out[name] = values[name]
        else:
            default = (opt or {}).get("default")
            out[name] = coerce(name, opt, default) if default is not None else None
    return out


# ---- .jujuignore and the archive ---------------------------------------------

def _ignore_rules(root):
    rules = []
    try:
        with open(os.path.join(root, ".jujuignore")) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        # A slash anywhere but the end anchors the pattern at the charm root.
        anchored = "/" in line
        rules.append((line.lstrip("/"), negate, dir_only, anchored))
    return rules


def _ignored(rules, rel, is_dir):
    if rel.split("/")[0] == ".git":
        return True
    ignored = False
    for pat, negate, dir_only, anchored in rules:
        if dir_only and not is_dir:
            continue
        target = rel if anchored else rel.rsplit("/", 1)[-1]
        if fnmatch.fnmatchcase(target, pat) or (
                anchored and pat.startswith("**/")
                and fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pat[3:])):
            ignored = not negate
    return ignored


def archive(root):
    """A gzipped tar (bytes) of the charm dir minus ignored files.

    Symlinks stay symlinks (classic charms link every hook to one script).
    """
    if not os.path.isfile(os.path.join(root, "metadata.yaml")):
        raise CharmError("%s: charm directory is gone" % root)
    rules = _ignore_rules(root)
    buf = io.BytesIO()

    def as_root(ti):
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = "root"
        return ti
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for dirpath, dirnames, filenames in os.walk(root):
            reldir = os.path.relpath(dirpath, root)
            reldir = "" if reldir == "." else reldir + "/"
            keep = []
            for d in sorted(dirnames):
                full = os.path.join(dirpath, d)
                if _ignored(rules, reldir + d, not os.path.islink(full)):
                    continue
                if os.path.islink(full):
                    tar.add(full, reldir + d, recursive=False, filter=as_root)
                else:
                    keep.append(d)
                    tar.add(full, reldir + d, recursive=False, filter=as_root)
            dirnames[:] = keep
            for fn in sorted(filenames):
                if not _ignored(rules, reldir + fn, False):
                    tar.add(os.path.join(dirpath, fn), reldir + fn,
                            recursive=False, filter=as_root)
    return buf.getvalue()


def handlers(root):
    """Which hooks/actions exist in the charm (after .jujuignore).

    Recorded at push time so a missing hook can be skipped without asking
    the machine."""
    rules = _ignore_rules(root)
    out = {"dispatch": os.path.exists(os.path.join(root, "dispatch"))
           and not _ignored(rules, "dispatch", False)}
    for kind in ("hooks", "actions"):
        d = os.path.join(root, kind)
        names = []
        if os.path.isdir(d) and not _ignored(rules, kind, True):
            for fn in os.listdir(d):
                if not _ignored(rules, kind + "/" + fn, False) and \
                        os.path.lexists(os.path.join(d, fn)):
                    names.append(fn)
        out[kind] = sorted(names)
    return out
