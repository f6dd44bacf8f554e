"""Files written so that no reader sees half of one and no one else can
read or redirect them.

Some of the directories written into belong to a service user (the
mistral user owns /etc/mistral): a plain open() there would follow a
symlink that user planted. A new file is created under a random name
(O_EXCL: never a symlink), given its owner and mode before its content,
and renamed over the old one (rename replaces a symlink, never follows it).
"""

import grp
import os
import pwd
import tempfile


def _gid(group):
    return grp.getgrnam(group).gr_gid


def _uid(user):
    return pwd.getpwnam(user).pw_uid


def write_atomic(path, content, group='root', perms=0o644, owner='root'):
    """Write `content` (bytes or str) to `path` as `owner`:`group` `perms`
    unless it is there already; True when the file changed."""
    if isinstance(content, str):
        content = content.encode('utf-8')
    uid, gid = _uid(owner), _gid(group)
    try:
        st = os.lstat(path)
        if (os.path.isfile(path) and not os.path.islink(path) and
                (st.st_uid, st.st_gid, st.st_mode & 0o7777) ==
                (uid, gid, perms)):
            with open(path, 'rb') as f:
                if f.read() == content:
                    return False
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                               prefix='.' + os.path.basename(path) + '.')
    try:
        os.fchown(fd, uid, gid)
        os.fchmod(fd, perms)
        with os.fdopen(fd, 'wb') as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return True


def remove(path):
    """Remove `path` if present; True when it was."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def private_dir(path, group):
    """A directory root:`group` 0750 (made if missing)."""
    os.makedirs(path, exist_ok=True)
    os.chown(path, 0, _gid(group))
    os.chmod(path, 0o750)
