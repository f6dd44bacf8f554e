"""A charm packed for a machine: the archive the agent unpacks into the
unit's charm dir, and which hooks and actions it holds.

A .charm is unpacked as Juju unpacks it: every file with the mode it was
packed with, a symlink entry as a symlink that must stay inside the charm,
no path outside it. (Stricter than Juju, which also makes known hooks
executable: here a hook packed without its x bit fails to run.)

A charm directory (the stand-ins) is packed with .jujuignore honoured.

A symlink that leaves the charm directory is packed as the file it points
to: that is how the stand-in charms share tests/charms/lib/standin.py, one
file on the host, an ordinary hooks/standin.py in every machine.
"""
import fnmatch
import io
import os
import posixpath
import stat
import tarfile
import zipfile

from ..state.charm import CharmError, is_packed


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


def _inside(name):
    """Whether a path relative to the charm root stays inside it."""
    norm = posixpath.normpath(name)
    return not (posixpath.isabs(name) or norm == ".." or
                norm.startswith("../"))


def _unpacked(path):
    """A gzipped tar (bytes) of a .charm's files, as Juju lays them out."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as charm, \
            tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info in charm.infolist():
            name = info.filename.rstrip("/")
            mode = info.external_attr >> 16
            if not name or not _inside(name):
                raise CharmError("%s: %r is outside the charm" % (path, name))
            ti = tarfile.TarInfo(name)
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            ti.mtime = 0
            data = charm.read(info)
            if stat.S_ISLNK(mode):
                target = data.decode()
                if not _inside(posixpath.join(posixpath.dirname(name),
                                              target)):
                    raise CharmError("%s: symlink %s -> %s leaves the charm"
                                     % (path, name, target))
                ti.type, ti.linkname = tarfile.SYMTYPE, target
                tar.addfile(ti)
            elif info.is_dir():
                ti.type, ti.mode = tarfile.DIRTYPE, (mode & 0o777) or 0o755
                tar.addfile(ti)
            else:
                ti.size, ti.mode = len(data), (mode & 0o777) or 0o644
                tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def archive(root):
    """A gzipped tar (bytes) of the charm: a .charm unpacked, or the charm
    dir minus ignored files.

    Symlinks inside the charm stay symlinks (classic charms link every hook
    to one script).
    """
    if is_packed(root):
        return _unpacked(root)
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
    if is_packed(root):
        with zipfile.ZipFile(root) as charm:
            names = [n for n in charm.namelist() if not n.endswith("/")]
        return {"dispatch": "dispatch" in names,
                "hooks": sorted(n[6:] for n in names
                                if n.startswith("hooks/") and "/" not in n[6:]),
                "actions": sorted(n[8:] for n in names
                                  if n.startswith("actions/")
                                  and "/" not in n[8:])}
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
