"""Base root filesystems of the local cloud's machines.

One image per series, built once with debootstrap from the recipe in
image_recipe.yaml and the customisation below, and cached as a plain
directory tree under /var/cache/localcloud/images/<series>-<hash>/rootfs.
<hash> covers the recipe file and this module's customisation code, so an
edit to either builds a new image on the next create (old ones are pruned
when no container uses them any more).  Machines never write to an image:
each container mounts it read-only as the lower layer of an overlayfs
(see lxc.py), which makes creating a machine a matter of milliseconds.

Downloads go through the shared apt-cacher-ng (aptcache.py), so rebuilding
an image, or building the other series, reuses what is already cached.
"""

import fcntl
import hashlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import time

import yaml

from .. import paths
from ..log import log
from . import aptcache
from .hostsetup import host_lock

DEBOOTSTRAP_SCRIPTS = "/usr/share/debootstrap/scripts"


def load_recipe():
    with open(paths.IMAGE_RECIPE) as f:
        return yaml.safe_load(f)


SERIES = tuple(load_recipe()["series"])


def recipe_hash(series):
    h = hashlib.sha256()
    with open(paths.IMAGE_RECIPE, "rb") as f:
        h.update(f.read())
    h.update(inspect.getsource(_customise).encode())
    h.update(inspect.getsource(_debootstrap_argv).encode())
    h.update(series.encode())
    local_ca = "/usr/local/share/ca-certificates"
    for dirpath, dirnames, filenames in sorted(os.walk(local_ca)):
        for name in sorted(filenames):
            with open(os.path.join(dirpath, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()[:16]


def image_dir(series):
    return os.path.join(paths.IMAGE_ROOT, "%s-%s" % (series, recipe_hash(series)))


def image_rootfs(series):
    return os.path.join(image_dir(series), "rootfs")


def _write(root, path, text, mode=0o644):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if os.path.lexists(full):
        os.unlink(full)
    with open(full, "w") as f:
        f.write(text)
    os.chmod(full, mode)


def _debootstrap_argv(recipe, series, target):
    # a host older than the suite has no script by its name: testing's
    # suites are built like sid
    script = os.path.join(DEBOOTSTRAP_SCRIPTS, series)
    if not os.path.exists(script):
        script = os.path.join(DEBOOTSTRAP_SCRIPTS, "sid")
    return ["debootstrap", "--variant=%s" % recipe["variant"],
            "--components=%s" % ",".join(recipe["components"]),
            "--include=%s" % ",".join(recipe["include"]),
            "--keyring=/usr/share/keyrings/debian-archive-keyring.gpg",
            series, target, recipe["mirror"], script]


def _customise(recipe, series, root):
    """Turn a debootstrapped tree into a machine image (no network needed)."""
    comps = " ".join(recipe["components"])
    if os.path.exists(os.path.join(root, "etc/apt/sources.list")):
        os.unlink(os.path.join(root, "etc/apt/sources.list"))
    _write(root, "/etc/apt/sources.list.d/debian.sources", (
        "Types: deb\nURIs: {m}\nSuites: {s} {s}-updates\nComponents: {c}\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        "Types: deb\nURIs: {sm}\nSuites: {s}-security\nComponents: {c}\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    ).format(m=recipe["mirror"], sm=recipe["security_mirror"], s=series,
             c=comps))
    _write(root, "/etc/apt/apt.conf.d/01localcloud", (
        "// local cloud: shared download cache on the host's bridge address\n"
        "Acquire::http::Proxy \"%s\";\n"
        "Acquire::Retries \"3\";\n"
        "Acquire::Languages \"none\";\n" % aptcache.PROXY_URL) + (
        "Acquire::Check-Valid-Until \"false\";\n"
        if series in recipe.get("stale_ok", []) else ""))
    _write(root, "/etc/dpkg/dpkg.cfg.d/01localcloud-nodoc", (
        "path-exclude=/usr/share/man/*\n"
        "path-exclude=/usr/share/info/*\n"
        "path-exclude=/usr/share/locale/*\n"
        "path-include=/usr/share/locale/locale.alias\n"))
    # Throwaway machines: dpkg's fsync of every unpacked file protects a
    # host against power loss, and cost 15% of a Mistral install here
    # (71 -> 60 s); no test stops a machine while dpkg runs.
    _write(root, "/etc/dpkg/dpkg.cfg.d/02localcloud-unsafe-io",
           "force-unsafe-io\n")
    _write(root, "/etc/default/locale", "LANG=C.UTF-8\n")
    _write(root, "/etc/hostname", "localhost\n")
    _write(root, "/etc/hosts", "127.0.0.1 localhost\n")
    # Each machine generates its own machine-id on first boot.
    _write(root, "/etc/machine-id", "", 0o444)
    dbus_id = os.path.join(root, "var/lib/dbus/machine-id")
    if os.path.lexists(dbus_id):
        os.unlink(dbus_id)
    # The host's own certificate authorities (an enterprise or sandbox
    # proxy's), so that https from a machine works as it does on the host.
    local_ca = "/usr/local/share/ca-certificates"
    if os.path.isdir(local_ca) and os.listdir(local_ca):
        shutil.copytree(local_ca, os.path.join(root, local_ca.lstrip("/")),
                        dirs_exist_ok=True)
        subprocess.run(["chroot", root, "update-ca-certificates"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
    for unit in recipe.get("mask_units", []):
        link = os.path.join(root, "etc/systemd/system", unit)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink("/dev/null", link)
    for d in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for name in os.listdir(os.path.join(root, d)):
            p = os.path.join(root, d, name)
            if os.path.isfile(p) and name.endswith((".deb", "_InRelease",
                                                    "_Packages")):
                os.unlink(p)


def _unmount_under(path):
    """Unmount whatever an interrupted debootstrap left mounted in `path`."""
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for mp in sorted((p for p in points
                      if p == path or p.startswith(path + "/")),
                     key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL)


def _stream(argv, env, prefix, t0, logfile):
    """Run argv, copying its output to logfile and progress to stderr."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    fetched = per_pkg = 0
    for line in proc.stdout:
        logfile.write(line)
        line = line.rstrip()
        if line.startswith(("I: Retrieving", "I: Validating")):
            fetched += line.startswith("I: Retrieving")
            if fetched % 25 == 0 and line.startswith("I: Retrieving"):
                print("%s %5.1fs   ... %d files fetched"
                      % (prefix, time.monotonic() - t0, fetched),
                      file=sys.stderr, flush=True)
            continue
        if line.startswith(("I: Extracting", "I: Unpacking ",
                            "I: Configuring ")):
            # one line per package: too chatty, show a count now and then
            per_pkg += 1
            if per_pkg % 40 == 0:
                print("%s %5.1fs   ... %d package steps"
                      % (prefix, time.monotonic() - t0, per_pkg),
                      file=sys.stderr, flush=True)
            continue
        if line.startswith(("I: ", "W: ", "E: ")):
            print("%s %5.1fs %s" % (prefix, time.monotonic() - t0, line),
                  file=sys.stderr, flush=True)
    return proc.wait()


def _chroot(root, argv, env):
    return subprocess.run(["chroot", root] + argv, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def build(series):
    """Build the image for `series` (caller holds the lock)."""
    if series not in SERIES:
        raise ValueError("unknown series %r" % series)
    recipe = load_recipe()
    final = image_dir(series)
    tmp = "%s.tmp-%d" % (final, os.getpid())
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    root = os.path.join(tmp, "rootfs")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "http_proxy": aptcache.PROXY_URL,
           "DEBIAN_FRONTEND": "noninteractive"}
    prefix = "localcloud: image %s" % series
    t0 = time.monotonic()
    print("%s: building %s with debootstrap (log: %s/build.log)"
          % (prefix, final, final), file=sys.stderr, flush=True)
    try:
        with open(os.path.join(tmp, "build.log"), "w") as logf:
            rc = _stream(_debootstrap_argv(recipe, series, root), env, prefix,
                         t0, logf)
            if rc != 0:
                raise RuntimeError("debootstrap %s failed (%d); see %s"
                                   % (series, rc, logf.name))
            _customise(recipe, series, root)
            print("%s %5.1fs apt-get update" % (prefix, time.monotonic() - t0),
                  file=sys.stderr, flush=True)
            r = _chroot(root, ["apt-get", "update", "-q"], env)
            logf.write(r.stdout)
            if r.returncode != 0:
                raise RuntimeError("apt-get update in the %s image failed:\n%s"
                                   % (series, r.stdout[-2000:]))
            _chroot(root, ["apt-get", "clean"], env)
        _unmount_under(tmp)
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump({"series": series, "hash": recipe_hash(series),
                       "built": time.time(),
                       "build_seconds": round(time.monotonic() - t0, 1),
                       "recipe": recipe}, f, indent=1)
        os.rename(tmp, final)
    except BaseException:
        _unmount_under(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print("%s %5.1fs done" % (prefix, time.monotonic() - t0),
          file=sys.stderr, flush=True)
    return final


def ensure_image(series):
    """Return the rootfs of the current image for `series`, building it
    (once, under a lock shared by concurrent callers) when missing."""
    rootfs = image_rootfs(series)
    if os.path.isdir(rootfs):
        return rootfs
    os.makedirs(paths.IMAGE_ROOT, exist_ok=True)
    with open(os.path.join(paths.IMAGE_ROOT, ".lock-%s" % series), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isdir(rootfs):
            with host_lock():
                aptcache.ensure_running()
            build(series)
    return rootfs


def build_seconds(series):
    try:
        with open(os.path.join(image_dir(series), "manifest.json")) as f:
            return json.load(f).get("build_seconds")
    except OSError:
        return None


def prune(in_use):
    """Remove images of older recipes that no container (`in_use`: set of
    image rootfs paths) refers to, and leftovers of interrupted builds."""
    if not os.path.isdir(paths.IMAGE_ROOT):
        return
    current = {image_dir(s) for s in SERIES}
    for name in os.listdir(paths.IMAGE_ROOT):
        path = os.path.join(paths.IMAGE_ROOT, name)
        if name.startswith(".") or not os.path.isdir(path):
            continue
        if ".tmp-" in name:
            pid = name.rsplit("-", 1)[-1]
            if pid.isdigit() and os.path.exists("/proc/%s" % pid):
                continue      # a build in progress
            _unmount_under(path)
            shutil.rmtree(path, ignore_errors=True)
        elif path not in current and os.path.join(path, "rootfs") not in in_use:
            log("removing outdated image %s" % path)
            shutil.rmtree(path, ignore_errors=True)
