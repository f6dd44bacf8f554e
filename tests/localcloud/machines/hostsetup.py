"""Host preparation for the local cloud's LXC machines.

Everything here is idempotent and cheap when the host is already prepared:
packages are checked with one dpkg-query call before apt-get is run, the
cgroup mounts and sysctls are only written when they differ.  The host does
not run systemd, so nothing here talks to systemctl.
"""

import os
import subprocess
import sys
import time

from .. import paths
from ..log import log

# Host packages the machines need: lxc (lxc-start/-attach/-stop), debootstrap
# and the archive keyring (base images), nftables (NAT and filter), iproute2
# (bridge), apt-cacher-ng (shared download cache), rsync (push of trees).
HOST_PACKAGES = (
    "lxc",
    "debootstrap",
    "debian-archive-keyring",
    "nftables",
    "iproute2",
    "apt-cacher-ng",
    "rsync",
)

# Packages whose postinst would start a system-wide daemon that we do not
# want: apt-cacher-ng is run by us, on the bridge address only.
_NO_AUTOSTART = {"apt-cacher-ng"}

_POLICY_RC_D = "/usr/sbin/policy-rc.d"
_checked = set()


def missing_packages(packages):
    """Return the subset of `packages` that dpkg does not list as installed."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev}\n"]
        + list(packages),
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    installed = {line.split()[0] for line in out.splitlines()
                 if len(line.split()) > 1 and line.split()[1] == "ii"}
    return [p for p in packages if p not in installed]


def ensure_packages(packages=HOST_PACKAGES):
    key = tuple(packages)
    if key in _checked:
        return
    missing = missing_packages(packages)
    if missing:
        log("installing host packages: %s" % " ".join(missing))
        t0 = time.monotonic()
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        # Keep the packaged daemons (apt-cacher-ng) from being started on
        # install: a policy-rc.d that refuses every action, only while
        # apt-get runs and only if the host has none of its own.
        own_policy = (not os.path.exists(_POLICY_RC_D)
                      and bool(_NO_AUTOSTART.intersection(missing)))
        if own_policy:
            with open(_POLICY_RC_D, "w") as f:
                f.write("#!/bin/sh\n# written by localcloud hostsetup\n"
                        "exit 101\n")
            os.chmod(_POLICY_RC_D, 0o755)
        try:
            # apt's output on stderr, with our progress, never in the
            # CLI's stdout (which callers parse)
            r = subprocess.run(["apt-get", "install", "-y", "-q",
                                "--no-install-recommends"] + missing, env=env,
                               stdout=sys.stderr)
            if r.returncode != 0:
                subprocess.run(["apt-get", "update", "-q"], env=env,
                               check=True, stdout=sys.stderr)
                subprocess.run(["apt-get", "install", "-y", "-q",
                                "--no-install-recommends"] + missing,
                               env=env, check=True, stdout=sys.stderr)
        finally:
            if own_policy:
                os.unlink(_POLICY_RC_D)
        log("host packages installed in %.1fs" % (time.monotonic() - t0))
    _checked.add(key)


def _mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def ensure_cgroups():
    """Make sure lxc-start finds a cgroup hierarchy.

    A host booted by systemd or by an init that mounts cgroups (this one
    has a hybrid layout: v1 controllers plus cgroup2 at .../unified) needs
    nothing.  A bare host with nothing on /sys/fs/cgroup gets the unified
    cgroup2 hierarchy, which both systemd 252 and 257 accept in the
    containers.
    """
    if "cgroups" in _checked:
        return
    root = "/sys/fs/cgroup"
    if not _mounted(root) or not os.listdir(root):
        os.makedirs(root, exist_ok=True)
        log("mounting cgroup2 on %s" % root)
        subprocess.run(["mount", "-t", "cgroup2", "cgroup2", root],
                       check=True)
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        # Pure cgroup2: controllers must be delegated to the children for
        # lxc to place containers with cpu/memory/pids limits.
        try:
            with open(os.path.join(root, "cgroup.controllers")) as f:
                ctrls = f.read().split()
            with open(os.path.join(root, "cgroup.subtree_control")) as f:
                enabled = set(f.read().split())
            for c in ctrls:
                if c not in enabled:
                    try:
                        with open(os.path.join(root, "cgroup.subtree_control"),
                                  "w") as f:
                            f.write("+%s" % c)
                    except OSError:
                        pass
        except OSError:
            pass
    _checked.add("cgroups")


def write_sysctl(name, value):
    path = "/proc/sys/" + name.replace(".", "/")
    with open(path) as f:
        if f.read().strip() == str(value):
            return
    with open(path, "w") as f:
        f.write(str(value))


def ensure_sysctls():
    write_sysctl("net.ipv4.ip_forward", 1)
    # Many containers each run systemd, dbus, mariadb... which want inotify
    # instances; the default of 128 per user (all root here) runs out.
    for name, value in (("fs.inotify.max_user_instances", 8192),
                        ("fs.inotify.max_user_watches", 1048576)):
        try:
            with open("/proc/sys/" + name.replace(".", "/")) as f:
                if int(f.read()) >= value:
                    continue
            write_sysctl(name, value)
        except OSError:
            pass


class host_lock:
    """Exclusive lock shared by every process managing the local cloud
    (network, apt proxy, teardown)."""

    path = paths.HOST_LOCK

    def __enter__(self):
        import fcntl
        self._f = open(self.path, "a")
        fcntl.flock(self._f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self._f.close()


def ensure_host():
    """Everything the host needs before a machine can be created."""
    if os.geteuid() != 0:
        raise PermissionError("the local cloud's machines need root")
    t0 = time.monotonic()
    ensure_packages()
    ensure_cgroups()
    ensure_sysctls()
    return time.monotonic() - t0


if __name__ == "__main__":
    # `python3 -m localcloud.machines.hostsetup [--with-pytest]` from tests/: prepare the
    # host (e.g. from .ci/run) before the machines' tests run.
    extra = ("python3-pytest",) if "--with-pytest" in sys.argv[1:] else ()
    if extra:
        ensure_packages(extra)
    log("host ready in %.1fs" % ensure_host())
