"""LXC machines of the local cloud.

A machine is a privileged LXC system container named lc-m<N>, booted with
systemd as its init by lxc-start (the host has no systemd), on the bridge
lcbr0 with the fixed address 10.211.77.(10+N) (network.py).  Its root
filesystem is an overlayfs: the cached base image of its series
(images.py) read-only below, the container's own delta above
(/var/lib/lxc/lc-m<N>/delta0), so a machine is created in milliseconds and
costs disk only for what it writes.  apt inside goes through the shared
apt-cacher-ng on the bridge address (aptcache.py).

Files are written and read through /proc/<init pid>/root, i.e. in the
container's own mount namespace, with symlinks resolved inside the
container's root (an absolute link such as /var/run -> /run must not lead
to the host's /run).

Every object we create is named lc-*: containers lc-m<N>, their host-side
veths lc-m<N>-e0, the bridge lcbr0, nft table `inet localcloud`, runtime
state in /run/localcloud.  Caches (/var/cache/localcloud) survive
destroy_all.
"""

import errno
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .. import paths
from ..log import log
from . import aptcache, hostsetup, images, network

NAME_PREFIX = "lc-"
_MACHINE_RE = re.compile(r"^lc-m(\d+)$")
DEFAULT_ENV = {
    "PATH": paths.SYSTEM_PATH,
    "LANG": "C.UTF-8",
    "HOME": "/root",
}
BOOT_TIMEOUT = 120
_HOSTS_BEGIN = "# BEGIN localcloud machines (managed by the local cloud)"
_HOSTS_END = "# END localcloud machines"


def container_name(machine_id):
    return "lc-m%d" % int(machine_id)


def _lxc(argv, check=False, timeout=None):
    return subprocess.run(argv, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=check, timeout=timeout)


def _container_state(name):
    r = _lxc(["lxc-info", "-n", name, "-s", "-H"])
    return r.stdout.strip() if r.returncode == 0 else None


def _our_containers():
    try:
        names = os.listdir(paths.LXC_PATH)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith(NAME_PREFIX)
                  and os.path.isdir(os.path.join(paths.LXC_PATH, n)))


def _read_config(name):
    conf = {}
    try:
        with open(os.path.join(paths.LXC_PATH, name, "config")) as f:
            for line in f:
                if "=" in line and not line.lstrip().startswith("#"):
                    k, v = line.split("=", 1)
                    conf[k.strip()] = v.strip()
                elif line.startswith("# localcloud."):
                    k, v = line[2:].split("=", 1)
                    conf[k.strip()] = v.strip()
    except FileNotFoundError:
        pass
    return conf


def resolve_in_root(root, path, follow_last=True):
    """Host path of `path` as the container whose / is `root` sees it.

    Symlinks are resolved relative to `root` (absolute targets restart at
    `root`, '..' stops at it).  Missing components are kept as they are, so
    the result can be created.
    """
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        if (parts or follow_last) and os.path.islink(candidate):
            hops += 1
            if hops > 40:
                raise OSError(errno.ELOOP, "too many symlinks", path)
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/")
                     if p not in ("", ".")] + parts
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


class Machine:
    interface = "eth0"
    cidr = network.SUBNET
    juju_root = paths.MACHINE_JUJU_ROOT

    def __init__(self, provider, machine_id, series):
        self._provider = provider
        self.id = str(int(machine_id))
        self.series = series
        self.name = container_name(machine_id)
        self.address = network.machine_address(machine_id)
        self.hostname = self.name
        self.boot_seconds = None
        self._pid = None          # (pid, starttime) of the container's init

    def __repr__(self):
        return "<Machine %s %s %s %s>" % (self.id, self.name, self.series,
                                          self.address)

    # -- processes -------------------------------------------------------
    def run(self, argv, env=None, cwd=None, timeout=None, input=None):
        """Run argv as root inside the machine; `env` is the complete
        environment.  Returns a CompletedProcess with text stdout/stderr."""
        if isinstance(argv, str):
            raise TypeError("argv must be a list, not a string")
        env = DEFAULT_ENV if env is None else env
        # lxc-attach --clear-env still adds container=lxc (and a PATH when
        # none is given): `env -i` makes the environment exactly `env`.
        cmd = ["lxc-attach", "-n", self.name, "--clear-env", "--",
               "/usr/bin/env", "-i"]
        cmd += ["%s=%s" % (k, v) for k, v in env.items()]
        inner = [str(a) for a in argv]
        if cwd is not None:
            inner = ["/bin/sh", "-c", 'cd -- "$0" && exec "$@"',
                     str(cwd)] + inner
        if timeout is not None:
            # Also bound the process inside: killing lxc-attach on the host
            # would leave it running in the container.
            inner = ["/usr/bin/timeout", "-k", "5", "%d" % (int(timeout) + 2)] + inner
        cmd += inner
        return subprocess.run(
            cmd, input=input, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL if input is None else None,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    # -- files -----------------------------------------------------------
    def _root(self):
        """/proc/<pid>/root of the container's init (must be running)."""
        if self._pid is not None:
            pid, start = self._pid
            if _proc_start(pid) == start:
                return "/proc/%d/root" % pid
        r = _lxc(["lxc-info", "-n", self.name, "-p", "-H"])
        if r.returncode != 0 or not r.stdout.strip().isdigit():
            raise RuntimeError("machine %s (%s) is not running"
                               % (self.id, self.name))
        pid = int(r.stdout.strip())
        self._pid = (pid, _proc_start(pid))
        return "/proc/%d/root" % pid

    def host_path(self, path, follow_last=True):
        """Host path through which `path` inside the machine is reached."""
        if not path.startswith("/"):
            raise ValueError("path inside the machine must be absolute: %r"
                             % path)
        return resolve_in_root(self._root(), path, follow_last)

    def write_file(self, path, data, mode=0o644):
        if isinstance(data, str):
            data = data.encode()
        target = self.host_path(path)
        parent = os.path.dirname(target)
        os.makedirs(parent, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=".lc-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, mode)
            try:
                os.rename(tmp, target)
            except OSError as e:
                if e.errno not in (errno.EBUSY, errno.EXDEV):
                    raise
                # A bind-mounted file cannot be replaced: write in place.
                with open(target, "wb") as f:
                    f.write(data)
                os.chmod(target, mode)
                os.unlink(tmp)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def read_file(self, path):
        with open(self.host_path(path), "rb") as f:
            return f.read()

    def push(self, host_src, dest):
        """Copy a host file or tree to `dest` in the machine (replacing it)."""
        if not os.path.lexists(host_src):
            raise FileNotFoundError(host_src)
        target = self.host_path(dest, follow_last=False)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.unlink(target)
        subprocess.run(["cp", "-r", "--no-target-directory",
                        "--preserve=mode,timestamps,links", "--no-dereference",
                        host_src, target], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    # -- state -----------------------------------------------------------
    def state(self):
        return _container_state(self.name)

    def wait_ready(self, timeout=BOOT_TIMEOUT):
        """Wait until systemd is running (or degraded) and the machine
        reaches the host over the bridge."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            r = self.run(["sh", "-c",
                          "systemctl is-system-running 2>/dev/null; "
                          "ping -c1 -W1 -q %s >/dev/null 2>&1 && echo net-ok"
                          % network.GATEWAY], timeout=10)
            out = r.stdout.split()
            last = " ".join(out) or r.stderr.strip()
            if out and out[0] in ("running", "degraded") and "net-ok" in out:
                if out[0] == "degraded":
                    failed = self.run(["systemctl", "--failed",
                                       "--no-legend", "--plain"]).stdout
                    log("machine %s is degraded: %s"
                        % (self.id, " ".join(ln.split()[0] for ln in
                                             failed.splitlines() if ln)))
                return
            time.sleep(0.1)
        raise TimeoutError("machine %s did not become ready in %ds (last: %s)"
                           % (self.id, timeout, last))


def _proc_start(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class LxcProvider:
    """Creates, starts, stops and destroys the local cloud's machines."""

    def __init__(self, apt_update_on_create=True):
        # Juju refreshes the package lists when it provisions a machine
        # (enable-os-refresh-update); so do we, unless told not to.
        self.apt_update_on_create = apt_update_on_create
        self._lock = threading.RLock()
        self._machines = {}
        self._host_ready = False

    # -- host ------------------------------------------------------------
    def _ensure_host(self):
        with self._lock:
            hostsetup.ensure_host()
            with hostsetup.host_lock():
                network.ensure_network()
                aptcache.ensure_running()
            self._host_ready = True

    # -- machines ----------------------------------------------------------
    def _write_config(self, machine_id, series, rootfs):
        name = container_name(machine_id)
        cdir = os.path.join(paths.LXC_PATH, name)
        os.makedirs(os.path.join(cdir, "delta0"), exist_ok=True)
        os.chmod(cdir, 0o770)
        config = "\n".join([
            "# local cloud machine %s; written by tests/localcloud/machines/lxc.py"
            % machine_id,
            "# localcloud.series = %s" % series,
            "# localcloud.image = %s" % rootfs,
            "lxc.include = /usr/share/lxc/config/debian.common.conf",
            "lxc.arch = amd64",
            "lxc.uts.name = %s" % name,
            "lxc.rootfs.path = overlay:%s:%s" % (rootfs,
                                                 os.path.join(cdir, "delta0")),
            "lxc.apparmor.profile = generated",
            "lxc.tty.max = 1",
            "lxc.pty.max = 1024",
            "lxc.net.0.type = veth",
            "lxc.net.0.link = %s" % network.BRIDGE,
            "lxc.net.0.flags = up",
            "lxc.net.0.name = eth0",
            "lxc.net.0.veth.pair = %s-e0" % name,
            "lxc.net.0.hwaddr = %s" % network.machine_mac(machine_id),
            "lxc.net.0.ipv4.address = %s/%d" % (
                network.machine_address(machine_id), network.PREFIXLEN),
            "lxc.net.0.ipv4.gateway = %s" % network.GATEWAY,
            "lxc.log.file = %s" % os.path.join(cdir, "lxc.log"),
            "lxc.log.level = WARN",
            "",
        ])
        with open(os.path.join(cdir, "config"), "w") as f:
            f.write(config)
        return cdir

    def _seed_files(self, machine_id, cdir):
        """Files written into the (not yet mounted) upper layer."""
        name = container_name(machine_id)
        delta = os.path.join(cdir, "delta0")
        resolv = "".join("nameserver %s\n" % ns
                         for ns in network.host_resolvers())
        hosts = _hosts_text("127.0.0.1 localhost\n"
                            "::1 localhost ip6-localhost ip6-loopback\n"
                            "ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n",
                            self._host_entries(extra=[machine_id]))
        for rel, text in (("etc/hostname", name + "\n"),
                          ("etc/resolv.conf", resolv),
                          ("etc/hosts", hosts)):
            p = os.path.join(delta, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if os.path.lexists(p):
                os.unlink(p)
            with open(p, "w") as f:
                f.write(text)

    def _host_entries(self, extra=()):
        ids = set(self.list()) | {str(int(i)) for i in extra}
        return ["%s %s" % (network.machine_address(i), container_name(i))
                for i in sorted(ids, key=int)]

    def _refresh_hosts(self, exclude=()):
        """Rewrite the local cloud block of /etc/hosts in running machines."""
        entries = self._host_entries()
        for mid in self.list():
            if mid in exclude:
                continue
            m = self._machine(mid)
            if m.state() != "RUNNING":
                continue
            try:
                current = m.read_file("/etc/hosts").decode()
            except (FileNotFoundError, RuntimeError):
                continue
            new = _hosts_text(current, entries)
            if new != current:
                m.write_file("/etc/hosts", new)

    def _machine(self, machine_id):
        mid = str(int(machine_id))
        m = self._machines.get(mid)
        if m is None:
            conf = _read_config(container_name(mid))
            if not conf:
                raise KeyError("no machine %s" % mid)
            m = Machine(self, mid, conf.get("localcloud.series", "?"))
            self._machines[mid] = m
        return m

    def create(self, machine_id, series):
        mid = str(int(machine_id))
        name = container_name(mid)
        t0 = time.monotonic()
        self._ensure_host()
        if os.path.exists(os.path.join(paths.LXC_PATH, name, "config")):
            m = self._machine(mid)
            if m.series != series:
                raise ValueError("machine %s exists with series %s, not %s"
                                 % (mid, m.series, series))
            if m.state() != "RUNNING":
                self.start(mid)
            else:
                m.wait_ready()
            return m
        rootfs = images.ensure_image(series)
        t1 = time.monotonic()
        images.prune(in_use={_read_config(n).get("localcloud.image")
                             for n in _our_containers()})
        with self._lock:
            cdir = self._write_config(mid, series, rootfs)
            self._seed_files(mid, cdir)
            m = Machine(self, mid, series)
            self._machines[mid] = m
        self._start_container(m)
        m.wait_ready()
        if self.apt_update_on_create:
            r = m.run(["apt-get", "update", "-q"], timeout=300)
            if r.returncode != 0:
                log("machine %s: apt-get update failed:\n%s"
                    % (mid, r.stdout[-1000:] + r.stderr[-1000:]))
        with self._lock:
            self._refresh_hosts(exclude=(mid,))
        m.boot_seconds = time.monotonic() - t1
        log("machine %s (%s, %s) ready in %.1fs"
            % (mid, name, series, time.monotonic() - t0))
        return m

    def _start_container(self, m):
        r = _lxc(["lxc-start", "-n", m.name, "-d"])
        if r.returncode != 0:
            logf = os.path.join(paths.LXC_PATH, m.name, "lxc.log")
            tail = ""
            if os.path.exists(logf):
                with open(logf) as f:
                    tail = f.read()[-3000:]
            raise RuntimeError("lxc-start %s failed: %s\n%s"
                               % (m.name, r.stderr.strip(), tail))
        m._pid = None

    def get(self, machine_id):
        return self._machine(machine_id)

    def start(self, machine_id):
        m = self._machine(machine_id)
        if m.state() != "RUNNING":
            self._ensure_host()
            self._start_container(m)
        m.wait_ready()
        with self._lock:
            self._refresh_hosts()
        return m

    def stop(self, machine_id, kill=True):
        m = self._machine(machine_id)
        if m.state() == "RUNNING":
            argv = ["lxc-stop", "-n", m.name]
            argv += ["-k"] if kill else ["-t", "60"]
            _lxc(argv)
        m._pid = None

    def destroy(self, machine_id):
        mid = str(int(machine_id))
        self._destroy_container(container_name(mid))
        self._machines.pop(mid, None)
        with self._lock:
            self._refresh_hosts()

    def list(self):
        ids = []
        for n in _our_containers():
            mo = _MACHINE_RE.match(n)
            if mo and os.path.exists(os.path.join(paths.LXC_PATH, n, "config")):
                ids.append(str(int(mo.group(1))))
        return sorted(ids, key=int)

    # -- teardown ----------------------------------------------------------
    @staticmethod
    def _destroy_container(name):
        if not name.startswith(NAME_PREFIX):
            raise ValueError("refusing to destroy %s" % name)
        if _container_state(name) not in (None, "STOPPED"):
            _lxc(["lxc-stop", "-n", name, "-k"], timeout=60)
        _lxc(["lxc-destroy", "-n", name], timeout=120)
        cdir = os.path.join(paths.LXC_PATH, name)
        if os.path.lexists(cdir):
            shutil.rmtree(cdir, ignore_errors=True)

    def destroy_all(self):
        with hostsetup.host_lock():
            self._destroy_all()

    def _destroy_all(self):
        # each container's stop and delta removal wait on the kernel and
        # the disk, not the CPU: side by side, a bundle's machines go in
        # the time of its slowest
        names = _our_containers()
        if names:
            with ThreadPoolExecutor(len(names)) as pool:
                list(pool.map(self._destroy_container, names))
        self._machines.clear()
        # Host-side veths of containers killed in odd ways.
        try:
            for dev in os.listdir("/sys/class/net"):
                if dev.startswith(NAME_PREFIX) and dev != network.BRIDGE:
                    subprocess.run(["ip", "link", "del", dev],
                                   stderr=subprocess.DEVNULL)
        except OSError:
            pass
        if network.bridge_in_use():
            # someone else's containers are still on lcbr0: pulling the
            # network or the apt cache from under them would break them
            log("machines that are not ours use %s: keeping it and the apt "
                "cache" % network.BRIDGE)
        else:
            network.remove_network()
            aptcache.stop()
        images.prune(in_use=set())
        shutil.rmtree(paths.RUN_ROOT, ignore_errors=True)
        self._host_ready = False

    def cleanup_leftovers(self):
        """destroy_all for whatever an interrupted run left; a few stat()s
        and one nft call when there is nothing."""
        leftovers = (_our_containers()
                     or network.bridge_exists()
                     or os.path.exists(paths.RUN_ROOT)
                     or aptcache.running()
                     or _stale_image_builds()
                     or network.nft_table_exists())
        if leftovers:
            log("cleaning up what an earlier run left behind")
            self.destroy_all()


def _stale_image_builds():
    try:
        return any(".tmp-" in n for n in os.listdir(paths.IMAGE_ROOT))
    except FileNotFoundError:
        return False


def _hosts_text(current, entries):
    """`current` /etc/hosts with our block replaced by `entries`."""
    lines = current.splitlines()
    out, skipping = [], False
    for line in lines:
        if line == _HOSTS_BEGIN:
            skipping = True
            continue
        if line == _HOSTS_END:
            skipping = False
            continue
        if not skipping:
            out.append(line)
    out += [_HOSTS_BEGIN] + list(entries) + [_HOSTS_END]
    return "\n".join(out) + "\n"
