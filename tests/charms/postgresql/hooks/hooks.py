#!/usr/bin/env python3
"""Stand-in PostgreSQL charm: provides the `db` (pgsql) relation.

Each remote application gets a login role `juju_<app>` owning a database
(the `database` it asks for, by default its application name), a schema
role `juju_<app>_schema` that is a member of it, the requested `roles` and
`extensions`, and one pg_hba.conf line per remote unit address.  Answers
`host`, `port`, `database`, `user`, `password`, `schema_user`,
`schema_password`, `allowed-units`, `state`, `version` and `master`.
Every hook reconciles everything.
"""

import glob
import ipaddress
import os
import socket

import standin as sd

PORT = 5432
BEGIN = "# BEGIN stand-in postgresql charm (managed; do not edit)"
END = "# END stand-in postgresql charm"


def cluster():
    """(version, config dir) of the newest cluster named main."""
    dirs = glob.glob("/etc/postgresql/*/main")
    if not dirs:
        raise RuntimeError("no PostgreSQL cluster found")
    path = max(dirs, key=lambda d: int(d.split("/")[3]))
    return path.split("/")[3], path


def psql(statement, db="postgres"):
    return sd.run("runuser", "-u", "postgres", "--", "psql", "-X", "-q",
                  "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db,
                  "-c", statement, capture=True).strip()


def ident(name):
    return '"%s"' % name.replace('"', '""')


def literal(value):
    return "'%s'" % value.replace("'", "''")


def install():
    sd.status_set("maintenance", "installing postgresql")
    sd.apt_install(["postgresql"])


def configure(cfg):
    version, confdir = cluster()
    changed = sd.write_file(os.path.join(confdir, "conf.d", "standin.conf"),
                            "\n".join([
                                "# managed by the stand-in postgresql charm",
                                "listen_addresses = '*'",
                                "port = %d" % PORT,
                                "max_connections = %d"
                                % int(cfg.get("max-connections") or 500),
                                "password_encryption = 'scram-sha-256'",
                                ""]), owner="postgres:postgres")
    unit = "postgresql@%s-main" % version
    sd.systemctl("enable", "--quiet", "postgresql")
    sd.systemctl("enable", "--quiet", unit)
    if changed or not sd.service_running(unit):
        sd.status_set("maintenance", "restarting postgresql")
        sd.systemctl("restart", unit)
    sd.wait_for(lambda: sd.succeeds("pg_isready", "-q", "-h", "127.0.0.1",
                                    "-p", str(PORT)),
                timeout=60, what="postgresql")
    sd.open_port(PORT)
    return version, confdir


def addresses(data):
    """Networks (as pg_hba CIDRs) of a remote unit."""
    addr = data.get("ingress-address") or data.get("private-address")
    if not addr:
        return []
    try:
        ips = [ipaddress.ip_address(addr)]
    except ValueError:
        try:
            ips = {ipaddress.ip_address(i[4][0])
                   for i in socket.getaddrinfo(addr, None)}
        except OSError:
            sd.log("cannot resolve %s" % addr, "WARNING")
            return []
    return sorted(str(ipaddress.ip_network(ip)) for ip in ips)


def ensure_role(name, password, login=True):
    exists = psql("SELECT 1 FROM pg_roles WHERE rolname = %s" % literal(name))
    verb = "ALTER" if exists else "CREATE"
    if login:
        psql("%s ROLE %s WITH LOGIN PASSWORD %s"
             % (verb, ident(name), literal(password)))
    elif not exists:
        psql("CREATE ROLE %s NOLOGIN" % ident(name))


def serve(rid, units):
    """Create what `rid` asks for; returns (answer, hba lines) or None."""
    app = sd.app_of(units[0])
    datas = {u: sd.relation_get(rid, u) for u in units}
    first = lambda key: next((d[key] for d in datas.values()  # noqa: E731
                              if d.get(key)), "")
    database = first("database") or app
    roles = sorted({r.strip() for r in first("roles").split(",") if r.strip()})
    extensions = sorted({e.strip() for e in first("extensions").split(",")
                         if e.strip()})
    user, schema_user = "juju_%s" % app, "juju_%s_schema" % app
    if not all(sd.SAFE_NAME.match(n) for n in [database, user] + roles
               + extensions):
        sd.log("odd request on %s: %r" % (rid, datas), "WARNING")
        return None
    password = sd.stable_password("pg-password-%s" % user)
    schema_password = sd.stable_password("pg-password-%s" % schema_user)
    if not password or not schema_password:
        return None
    ensure_role(user, password)
    ensure_role(schema_user, schema_password)
    psql("GRANT %s TO %s" % (ident(user), ident(schema_user)))
    for role in roles:
        ensure_role(role, None, login=False)
        psql("GRANT %s TO %s" % (ident(role), ident(user)))
    if not psql("SELECT 1 FROM pg_database WHERE datname = %s"
                % literal(database)):
        psql("CREATE DATABASE %s OWNER %s" % (ident(database), ident(user)))
    for ext in extensions:
        psql("CREATE EXTENSION IF NOT EXISTS %s" % ident(ext), db=database)
    hba, allowed = [], []
    for unit in units:
        nets = addresses(datas[unit])
        for net in nets:
            hba.append("host %s %s,%s %s scram-sha-256 # %s"
                       % (database, user, schema_user, net, unit))
        if nets:
            allowed.append(unit)
    answer = {
        "database": database, "user": user, "password": password,
        "schema_user": schema_user, "schema_password": schema_password,
        "roles": ",".join(roles) or None,
        "extensions": ",".join(extensions) or None,
        "allowed-units": " ".join(sorted(allowed)),
    }
    return answer, hba


def write_hba(confdir, version, lines):
    path = os.path.join(confdir, "pg_hba.conf")
    with open(path) as f:
        text = f.read()
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + text[text.index(END) + len(END):]
    text = text.rstrip("\n") + "\n" + "\n".join([BEGIN] + lines + [END]) + "\n"
    if sd.write_file(path, text, mode=0o640, owner="postgres:postgres"):
        sd.systemctl("reload", "postgresql@%s-main" % version)


def reconcile(version, confdir):
    hba, answers, pending = [], {}, False
    for rid in sd.relation_ids("db"):
        if sd.in_broken_hook_for(rid):
            continue
        units = sorted(sd.related_units(rid))
        if not units:  # everyone departed: nobody is allowed any more
            sd.relation_set(rid, {"allowed-units": None})
            continue
        served = serve(rid, units)
        if served is None:
            pending = True
            continue
        answers[rid], lines = served
        hba += lines
    write_hba(confdir, version, hba)
    # Answer only once pg_hba.conf lets the units in.
    host = sd.unit_address()
    for rid, answer in answers.items():
        answer.update(host=host, port=str(PORT), state="standalone",
                      version=version)
        answer["master"] = " ".join(
            "%s=%s" % (k, answer[v]) for k, v in (
                ("dbname", "database"), ("host", "host"), ("port", "port"),
                ("user", "user"), ("password", "password")))
        sd.relation_set(rid, answer)
    return pending


def converge():
    version, confdir = configure(sd.config())
    sd.application_version_set(sd.upstream_version("postgresql-" + version))
    return reconcile(version, confdir)


if __name__ == "__main__":
    sd.main(lambda hook: sd.serve(hook, install, converge))
