#!/usr/bin/env python3
"""Stand-in RabbitMQ charm: provides the `amqp` (rabbitmq) relation.

For every remote unit it reads `username` and `vhost` (and the prefixed
forms `<p>_username`, `<p>_vhost`), creates the vhost and the user with a
password kept stable in leader settings, grants the user everything on the
vhost and answers `hostname` and `password`/`<p>_password`.  Every hook
reconciles everything, so hooks can run in any order and repeatedly.
"""

import socket

import standin as sd

CONF = "/etc/rabbitmq/rabbitmq.conf"
STATE = "/var/lib/standin-rabbitmq/applied.json"
PORT = 5672
CONFIG = """\
# managed by the stand-in rabbitmq-server charm
listeners.tcp.default = 5672
loopback_users.guest = true
"""
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


def configure():
    ensure_hostname_resolves()
    version = sd.upstream_version("rabbitmq-server") or "0"
    major = int(version.split(".")[0])
    changed = sd.write_file(CONF, CONFIG + (CONFIG_4 if major >= 4 else ""))
    sd.systemctl("enable", "--quiet", "rabbitmq-server")
    if changed or not sd.service_running("rabbitmq-server"):
        sd.status_set("maintenance", "restarting rabbitmq-server")
        sd.systemctl("restart", "rabbitmq-server")
    ctl("await_startup", "--timeout", "120")
    sd.open_port(PORT)


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


def reconcile():
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
        answer = {"hostname": address}
        for prefix, user in prefixes.items():
            if passwords.get(user):
                answer[sd.keyname(prefix, "password")] = passwords[user]
        sd.answer(rid, answer, replaces=("password",))
    return pending


def converge():
    configure()
    sd.application_version_set(sd.upstream_version("rabbitmq-server"))
    return reconcile()


if __name__ == "__main__":
    sd.main(lambda hook: sd.serve(hook, install, converge))
