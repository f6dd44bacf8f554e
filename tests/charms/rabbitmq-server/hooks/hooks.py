#!/usr/bin/env python3
"""Stand-in RabbitMQ charm: provides the `amqp` (rabbitmq) relation.

For every remote unit it reads `username` and `vhost` (and the prefixed
forms `<p>_username`, `<p>_vhost`), creates the vhost and the user with a
password kept stable in leader settings, grants the user everything on the
vhost and answers `hostname` and `password`/`<p>_password`.  Every hook
reconciles everything, so hooks can run in any order and repeatedly.

TLS as charm-rabbitmq-server does it: with config `ssl` on (or only) and a
certificate from the certificates relation, it listens with TLS 1.2+ on
5671 (`only`: no plain listener) and also answers `ssl_port` and `ssl_ca`
(the CA, base64).  A reissued certificate is taken up by clearing the
PEM cache: no restart.
"""

import base64
import socket

import standin as sd

CONF = "/etc/rabbitmq/rabbitmq.conf"
STATE = "/var/lib/standin-rabbitmq/applied.json"
PORT, SSL_PORT = 5672, 5671
SSL_DIR = "/etc/rabbitmq/ssl"
CONFIG = """\
# managed by the stand-in rabbitmq-server charm
listeners.tcp.default = 5672
loopback_users.guest = true
"""
CONFIG_ONLY_TLS = """\
# managed by the stand-in rabbitmq-server charm
listeners.tcp = none
loopback_users.guest = true
"""
CONFIG_TLS = """\
listeners.ssl.default = {port}
ssl_options.cacertfile = {dir}/ca.pem
ssl_options.certfile = {dir}/cert.pem
ssl_options.keyfile = {dir}/key.pem
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
ssl_options.versions.1 = tlsv1.3
ssl_options.versions.2 = tlsv1.2
"""
SSL_MODES = ("off", "on", "only")
# oslo.messaging declares transient, non-exclusive reply/fanout queues,
# which RabbitMQ 4 deprecates: keep them allowed (the key is unknown to 3.x).
CONFIG_4 = "deprecated_features.permit.transient_nonexcl_queues = true\n"


def ctl(*args, capture=False):
    return sd.run("rabbitmqctl", "-q", *args, capture=capture)


def names(*args):
    out = ctl("--no-table-headers", *args, capture=True)
    return {line.split("\t")[0] for line in out.splitlines() if line.strip()}


def ensure_hostname_resolves():
    """RabbitMQ's node name is rabbit@<short hostname>: it must resolve."""
    short = socket.gethostname().split(".")[0]
    try:
        socket.gethostbyname(short)
    except OSError:
        sd.log("%s does not resolve; adding it to /etc/hosts" % short,
               "WARNING")
        with open("/etc/hosts", "a") as f:
            f.write("127.0.1.1 %s\n" % short)


def install():
    sd.status_set("maintenance", "installing rabbitmq-server")
    ensure_hostname_resolves()
    sd.apt_install(["rabbitmq-server"])


def tls(mode):
    """The certificate bundle to serve with, written for RabbitMQ, or None
    (ssl off, or no certificate yet)."""
    if mode not in SSL_MODES:
        sd.log("ssl: %r is not one of %s; using off" % (mode, SSL_MODES),
               "WARNING")
        return None
    bundle = sd.certificate() if mode != "off" else None
    if bundle:
        bundle["changed"] = sd.write_certificate(bundle, SSL_DIR, "rabbitmq")
    return bundle


def configure(cfg):
    """Configure and start RabbitMQ; returns the TLS bundle in use."""
    ensure_hostname_resolves()
    version = sd.upstream_version("rabbitmq-server") or "0"
    major = int(version.split(".")[0])
    mode = cfg.get("ssl") or "off"
    bundle = tls(mode)
    text = CONFIG_ONLY_TLS if bundle and mode == "only" else CONFIG
    if bundle:
        text += CONFIG_TLS.format(port=SSL_PORT, dir=SSL_DIR)
    changed = sd.write_file(CONF, text + (CONFIG_4 if major >= 4 else ""))
    sd.systemctl("enable", "--quiet", "rabbitmq-server")
    if changed or not sd.service_running("rabbitmq-server"):
        sd.status_set("maintenance", "restarting rabbitmq-server")
        sd.systemctl("restart", "rabbitmq-server")
    ctl("await_startup", "--timeout", "120")
    if bundle and bundle["changed"] and not changed:
        # a reissued certificate, without a restart: new handshakes read it
        ctl("eval", "ssl:clear_pem_cache().")
    sd.open_port(PORT)
    if bundle:
        sd.open_port(SSL_PORT)
    return bundle


def wanted():
    """Read the requests: ({rid: {prefix: user}}, {user: vhosts}, pending)."""
    per_rid, vhosts_of, pending = {}, {}, False
    for rid in sd.relation_ids("amqp"):
        if sd.in_broken_hook_for(rid):
            continue
        per_rid[rid] = {}
        for unit in sorted(sd.related_units(rid)):
            requests = sd.prefixed_requests(sd.relation_get(rid, unit),
                                            ("username", "vhost"), "username")
            for prefix, req in requests.items():
                user, vhost = req["username"], req.get("vhost")
                if not vhost or not sd.SAFE_NAME.match(user) \
                        or "\n" in vhost:
                    sd.log("incomplete or odd request from %s: %r"
                           % (unit, req), "WARNING")
                    pending = True
                    continue
                per_rid[rid][prefix] = user
                vhosts_of.setdefault(user, set()).add(vhost)
    return per_rid, vhosts_of, pending


def reconcile(bundle):
    """Create what the remote units ask for; returns True when waiting."""
    per_rid, vhosts_of, pending = wanted()
    passwords = {}
    for user in sorted(vhosts_of):
        passwords[user] = sd.stable_password("amqp-password-%s" % user)
    if vhosts_of:
        applied = sd.load_state(STATE)
        users, vhosts = names("list_users"), names("list_vhosts")
        for user, wanted_vhosts in sorted(vhosts_of.items()):
            password = passwords[user]
            if password is None:
                pending = True
                continue
            for vhost in sorted(wanted_vhosts - vhosts):
                ctl("add_vhost", vhost)
                vhosts.add(vhost)
            done = applied.get(user, {})
            if user not in users:
                ctl("add_user", user, password)
                done = {}
            elif done.get("password") != password and not sd.succeeds(
                    "rabbitmqctl", "-q", "authenticate_user", user, password):
                ctl("change_password", user, password)
            done["password"] = password
            for vhost in sorted(wanted_vhosts - set(done.get("vhosts", []))):
                ctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
            done["vhosts"] = sorted(wanted_vhosts
                                    | set(done.get("vhosts", [])))
            applied[user] = done
        sd.save_state(STATE, applied)
    # Answer only once users and permissions are in place.
    address = sd.unit_address()
    for rid, prefixes in per_rid.items():
        answer = {"hostname": address,
                  "ssl_port": str(SSL_PORT) if bundle else None,
                  "ssl_ca": base64.b64encode(bundle["ca"].encode()).decode()
                  if bundle else None}
        for prefix, user in prefixes.items():
            if passwords.get(user):
                answer[sd.keyname(prefix, "password")] = passwords[user]
        sd.answer(rid, answer, replaces=("password",))
    return pending


def converge():
    bundle = configure(sd.config())
    sd.application_version_set(sd.upstream_version("rabbitmq-server"))
    return reconcile(bundle)


if __name__ == "__main__":
    sd.main(lambda hook: sd.serve(hook, install, converge))
