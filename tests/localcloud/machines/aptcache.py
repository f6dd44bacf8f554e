"""The shared apt download cache: an apt-cacher-ng run by us.

It listens on the bridge address only (10.211.77.1:3142), keeps its cache in
/var/cache/localcloud/apt-cacher-ng (kept across runs and by destroy_all)
and its configuration, pid file, socket and log under /run/localcloud/acng.
The machines' apt uses it as their http proxy, so a package is downloaded
from the archive once, and each machine keeps its own /var/cache/apt and its
own dpkg/apt locks: concurrent apt-get runs in several machines do not
contend for anything but the proxy, which serves parallel clients.

We write our own configuration (no Remap rules): requests are stored under
the host name they were made for (deb.debian.org/...), so no mirror list
shipped with the package can redirect a download to an unreachable mirror.
"""

import os
import shutil
import signal
import socket
import subprocess
import time

from .. import paths
from ..log import log
from .network import GATEWAY

PORT = 3142
PROXY_URL = "http://%s:%d" % (GATEWAY, PORT)
PID_FILE = os.path.join(paths.APT_CACHE_RUN, "pid")

_CONF = """\
# written by the local cloud (tests/localcloud/machines/aptcache.py)
CacheDir: {cache}
LogDir: {run}/log
SupportDir: /usr/lib/apt-cacher-ng
Port: {port}
BindAddress: {addr}
PidFile: {pid}
SocketPath: {run}/socket
ForeGround: 0
ExThreshold: 4
# https tunnels (CONNECT) to PyPI only: the machines' pip, when a test sets
# the model's juju-https-proxy to this cache (their one way out)
PassThroughPattern: ^(pypi\\.org|files\\.pythonhosted\\.org):443$
"""


def our_pids():
    """Pids of apt-cacher-ng processes started with our configuration
    directory (never a system-wide apt-cacher-ng)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if (argv and os.path.basename(argv[0]) == b"apt-cacher-ng"
                and paths.APT_CACHE_RUN.encode() in argv):
            pids.append(int(entry))
    return pids


def running():
    return bool(our_pids())


def _listening(timeout=0.2):
    try:
        with socket.create_connection((GATEWAY, PORT), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_running():
    """Start our apt-cacher-ng unless exactly one is up and listening.
    Callers hold hostsetup.host_lock()."""
    conf = os.path.join(paths.APT_CACHE_RUN, "acng.conf")
    text = _CONF.format(cache=paths.APT_CACHE_ROOT, run=paths.APT_CACHE_RUN, port=PORT,
                        addr=GATEWAY, pid=PID_FILE)
    try:
        with open(conf) as f:
            current = f.read() == text
    except FileNotFoundError:
        current = False
    if current and len(our_pids()) == 1 and _listening():
        return
    stop()
    os.makedirs(os.path.join(paths.APT_CACHE_RUN, "log"), exist_ok=True)
    os.makedirs(paths.APT_CACHE_ROOT, exist_ok=True)
    with open(conf, "w") as f:
        f.write(text)
    log("starting apt-cacher-ng on %s (cache %s)" % (PROXY_URL, paths.APT_CACHE_ROOT))
    t0 = time.monotonic()
    subprocess.run(["apt-cacher-ng", "-c", paths.APT_CACHE_RUN], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if running() and _listening():
            log("apt-cacher-ng up in %.1fs" % (time.monotonic() - t0))
            return
        time.sleep(0.05)
    raise RuntimeError("apt-cacher-ng did not come up; see %s/log"
                       % paths.APT_CACHE_RUN)


def stop():
    pids = our_pids()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            os.path.exists("/proc/%d" % pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(paths.APT_CACHE_RUN, ignore_errors=True)
