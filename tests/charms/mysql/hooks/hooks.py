#!/usr/bin/env python3
"""Stand-in MariaDB charm: provides the `shared-db` (mysql-shared) relation.

For every remote unit it reads `database`, `username`, `hostname` (a plain
address or a JSON list) and the prefixed forms `<p>_database`, ...; creates
the database and the user at each host with a password kept stable in leader
settings, and answers `db_host`, `db_port`, `password`/`<p>_password` and
`allowed_units`/`<p>_allowed_units`.  Every hook reconciles everything, so
hooks can run in any order and any number of times.

TLS as mysql-innodb-cluster does it with vault: once the certificates
relation brings a certificate, MariaDB serves TLS 1.2+ with it, every
granted user must use TLS (REQUIRE SSL) and the answer adds `ssl_ca` (the
CA, base64).  A reissued certificate is loaded with FLUSH SSL: no restart.
"""

import base64
import ipaddress
import socket

import standin as sd

CONF = "/etc/mysql/mariadb.conf.d/90-standin.cnf"
STATE = "/var/lib/standin-mysql/grants.json"
PORT = 3306
SSL_DIR = "/etc/mysql/ssl"


def sql(statements):
    sd.run("mariadb", "--batch", input=statements)


def quote(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def install():
    sd.status_set("maintenance", "installing mariadb-server")
    sd.apt_install(["mariadb-server", "mariadb-client"])


def tls():
    """(bundle or None, certificate files changed)."""
    bundle = sd.certificate()
    changed = bool(bundle) and sd.write_certificate(bundle, SSL_DIR, "mysql")
    return bundle, changed


def configure(cfg):
    """Configure and start MariaDB; returns the TLS bundle in use."""
    bundle, certs_changed = tls()
    ssl_lines = [
        "ssl_ca = %s/ca.pem" % SSL_DIR,
        "ssl_cert = %s/cert.pem" % SSL_DIR,
        "ssl_key = %s/key.pem" % SSL_DIR,
        "tls_version = TLSv1.2,TLSv1.3",
    ] if bundle else []
    changed = sd.write_file(CONF, "\n".join([
        "# managed by the stand-in mysql charm",
        "[mysqld]",
        "bind-address = 0.0.0.0",
        "max_connections = %d" % int(cfg.get("max-connections") or 1000),
        "skip-name-resolve",
        "character-set-server = utf8mb4",
        "collation-server = utf8mb4_general_ci"] + ssl_lines + [""]))
    sd.systemctl("enable", "--quiet", "mariadb")
    if changed or not sd.service_running("mariadb"):
        sd.status_set("maintenance", "restarting mariadb")
        sd.systemctl("restart", "mariadb")
    elif certs_changed:
        sql("FLUSH SSL;")
    sd.wait_for(lambda: sd.succeeds("mariadb-admin", "ping"),
                timeout=60, what="mariadb")
    sd.open_port(PORT)
    return bundle


def grant_hosts(hostnames):
    """Hosts to grant: the values given plus, for names, their addresses."""
    hosts = []
    for name in hostnames:
        if not sd.SAFE_HOST.match(name):
            sd.log("ignoring odd hostname %r" % name, "WARNING")
            continue
        hosts.append(name)
        try:
            ipaddress.ip_address(name)
        except ValueError:  # a name: skip-name-resolve needs the address too
            try:
                for info in socket.getaddrinfo(name, None, socket.AF_INET):
                    hosts.append(info[4][0])
            except OSError:
                sd.log("cannot resolve %s" % name, "WARNING")
    return sorted(set(hosts))


def desired_grants(bundle):
    """Work out, from the relation data, what must exist.

    Returns (grants, answers, pending): grants {(user, host): (password,
    {databases})}, answers {rid: {key: value}}, pending when a request
    cannot be served yet.
    """
    grants = {}
    answers = {}
    pending = False
    for rid in sd.relation_ids("shared-db"):
        if sd.in_broken_hook_for(rid):
            continue
        allowed = {}
        passwords = {}
        for unit in sorted(sd.related_units(rid)):
            data = sd.relation_get(rid, unit)
            requests = sd.prefixed_requests(
                data, ("database", "username", "hostname"), "username")
            for prefix, req in requests.items():
                db, user = req.get("database"), req.get("username")
                if not db or not sd.SAFE_NAME.match(db) \
                        or not sd.SAFE_NAME.match(user):
                    sd.log("incomplete or odd request from %s: %r"
                           % (unit, req), "WARNING")
                    continue
                hosts = grant_hosts(sd.split_list(req.get("hostname"))
                                    or [data.get("private-address", "")])
                if not hosts:
                    pending = True
                    continue
                password = sd.stable_password(
                    "db-password-%s-%s" % (sd.app_of(unit), user))
                if password is None:
                    pending = True
                    continue
                for host in hosts:
                    entry = grants.setdefault((user, host), (password, set()))
                    entry[1].add(db)
                passwords[prefix] = password
                allowed.setdefault(prefix, []).append(unit)
        answer = {"db_host": sd.unit_address(), "db_port": str(PORT),
                  "ssl_ca": base64.b64encode(bundle["ca"].encode()).decode()
                  if bundle else None}
        for prefix, password in passwords.items():
            answer[sd.keyname(prefix, "password")] = password
            answer[sd.keyname(prefix, "allowed_units")] = \
                " ".join(sorted(allowed[prefix]))
        answers[rid] = answer
    return grants, answers, pending


def reconcile(bundle):
    grants, answers, pending = desired_grants(bundle)
    require = "SSL" if bundle else "NONE"
    state = sd.load_state(STATE)
    done = {tuple(k.split("@", 1)) for k in state.get("grants", [])}
    stmts = []
    for (user, host), (password, dbs) in sorted(grants.items()):
        acct = "%s@%s" % (quote(user), quote(host))
        stmts += [
            "CREATE USER IF NOT EXISTS %s IDENTIFIED BY %s;"
            % (acct, quote(password)),
            "ALTER USER %s IDENTIFIED BY %s REQUIRE %s;"
            % (acct, quote(password), require),
        ]
        for db in sorted(dbs):
            stmts += ["CREATE DATABASE IF NOT EXISTS `%s`;" % db,
                      "GRANT ALL PRIVILEGES ON `%s`.* TO %s;" % (db, acct)]
    for user, host in sorted(done - set(grants)):
        sd.log("dropping %s@%s (unit departed)" % (user, host))
        stmts.append("DROP USER IF EXISTS %s@%s;" % (quote(user), quote(host)))
    if stmts:
        sql("\n".join(stmts + ["FLUSH PRIVILEGES;", ""]))
    sd.save_state(STATE, {"grants": sorted("%s@%s" % g for g in grants)})
    # Answer only once the grants above are in place.
    for rid, answer in answers.items():
        sd.answer(rid, answer, replaces=("password", "allowed_units"))
    return pending


def converge():
    bundle = configure(sd.config())
    sd.application_version_set(sd.upstream_version("mariadb-server"))
    return reconcile(bundle)


if __name__ == "__main__":
    sd.main(lambda hook: sd.serve(hook, install, converge))
