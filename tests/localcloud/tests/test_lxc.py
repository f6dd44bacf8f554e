"""The local cloud's LXC machines, for real (root, lxc, Debian's archive).

Slow: the first run builds the base images (about a minute per series);
later runs create machines from the cached images in a second or two.
Run with:  python3 -m pytest -v tests/localcloud/tests/test_lxc.py
"""

import os
import shutil
import subprocess
import threading
import time

import pytest

from localcloud.machines import aptcache, network
from localcloud.machines.lxc import LxcProvider

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="LXC machines need root"),
    # hostsetup installs lxc where apt-get can: skip only where neither is.
    pytest.mark.skipif(not (shutil.which("lxc-start")
                            or shutil.which("apt-get")),
                       reason="no lxc, and no apt-get to install it"),
]

APT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "DEBIAN_FRONTEND": "noninteractive"}
TRIXIE, BOOKWORM = "0", "1"


@pytest.fixture(scope="module")
def provider():
    p = LxcProvider()
    p.cleanup_leftovers()
    yield p
    p.destroy_all()


@pytest.fixture(scope="module")
def machines(provider):
    t0 = time.monotonic()
    trixie = provider.create(TRIXIE, "trixie")
    bookworm = provider.create(BOOKWORM, "bookworm")
    print("created both machines in %.1fs" % (time.monotonic() - t0))
    return trixie, bookworm


def test_machines_boot_their_series(machines):
    for m, series, codename in zip(machines, ("trixie", "bookworm"),
                                   ("trixie", "bookworm")):
        assert m.series == series
        assert m.address == "10.211.77.%d" % (10 + int(m.id))
        assert (m.interface, m.cidr, m.juju_root) == (
            "eth0", "10.211.77.0/24", "/var/lib/juju")
        r = m.run(["systemctl", "is-system-running"])
        assert r.stdout.strip() in ("running", "degraded"), r
        osr = m.read_file("/etc/os-release").decode()
        assert "VERSION_CODENAME=%s" % codename in osr
        assert m.run(["hostname"]).stdout.strip() == "lc-m%s" % m.id
        ip = m.run(["ip", "-4", "-o", "addr", "show", "eth0"]).stdout
        assert "%s/24" % m.address in ip


def test_run_env_cwd_input_timeout(machines):
    m = machines[0]
    r = m.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n")
    env = m.run(["/usr/bin/env"], env={"FOO": "bar baz", "PATH": "/usr/bin"})
    assert sorted(env.stdout.splitlines()) == ["FOO=bar baz", "PATH=/usr/bin"]
    default = m.run(["env"]).stdout
    assert "PATH=" in default and "LANG=" in default
    assert os.environ.get("HOSTNAME", "\0") not in default
    assert m.run(["pwd"], cwd="/etc").stdout == "/etc\n"
    assert m.run(["cat"], input="hello\n").stdout == "hello\n"
    with pytest.raises(subprocess.TimeoutExpired):
        m.run(["sleep", "30"], timeout=1)


def test_push_read_write(machines, tmp_path):
    m = machines[0]
    src = tmp_path / "charm"
    (src / "hooks").mkdir(parents=True)
    (src / "hooks" / "install").write_text("#!/bin/sh\necho installed\n")
    (src / "hooks" / "install").chmod(0o755)
    (src / "metadata.yaml").write_text("name: x\n")
    os.symlink("install", src / "hooks" / "start")
    m.write_file("/var/lib/juju/charm/stale", b"old")
    m.push(str(src), "/var/lib/juju/charm")
    r = m.run(["./hooks/start"], cwd="/var/lib/juju/charm")
    assert r.stdout == "installed\n", r
    with pytest.raises(FileNotFoundError):
        m.read_file("/var/lib/juju/charm/stale")      # dest was replaced
    single = tmp_path / "one.txt"
    single.write_text("one")
    m.push(str(single), "/etc/one.txt")
    assert m.read_file("/etc/one.txt") == b"one"

    m.write_file("/srv/a/b/c.txt", "data", mode=0o600)
    assert m.read_file("/srv/a/b/c.txt") == b"data"
    assert m.run(["stat", "-c", "%a", "/srv/a/b/c.txt"]).stdout == "600\n"
    # /var/run -> /run is an absolute link: it must stay in the machine.
    m.write_file("/var/run/lc-test-marker", b"x")
    assert m.read_file("/run/lc-test-marker") == b"x"
    assert not os.path.exists("/run/lc-test-marker")
    with pytest.raises(FileNotFoundError):
        m.read_file("/nonexistent")


def test_machines_reach_each_other_by_name(machines):
    a, b = machines
    for m, other in ((a, b), (b, a)):
        hosts = m.read_file("/etc/hosts").decode()
        assert "%s lc-m%s" % (m.address, m.id) in hosts
        assert "%s lc-m%s" % (other.address, other.id) in hosts
        r = m.run(["ping", "-c1", "-W2", "lc-m%s" % other.id])
        assert r.returncode == 0, r
        r = m.run(["getent", "hosts", "lc-m%s" % m.id])
        assert r.stdout.split()[0] == m.address


def test_host_reaches_machines(machines):
    m = machines[0]
    m.write_file("/srv/www/index.html", "served\n")
    m.write_file("/etc/systemd/system/lc-web.service", (
        "[Service]\nExecStart=/usr/bin/python3 -m http.server 8080 "
        "--directory /srv/www\n"))
    assert m.run(["systemctl", "start", "lc-web"]).returncode == 0
    deadline = time.monotonic() + 10
    while True:
        r = subprocess.run(["curl", "-sS", "-m", "2",
                            "http://%s:8080/" % m.address],
                           capture_output=True, text=True)
        if r.stdout == "served\n" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.stdout == "served\n", r


def test_archive_reachable_and_outside_not(machines):
    for m in machines:
        r = m.run(["apt-get", "update"], env=APT_ENV, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "deb.debian.org" in r.stdout
        # Directly too (not through the apt proxy): DNS + http to the archive.
        r = m.run(["curl", "-sS", "-m", "10", "--noproxy", "*", "-o",
                   "/dev/null", "-w", "%{http_code}",
                   "http://deb.debian.org/debian/dists/%s/Release"
                   % m.series])
        assert r.stdout == "200", r
    r = machines[0].run(["curl", "-sS", "-m", "4", "https://1.1.1.1/"])
    assert r.returncode == 28, r          # timed out: dropped, not refused


def test_concurrent_apt_installs(machines):
    results = {}

    def install(m):
        results[m.id] = m.run(["apt-get", "install", "-y", "-q", "hello"],
                              env=APT_ENV, timeout=600)
    threads = [threading.Thread(target=install, args=(m,)) for m in machines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for m in machines:
        assert results[m.id].returncode == 0, results[m.id].stderr
        assert m.run(["hello"]).stdout.startswith("Hello")


def test_stop_kill_and_start(provider, machines):
    m = machines[1]
    t0 = time.monotonic()
    provider.stop(m.id, kill=True)
    assert m.state() == "STOPPED"
    with pytest.raises(RuntimeError):
        m.read_file("/etc/hostname")
    provider.start(m.id)
    assert m.state() == "RUNNING"
    assert m.run(["systemctl", "is-system-running"]).stdout.strip() in (
        "running", "degraded")
    assert m.run(["ping", "-c1", "-W2", "lc-m%s" % machines[0].id]
                 ).returncode == 0
    print("hard stop + start in %.1fs" % (time.monotonic() - t0))
    # create() on an existing machine reuses it.
    assert provider.create(m.id, "bookworm").address == m.address
    assert provider.get(m.id).series == "bookworm"
    assert provider.list() == [TRIXIE, BOOKWORM]


def test_destroy_and_destroy_all(provider, machines):
    extra = provider.create("2", "trixie")
    assert "lc-m2" in machines[0].read_file("/etc/hosts").decode()
    provider.destroy(extra.id)
    assert "lc-m2" not in machines[0].read_file("/etc/hosts").decode()
    assert provider.list() == [TRIXIE, BOOKWORM]

    provider.destroy_all()
    names = subprocess.run(["lxc-ls", "-1"], capture_output=True,
                           text=True).stdout.split()
    assert not [n for n in names if n.startswith("lc-")]
    assert provider.list() == []
    assert not os.path.exists("/sys/class/net/lcbr0")
    assert not [d for d in os.listdir("/sys/class/net")
                if d.startswith("lc-")]
    r = subprocess.run(["nft", "list", "table", "inet", "localcloud"],
                       capture_output=True)
    assert r.returncode != 0
    assert not aptcache.running()
    assert not _ours_running()
    assert not os.path.exists("/run/localcloud")
    assert os.path.isdir("/var/cache/localcloud/images")      # caches kept
    assert not network.nft_table_exists()


def _ours_running():
    """An apt-cacher-ng bound to our bridge address (not someone else's)."""
    out = subprocess.run(["pgrep", "-a", "-x", "apt-cacher-ng"],
                         capture_output=True, text=True).stdout
    return "/run/localcloud" in out
