"""Small helpers shared by the local cloud's stand-in charms.

This is the only copy.  Each charm's hooks/standin.py is a symlink to it,
which the local cloud packs as a plain file when it copies the charm into a
machine (agent/charm_archive.py), so the hooks import it from their own
directory there.

Only the Python standard library is used.  Hook tools are called through
subprocess exactly as Juju puts them on PATH.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time

# --------------------------------------------------------------------------
# hook tools


def _tool(*args, parse_json=False):
    out = subprocess.check_output(list(args), stdin=subprocess.DEVNULL)
    out = out.decode()
    if parse_json:
        return json.loads(out) if out.strip() else None
    return out


def log(msg, level="INFO"):
    try:
        subprocess.call(["juju-log", "-l", level, str(msg)],
                        stdin=subprocess.DEVNULL)
    except OSError:
        print("juju-log: %s: %s" % (level, msg), file=sys.stderr)


def hook_name():
    return os.environ.get("JUJU_HOOK_NAME") or os.path.basename(sys.argv[0])


def local_unit():
    return os.environ["JUJU_UNIT_NAME"]


def remote_unit():
    return os.environ.get("JUJU_REMOTE_UNIT") or None


def app_of(unit):
    return unit.split("/")[0]


def config():
    return _tool("config-get", "--all", "--format=json", parse_json=True) or {}


def unit_address():
    return _tool("unit-get", "--format=json", "private-address",
                 parse_json=True)


def is_leader():
    return bool(_tool("is-leader", "--format=json", parse_json=True))


def leader_get():
    return _tool("leader-get", "--format=json", "-", parse_json=True) or {}


def leader_set(**settings):
    if settings:
        _tool("leader-set", *["%s=%s" % (k, "" if v is None else v)
                              for k, v in sorted(settings.items())])


def relation_ids(endpoint):
    return _tool("relation-ids", "--format=json", endpoint,
                 parse_json=True) or []


def related_units(rid):
    return _tool("relation-list", "--format=json", "-r", rid,
                 parse_json=True) or []


def relation_get(rid, unit):
    """All settings of `unit` on relation `rid` ({} when unreadable)."""
    try:
        return _tool("relation-get", "--format=json", "-r", rid, "-", unit,
                     parse_json=True) or {}
    except subprocess.CalledProcessError as exc:
        log("relation-get %s %s failed: %s" % (rid, unit, exc), "WARNING")
        return {}


def relation_set(rid, settings):
    """Publish `settings` on `rid`; a value of None deletes the key."""
    if settings:
        _tool("relation-set", "-r", rid,
              *["%s=%s" % (k, "" if v is None else v)
                for k, v in sorted(settings.items())])


def answer(rid, settings, replaces=()):
    """Publish settings on rid, clearing the keys of an earlier answer that
    end in one of `replaces` and are not sent again (requests that went)."""
    current = relation_get(rid, local_unit())
    stale = {k: None for k in current if k.endswith(tuple(replaces))}
    stale.update(settings)
    relation_set(rid, stale)


def in_broken_hook_for(rid):
    return (hook_name().endswith("-relation-broken")
            and os.environ.get("JUJU_RELATION_ID") == rid)


def status_set(state, message):
    subprocess.call(["status-set", state, message], stdin=subprocess.DEVNULL)


def open_port(port, proto="TCP"):
    _tool("open-port", "%s/%s" % (port, proto))


def application_version_set(version):
    if version:
        _tool("application-version-set", version)


def stable_password(key):
    """A password kept in leader settings under `key`.

    The leader creates it on first use; other units return None until the
    leader has published it.
    """
    current = leader_get().get(key)
    if current:
        return current
    if not is_leader():
        return None
    new = secrets.token_hex(16)
    leader_set(**{key: new})
    return new


def split_list(value):
    """Relation values that may be a JSON list or a single plain string."""
    if not value:
        return []
    value = value.strip()
    if value.startswith("["):
        try:
            return [str(v) for v in json.loads(value) if v]
        except ValueError:
            pass
    return [value]


def prefixed_requests(settings, fields, primary):
    """Group relation keys into requests.

    Plain keys (`database`, `username`, ...) give the request with prefix
    None; keys `<p>_<field>` give the request with prefix `<p>`.  Only
    requests that carry `primary` are returned: {prefix: {field: value}}.
    """
    requests = {}
    for key, value in settings.items():
        for field in fields:
            if key == field:
                requests.setdefault(None, {})[field] = value
            elif key.endswith("_" + field) and len(key) > len(field) + 1:
                prefix = key[:-len(field) - 1]
                requests.setdefault(prefix, {})[field] = value
    return {p: r for p, r in requests.items() if r.get(primary)}


def keyname(prefix, field):
    return field if prefix is None else "%s_%s" % (prefix, field)


SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
SAFE_HOST = re.compile(r"^[A-Za-z0-9_.:%-]+$")

# --------------------------------------------------------------------------
# machine helpers


def run(*cmd, check=True, capture=False, input=None, env=None):
    """Run a command, logging failures; returns stdout text when captured."""
    stdin = None if input is not None else subprocess.DEVNULL
    res = subprocess.run(list(cmd), check=False, text=True, input=input,
                         stdin=stdin,
                         stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.PIPE if capture else None, env=env)
    if check and res.returncode != 0:
        log("command failed (%d): %s\n%s"
            % (res.returncode, " ".join(cmd), res.stderr or ""), "ERROR")
        raise subprocess.CalledProcessError(res.returncode, cmd, res.stdout,
                                            res.stderr)
    return res.stdout if capture else res.returncode


def succeeds(*cmd):
    """True when the command exits 0 (its output is discarded)."""
    return subprocess.run(list(cmd), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive",
               APT_LISTCHANGES_FRONTEND="none")
APT_OPTS = ["-o", "DPkg::Lock::Timeout=600",
            "-o", "Dpkg::Options::=--force-confdef",
            "-o", "Dpkg::Options::=--force-confold"]


def apt_install(packages, preseed=None):
    if preseed:
        run("debconf-set-selections", input=preseed)
    missing = [p for p in packages if not package_version(p)]
    if not missing:
        return
    for attempt in range(3):
        try:
            run("apt-get", *APT_OPTS, "update", "-qq", env=APT_ENV)
            run("apt-get", *APT_OPTS, "install", "-y", "-qq",
                "--no-install-recommends", *missing, env=APT_ENV)
            return
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise
            time.sleep(10)


def package_version(package):
    """Installed Debian version of `package`, or None."""
    res = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}",
                          package], text=True, capture_output=True)
    if res.returncode != 0 or "install ok installed" not in res.stdout:
        return None
    return res.stdout.split()[-1]


def upstream_version(package):
    """`1:11.8.9+ds-0+deb13u1` -> `11.8.9`; `17+278` -> `17`."""
    version = package_version(package)
    if not version:
        return None
    version = version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return re.split(r"[+~]", version)[0]


def write_file(path, content, mode=0o644, owner=None):
    """Write `content` if it differs; returns True when the file changed."""
    try:
        with open(path) as f:
            if f.read() == content:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(content)
    os.chmod(tmp, mode)
    if owner:
        run("chown", owner, tmp)
    os.replace(tmp, path)
    return True


def load_state(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return {}


def save_state(path, state):
    write_file(path, json.dumps(state, indent=1, sort_keys=True) + "\n",
               mode=0o600)


def systemctl(*args, check=True):
    return run("systemctl", *args, check=check)


def service_running(name):
    return run("systemctl", "is-active", "--quiet", name, check=False) == 0


def wait_for(predicate, timeout=120, interval=1, what="condition"):
    deadline = time.time() + timeout
    while True:
        if predicate():
            return
        if time.time() > deadline:
            raise RuntimeError("timed out after %ds waiting for %s"
                               % (timeout, what))
        time.sleep(interval)


# --------------------------------------------------------------------------
# the requiring side of tls-certificates (certificates from the vault
# stand-in, asked for as the OpenStack charms ask vault)


def certificate(endpoint="certificates"):
    """Ask each provider on `endpoint` for a server certificate for this
    unit (CN its host name, SANs its address and host name) and return
    {"ca", "chain", "cert", "key"} from the first that answered, else None
    (also when the endpoint has no relation)."""
    name = socket.gethostname()
    unit_name = local_unit().replace("/", "_")
    request = {"cert_requests": json.dumps(
        {name: {"sans": sorted({unit_address(), name})}}, sort_keys=True),
        "unit_name": unit_name}
    for rid in relation_ids(endpoint):
        if in_broken_hook_for(rid):
            continue
        relation_set(rid, request)
        for unit in sorted(related_units(rid)):
            data = relation_get(rid, unit)
            try:
                issued = json.loads(
                    data.get(unit_name + ".processed_requests") or "{}")
            except ValueError:
                issued = {}
            pair = issued.get(name) or {}
            if data.get("ca") and pair.get("cert") and pair.get("key"):
                return {"ca": data["ca"], "chain": data.get("chain") or "",
                        "cert": pair["cert"], "key": pair["key"]}
    return None


def install_ca(name, ca):
    """Put a CA into the machine's trust store (update-ca-certificates)."""
    path = "/usr/local/share/ca-certificates/%s.crt" % name
    if write_file(path, ca.strip() + "\n"):
        run("update-ca-certificates")
    return path


def serve(hook, install, converge):
    """The hook flow the service stand-ins share: stop and remove leave the
    service alone, install and upgrade-charm install packages first, and
    every hook then converges; converge() says whether requests wait."""
    if hook in ("stop", "remove"):
        return
    if hook in ("install", "upgrade-charm"):
        install()
    if converge():
        status_set("waiting", "waiting for the leader or complete requests")
    else:
        status_set("active", "Unit is ready")


def main(handler):
    """Entry point: run `handler(hook)`, mapping failures to exit status 1."""
    hook = hook_name()
    log("running hook %s" % hook, "DEBUG")
    try:
        handler(hook)
    except Exception as exc:  # a real failure: let Juju put us in error
        log("hook %s failed: %r" % (hook, exc), "ERROR")
        raise


def write_certificate(bundle, directory, group):
    """ca.pem, cert.pem and key.pem (readable by `group`) of a certificate()
    bundle in `directory`; True when one of them changed."""
    changed = False
    for name, text, mode in (("ca.pem", bundle["ca"], 0o644),
                             ("cert.pem", bundle["cert"], 0o644),
                             ("key.pem", bundle["key"], 0o640)):
        changed |= write_file("%s/%s" % (directory, name),
                              text.strip() + "\n", mode=mode,
                              owner="root:" + group)
    return changed
