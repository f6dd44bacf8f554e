"""A charm on the host as the model knows it: its yaml files, endpoints and
config typing (agent/charm_archive.py packs it for machines).

A charm is a directory (the stand-ins) or, as Juju 4 requires, a packed
.charm: a zip with manifest.yaml and no `series` in metadata.yaml.
"""
import os
import zipfile

import yaml


class CharmError(Exception):
    pass


def is_packed(path):
    """Whether path names a packed charm (a .charm file) rather than a dir."""
    return path.endswith(".charm") and os.path.isfile(path)


def _packed_reader(path):
    """read(name) -> text or None, from a .charm checked as Juju 4 does."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        raise CharmError("%s: not a charm archive (%s)" % (path, e))
    with archive:
        texts = {n: archive.read(n).decode() for n in archive.namelist()
                 if n in ("metadata.yaml", "config.yaml", "actions.yaml",
                          "revision", "manifest.yaml")}
    if "manifest.yaml" not in texts:
        raise CharmError("%s: no manifest.yaml (pack it with charmcraft)"
                         % path)
    return texts.get


def _dir_reader(path):
    def read(name):
        try:
            with open(os.path.join(path, name)) as f:
                return f.read()
        except FileNotFoundError:
            return None
    return read


def load(path):
    """Read a charm dir or .charm; returns dict(meta, options, actions,
    revision)."""
    path = os.path.abspath(path)
    packed = is_packed(path)
    read = _packed_reader(path) if packed else _dir_reader(path)
    meta = yaml.safe_load(read("metadata.yaml") or "null")
    if not isinstance(meta, dict) or "name" not in meta:
        raise CharmError("%s: no charm here (metadata.yaml with a name)" % path)
    if packed and "series" in meta:
        # Juju 4 refuses it; the bases are manifest.yaml's
        raise CharmError("%s: metadata.yaml has series, which Juju 4 rejects"
                         % path)
    options = (yaml.safe_load(read("config.yaml") or "{}") or {}).get(
        "options") or {}
    actions = yaml.safe_load(read("actions.yaml") or "{}") or {}
    try:
        revision = int((read("revision") or "0").strip() or 0)
    except ValueError:
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


# option type -> (its Python type, the YAML types a value may have)
_NUMBERS = {"int": (int, int), "float": (float, (int, float))}


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
    elif t in _NUMBERS:
        # a bool is an int to Python, never a number to Juju
        number, accepted = _NUMBERS[t]
        if isinstance(value, accepted) and not isinstance(value, bool):
            return number(value)
        if isinstance(value, str):
            try:
                return number(value.strip())
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
