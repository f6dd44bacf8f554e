"""A charm directory packed for a machine: the archive the agent unpacks
into the unit's charm dir (.jujuignore honoured), and which hooks and actions
it holds.

A symlink that leaves the charm directory is packed as the file it points
to: that is how the stand-in charms share tests/charms/lib/standin.py, one
file on the host, an ordinary hooks/standin.py in every machine.
"""
import fnmatch
import io
import os
import tarfile

from ..state.charm import CharmError


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

    Symlinks inside the charm stay symlinks (classic charms link every hook
    to one script).
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
                    full = os.path.join(dirpath, fn)
                    if _leaves(root, full):
                        full = os.path.realpath(full)
                    tar.add(full, reldir + fn, recursive=False, filter=as_root)
    return buf.getvalue()


def _leaves(root, path):
    """Whether path is a link to a file outside the charm directory."""
    if not (os.path.islink(path) and os.path.isfile(path)):
        return False
    top = os.path.realpath(root)
    return os.path.commonpath([top, os.path.realpath(path)]) != top


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
