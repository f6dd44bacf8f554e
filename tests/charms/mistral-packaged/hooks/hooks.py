#!/usr/bin/env python3
"""Stand-in "packaged Mistral": Debian's configuration, wired up only.

The benchmark's baseline is what a user gets from `apt install` and the
packages' defaults (the API under uWSGI with the packaged worker counts,
default engine, executor, RPC and pool settings).  This charm installs the
packages, sets in the packaged /etc/mistral/mistral.conf only the database
URL, the transport URL and the [keystone_authtoken] credentials, migrates its
own database once and restarts the services when that configuration changes.
"""

import base64
import re

import standin as sd

NAME = "mistral_packaged"   # its database, database user and vhost
CONF = "/etc/mistral/mistral.conf"
DB_CA = "/etc/mistral/db-ca.pem"
STATE = "/var/lib/standin-mistral-packaged/applied.json"
PACKAGES = ["mistral-api", "mistral-engine", "mistral-executor",
            "python3-pymysql"]
SERVICES = ["mistral-api", "mistral-engine", "mistral-executor"]


def install():
    sd.status_set("maintenance", "installing the mistral packages")
    sd.apt_install(PACKAGES)


def remote_answer(endpoint, request, wanted):
    """Send `request` on every `endpoint` relation; the first remote answer
    holding every key in `wanted`, or None."""
    for rid in sd.relation_ids(endpoint):
        sd.relation_set(rid, request)
        for unit in sorted(sd.related_units(rid)):
            data = sd.relation_get(rid, unit)
            if all(data.get(key) for key in wanted):
                return data
    return None


def settings():
    """{section: {key: value}} to set, or None while a relation is missing."""
    db = remote_answer("shared-db", {
        "database": NAME, "username": NAME, "hostname": sd.unit_address()},
        ("db_host", "password"))
    mq = remote_answer("amqp", {"username": NAME, "vhost": NAME},
                       ("hostname", "password"))
    auth_only = {key: "None" for key in (
        "service", "region", "public_url", "internal_url", "admin_url")}
    ks = remote_answer("identity-service", auth_only,
                       ("service_username", "service_password", "auth_host"))
    if not (db and mq and ks):
        return None
    keystone = "{}://{}:{}".format(ks.get("service_protocol") or "http",
                                   ks["service_host"], ks["service_port"])
    url = "mysql+pymysql://{}:{}@{}/{}".format(NAME, db["password"],
                                               db["db_host"], NAME)
    if db.get("ssl_ca"):   # the server requires TLS once it offers it
        sd.write_file(DB_CA, base64.b64decode(db["ssl_ca"]).decode())
        url += "?ssl_ca=" + DB_CA
    return {
        "database": {"connection": url},
        "DEFAULT": {"transport_url": "rabbit://{}:{}@{}:5672/{}".format(
            NAME, mq["password"], mq["hostname"], NAME)},
        "keystone_authtoken": {
            "www_authenticate_uri": keystone, "auth_url": keystone,
            "username": ks["service_username"],
            "password": ks["service_password"],
            "project_name": ks["service_tenant"],
            "project_domain_name": ks["service_domain"],
            "user_domain_name": ks["service_domain"],
            "region_name": ks.get("region") or "RegionOne"},
    }


def with_settings(text, wanted):
    """The packaged file's text with `wanted` set in place (the key's line,
    commented or not, is replaced; a missing key goes under its section)."""
    lines, section, done = text.splitlines(), None, set()
    out = []
    for line in lines:
        header = re.match(r"^\[(.+)\]\s*$", line)
        if header:
            out.extend(missing(wanted, section, done))
            section = header.group(1)
        key = re.match(r"^#?\s*([a-z_]+)\s*=", line)
        if key and (section, key.group(1)) not in done \
                and key.group(1) in wanted.get(section, {}):
            done.add((section, key.group(1)))
            line = "{} = {}".format(key.group(1), wanted[section][key.group(1)])
        out.append(line)
    out.extend(missing(wanted, section, done))
    return "\n".join(out) + "\n"


def missing(wanted, section, done):
    return ["{} = {}".format(key, value)
            for key, value in wanted.get(section, {}).items()
            if (section, key) not in done]


def converge():
    wanted = settings()
    if wanted is None:
        return True
    with open(CONF) as f:
        text = f.read()
    changed = sd.write_file(CONF, with_settings(text, wanted), mode=0o640,
                            owner="root:mistral")
    state = sd.load_state(STATE)
    if not state.get("migrated"):
        sd.status_set("maintenance", "migrating the database")
        for command in ("upgrade head", "populate"):
            sd.run("mistral-db-manage", "--config-file", CONF,
                   *command.split())
        state["migrated"] = True
        sd.save_state(STATE, state)
    if changed or not all(sd.service_running(s) for s in SERVICES):
        sd.systemctl("restart", *SERVICES)
    sd.open_port(8989)
    sd.application_version_set(sd.upstream_version("mistral-common"))
    return False


if __name__ == "__main__":
    sd.main(lambda hook: sd.serve(hook, install, converge))
