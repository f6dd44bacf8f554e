#!/usr/bin/env python3
"""Stand-in Keystone charm: provides the `identity-service` relation.

Keystone from the Debian package under uWSGI (one request at a time:
SQLite), fernet tokens, API v3, listening on 5000 and 35357.  For each
related application the leader creates the service user (stable password in
leader settings) in domain `service_domain`, project `<service-tenant>`, the
role grants, the catalog service and its public/internal/admin endpoints
(replacing those whose URL changed), then answers the keys consumers
expect.  Every hook reconciles everything.

TLS as the keystone charm does it with vault: related to a certificates
provider, it asks for a certificate for its host name and address and, once
it has one, serves https on both ports (the Debian init script switches
uWSGI to --https-socket when /etc/keystone/ssl/{private,public} hold a key
and a certificate), puts the CA in the trust store, registers https
endpoints and answers https protocols.  Today's keystone charm sends no CA
on identity-service (the consumer trusts vault's); `send-ca-cert` also
sends `https_keystone` and `ca_cert` (base64), as it did before 2018.
"""

import base64

import hashlib
import json
import os
import ssl
import urllib.error
import urllib.request

import standin as sd

CONF = "/etc/keystone/keystone.conf"
UWSGI_INI = "/etc/keystone/keystone-uwsgi.ini"
STATE = "/var/lib/keystone/standin-state.json"
OPENRC = "/root/admin-openrc"
SQLITE = "/var/lib/keystone/keystone.sqlite"
PUBLIC_PORT, ADMIN_PORT = 5000, 35357
SERVICE_DOMAIN = "service_domain"
SSL_DIR = "/etc/keystone/ssl"
CERT = SSL_DIR + "/public/keystone.crt"
KEY = SSL_DIR + "/private/keystone.pem"
CA_NAME = "keystone_juju_ca_cert"
SERVICE_ROLE = "service"  # lets service users validate tokens (new policies)

# Catalog types of the services this stand-in knows (the real charm has more).
SERVICES = {
    "mistral": ("workflowv2", "Workflow Service for OpenStack"),
    "keystone": ("identity", "Keystone Identity Service"),
    "heat": ("orchestration", "Heat Orchestration API"),
    "heat-cfn": ("cloudformation", "Heat CloudFormation API"),
    "nova": ("compute", "Nova Compute Service"),
    "glance": ("image", "Glance Image Service"),
    "neutron": ("network", "Neutron Networking Service"),
    "cinderv3": ("volumev3", "Cinder Volume Service v3"),
    "placement": ("placement", "Placement Service"),
    "barbican": ("key-manager", "Barbican Key Manager"),
    "aodh": ("alarming", "Aodh Alarming Service"),
    "zaqar": ("messaging", "Zaqar Messaging Service"),
}

# bcrypt at its fewest rounds: Keystone serves one request at a time and the
# default (12) costs 0.37 s of a 2-core test machine's CPU per password
# hashed or checked, over 130 of them per Tempest run; these passwords need
# no resistance to brute force
KEYSTONE_CONF = """\
# managed by the stand-in keystone charm
[DEFAULT]
log_dir = /var/log/keystone
log_file = keystone.log

[database]
connection = sqlite:///{sqlite}

[identity]
password_hash_rounds = 4

[token]
provider = fernet

[oslo_policy]
policy_dirs = /etc/keystone/policy.d
"""

DEBCONF = """\
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
"""


# --------------------------------------------------------------------------
# machine setup


def install():
    sd.status_set("maintenance", "installing keystone")
    sd.apt_install(["keystone", "python3-openstackclient"], preseed=DEBCONF)


def tune_uwsgi(https):
    """One worker serving one request at a time, every response saying the
    connection closes, and a second socket on the admin port (https with the
    certificate the public port uses).

    One request at a time: each request opens its own SQLite connection
    (oslo.db pools none for SQLite files) and begins its transaction itself
    (a deferred BEGIN), so a transaction that reads before it writes (a
    delete) fails at once with "database is locked" when another connection
    wrote meanwhile: SQLite calls no busy handler there, and threads of one
    process contend as processes do.  Tempest's test workers make and
    remove projects and users at the same time.
    Connection: close: uWSGI's http(s)-socket closes the connection after
    each response without saying so; after a response without a body (204:
    role grants, deletes) a client keeping connections alive may send its
    next request on the closed one ("Remote end closed connection without
    response")."""
    with open(UWSGI_INI) as f:
        lines = f.read().splitlines()
    admin = ("https-socket = :%d,%s,%s" % (ADMIN_PORT, CERT, KEY) if https
             else "http-socket = :%d" % ADMIN_PORT)
    out = []
    for line in lines:
        key = line.split("=", 1)[0].strip()
        if key in ("processes", "threads", "add-header") or (
                key in ("http-socket", "https-socket")
                and line.split("=", 1)[1].strip().startswith(
                    ":%d" % ADMIN_PORT)):
            continue
        out.append(line)
        if line.strip() == "[uwsgi]":
            out += ["processes = 1", "threads = 1",
                    "add-header = Connection: close", admin]
    return sd.write_file(UWSGI_INI, "\n".join(out) + "\n")


def tls_files():
    """(changed, CA file or None): the certificate from the certificates
    relation in place for uWSGI, or removed when there is none."""
    bundle = sd.certificate()
    if not bundle:
        changed = False
        for path in (CERT, KEY):
            if os.path.exists(path):
                os.remove(path)
                changed = True
        return changed, None
    chain = bundle["chain"].strip()
    changed = sd.write_file(CERT, bundle["cert"].strip() + "\n" + (
        chain + "\n" if chain and chain not in bundle["cert"] else ""),
        mode=0o644)
    changed |= sd.write_file(KEY, bundle["key"].strip() + "\n", mode=0o640,
                             owner="root:keystone")
    return changed, sd.install_ca(CA_NAME, bundle["ca"])


def tls_context(cafile):
    return ssl.create_default_context(cafile=cafile) if cafile else None


def keystone_manage(*args):
    sd.run("runuser", "-u", "keystone", "--", "keystone-manage", *args)


def urls(address, scheme):
    public = "%s://%s:%d/v3" % (scheme, address, PUBLIC_PORT)
    return public, public, "%s://%s:%d/v3" % (scheme, address, ADMIN_PORT)


def configure(cfg, address):
    """Set keystone up; returns the CA file when serving https, else None."""
    changed = sd.write_file(CONF, KEYSTONE_CONF.format(sqlite=SQLITE),
                            mode=0o640,
                            owner="root:keystone")
    tls_changed, cafile = tls_files()
    changed |= tls_changed
    changed |= tune_uwsgi(bool(cafile))
    scheme = "https" if cafile else "http"
    sd.run("chown", "-R", "keystone:keystone", "/var/log/keystone")
    state = sd.load_state(STATE)
    version = sd.package_version("keystone")
    if state.get("synced") != version:
        sd.status_set("maintenance", "initialising the keystone database")
        keystone_manage("db_sync")
        # Write-ahead logging: readers in one uWSGI worker must not block
        # writers in the other ("database is locked" otherwise).
        sd.run("runuser", "-u", "keystone", "--", "python3", "-c",
               "import sqlite3; sqlite3.connect('%s').execute("
               "'PRAGMA journal_mode=WAL')" % SQLITE)
        state["synced"] = version
        sd.save_state(STATE, state)
    for repo, cmd in (("fernet-keys", "fernet_setup"),
                      ("credential-keys", "credential_setup")):
        if not os.path.exists("/etc/keystone/%s/0" % repo):
            sd.run("keystone-manage", cmd, "--keystone-user", "keystone",
                   "--keystone-group", "keystone")
    public, internal, admin = urls(address, scheme)
    params = ["--bootstrap-password", cfg["admin-password"],
              "--bootstrap-username", "admin",
              "--bootstrap-project-name", "admin",
              "--bootstrap-role-name", cfg["admin-role"],
              "--bootstrap-service-name", "keystone",
              "--bootstrap-region-id", cfg["region"],
              "--bootstrap-public-url", public,
              "--bootstrap-internal-url", internal,
              "--bootstrap-admin-url", admin]
    digest = hashlib.sha256("\0".join(params).encode()).hexdigest()
    if state.get("bootstrap") != digest:
        sd.status_set("maintenance", "bootstrapping keystone")
        keystone_manage("bootstrap", *params)
        state["bootstrap"] = digest
        sd.save_state(STATE, state)
    sd.systemctl("enable", "--quiet", "keystone")
    if changed or not sd.service_running("keystone"):
        sd.status_set("maintenance", "restarting keystone")
        sd.systemctl("restart", "keystone")
    for port in (PUBLIC_PORT, ADMIN_PORT):
        url = "%s://%s:%d/v3" % (scheme, address, port)
        sd.wait_for(lambda: http_ok(url, tls_context(cafile)),
                    timeout=180, what="keystone on port %d" % port)
        sd.open_port(port)
    sd.write_file(OPENRC, "\n".join([
        "export OS_AUTH_URL=%s" % public,
        "export OS_IDENTITY_API_VERSION=3",
        "export OS_USERNAME=admin",
        "export OS_PASSWORD='%s'" % cfg["admin-password"].replace("'", ""),
        "export OS_PROJECT_NAME=admin",
        "export OS_USER_DOMAIN_NAME=Default",
        "export OS_PROJECT_DOMAIN_NAME=Default",
        "export OS_REGION_NAME=%s" % cfg["region"],
        "export OS_INTERFACE=public"] + (
            ["export OS_CACERT=%s" % cafile] if cafile else []) + [
        ""]), mode=0o600)
    return cafile


def http_ok(url, context=None):
    try:
        with urllib.request.urlopen(url, timeout=5,
                                    context=context) as resp:
            return resp.status == 200
    except (OSError, ValueError):
        return False


# --------------------------------------------------------------------------
# a tiny Keystone v3 client


class Keystone:
    def __init__(self, url, password, context=None):
        self.url, self.context = url, context
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"},
                "password": password}}},
            "scope": {"project": {"name": "admin",
                                  "domain": {"id": "default"}}}}}
        self.token = None
        resp, headers = self._call("POST", "/auth/tokens", body)
        self.token = headers["X-Subject-Token"]
        self.user_id = resp["token"]["user"]["id"]
        self.project_id = resp["token"]["project"]["id"]

    def _call(self, method, path, body=None):
        req = urllib.request.Request(
            self.url + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json",
                     "Accept": "application/json"})
        if self.token:
            req.add_header("X-Auth-Token", self.token)
        try:
            with urllib.request.urlopen(req, timeout=30,
                                        context=self.context) as resp:
                data = resp.read()
                return (json.loads(data) if data else {}), resp.headers
        except urllib.error.HTTPError as exc:
            raise RuntimeError("keystone %s %s: %s %s" % (
                method, path, exc.code, exc.read()[:300])) from None

    def call(self, method, path, body=None):
        return self._call(method, path, body)[0]

    def find(self, collection, **filters):
        query = "&".join("%s=%s" % (k, urllib.request.quote(v, safe=""))
                         for k, v in sorted(filters.items()))
        return self.call("GET", "/%s?%s" % (collection, query))[collection]

    def ensure(self, collection, create, **filters):
        """Id of the first entity matching filters, created if missing."""
        found = self.find(collection, **filters)
        if found:
            return found[0]["id"]
        single = collection[:-1]
        created = self.call("POST", "/" + collection, {single: create})
        return created[single]["id"]

    def ensure_region(self, region):
        if not any(r["id"] == region for r in self.find("regions")):
            self.call("POST", "/regions", {"region": {"id": region}})

    def ensure_role(self, name):
        return self.ensure("roles", {"name": name}, name=name)

    def ensure_user(self, name, domain_id, password, project_id):
        found = self.find("users", name=name, domain_id=domain_id)
        if found:
            self.call("PATCH", "/users/" + found[0]["id"],
                      {"user": {"password": password, "enabled": True}})
            return found[0]["id"]
        return self.call("POST", "/users", {"user": {
            "name": name, "domain_id": domain_id, "password": password,
            "default_project_id": project_id, "enabled": True}})["user"]["id"]

    def grant(self, project_id, user_id, role_id):
        self.call("PUT", "/projects/%s/users/%s/roles/%s"
                  % (project_id, user_id, role_id))

    def ensure_service(self, name, stype, description):
        for svc in self.find("services", type=stype):
            if svc["name"] == name:
                return svc["id"]
        return self.call("POST", "/services", {"service": {
            "name": name, "type": stype, "description": description,
            "enabled": True}})["service"]["id"]

    def ensure_endpoints(self, service_id, region, by_interface):
        """One endpoint per interface with exactly the wanted URL."""
        self.ensure_region(region)
        for interface, url in sorted(by_interface.items()):
            current = self.find("endpoints", service_id=service_id,
                                interface=interface, region_id=region)
            keep = next((e for e in current if e["url"] == url), None)
            for ep in current:
                if ep is not keep:
                    sd.log("removing %s endpoint %s" % (interface, ep["url"]))
                    self.call("DELETE", "/endpoints/" + ep["id"])
            if keep is None:
                self.call("POST", "/endpoints", {"endpoint": {
                    "service_id": service_id, "interface": interface,
                    "url": url, "region_id": region, "enabled": True}})


# --------------------------------------------------------------------------
# the identity-service relation


ENDPOINT_FIELDS = ("service", "region", "public_url", "internal_url",
                   "admin_url")


def parse_request(data):
    """{service: {field: value}} from plain or `<svc>_`-prefixed keys."""
    if data.get("service"):
        return {None: {f: data.get(f) for f in ENDPOINT_FIELDS}}
    requests = {}
    for key, value in data.items():
        prefix, _, field = key.partition("_")
        if field in ENDPOINT_FIELDS:
            requests.setdefault(prefix, {})[field] = value
    return {p: r for p, r in requests.items() if r.get("service")}


def serve(ks, cfg, ids, app, data):
    """Register one remote unit's request; returns the answer to publish."""
    requests = parse_request(data)
    if not requests:
        return None
    auth_only = all(v == "None" for r in requests.values()
                    for v in r.values() if v is not None)
    services = sorted(r["service"] for r in requests.values())
    if not auth_only and any(s not in SERVICES for s in services):
        sd.log("invalid service requested by %s: %s" % (app, services),
               "WARNING")
        return {"admin_token": "-1"}
    username = app if auth_only else "_".join(services)
    password = sd.stable_password("service-password-%s" % username)
    if password is None:
        return None
    user_id = ks.ensure_user(username, ids["service_domain"], password,
                             ids["service_tenant"])
    roles = [cfg["admin-role"], SERVICE_ROLE] + [
        r.strip() for r in (data.get("requested_roles") or "").split(",")
        if r.strip()]
    for role in roles:
        ks.grant(ids["service_tenant"], user_id, ks.ensure_role(role))
    answer = {
        "service_username": username, "service_password": password,
        "service_user_id": user_id,
        "created_roles": ",".join(roles[2:]) or None,
    }
    if auth_only:
        answer["region"] = cfg["region"]
        return answer
    for req in requests.values():
        stype, desc = SERVICES[req["service"]]
        service_id = ks.ensure_service(req["service"], stype, desc)
        wanted = {i: req.get("%s_url" % i)
                  for i in ("public", "internal", "admin")}
        wanted = {i: u for i, u in wanted.items() if u and u != "None"}
        regions = (req.get("region") or "").replace("None", "").split()
        for region in regions or [cfg["region"]]:
            ks.ensure_endpoints(service_id, region, wanted)
    answer["service_type"] = ",".join(SERVICES[s][0] for s in services)
    return answer


class Session:
    """Keystone connection plus the shared ids, opened on first use."""

    def __init__(self, cfg, address, cafile):
        self.cfg, self.address, self.cafile = cfg, address, cafile
        self.ks = None

    def open(self):
        if self.ks:
            return self.ks, self.ids, self.common
        cfg, address = self.cfg, self.address
        scheme = "https" if self.cafile else "http"
        ks = Keystone(urls(address, scheme)[0], cfg["admin-password"],
                      tls_context(self.cafile))
        domain_id = ks.ensure("domains", {"name": SERVICE_DOMAIN,
                                          "description": "Service users"},
                              name=SERVICE_DOMAIN)
        tenant_id = ks.ensure("projects", {"name": cfg["service-tenant"],
                                           "domain_id": domain_id},
                              name=cfg["service-tenant"], domain_id=domain_id)
        self.ids = {"service_domain": domain_id, "service_tenant": tenant_id}
        legacy_ca = self.cafile and cfg.get("send-ca-cert")
        self.common = {
            "auth_host": address, "auth_port": str(ADMIN_PORT),
            "auth_protocol": scheme,
            "service_host": address, "service_port": str(PUBLIC_PORT),
            "service_protocol": scheme,
            "internal_host": address, "internal_port": str(PUBLIC_PORT),
            "internal_protocol": scheme,
            "https_keystone": "True" if legacy_ca else None,
            "ca_cert": ca_base64(self.cafile) if legacy_ca else None,
            "api_version": "3",
            "service_domain": SERVICE_DOMAIN, "service_domain_id": domain_id,
            "service_tenant": cfg["service-tenant"],
            "service_tenant_id": tenant_id,
            "admin_domain_id": "default", "admin_project_id": ks.project_id,
            "admin_user_id": ks.user_id, "admin_role": cfg["admin-role"],
        }
        self.ks = ks
        return self.open()


def ca_base64(cafile):
    with open(cafile, "rb") as f:
        return base64.b64encode(f.read()).decode()


def reconcile(cfg, address, cafile):
    """Serve every identity-service relation; returns True when waiting.

    Per relation one remote unit's request is applied: the hook's remote
    unit, else the one applied last time, else the first.  (Before HA each
    Mistral unit asks for its own URL; the last one heard wins, as with the
    real keystone charm.)  A request already applied with the same inputs
    is answered from the local cache without calling Keystone.
    """
    if not sd.is_leader():
        return False
    state = sd.load_state(STATE)
    served = state.get("served", {})
    session = Session(cfg, address, cafile)
    pending = False
    for rid in sd.relation_ids("identity-service"):
        units = sorted(sd.related_units(rid))
        if sd.in_broken_hook_for(rid) or not units:
            served.pop(rid, None)
            continue
        previous = served.get(rid, {})
        if rid == os.environ.get("JUJU_RELATION_ID") \
                and sd.remote_unit() in units:
            unit = sd.remote_unit()
        elif previous.get("unit") in units:
            unit = previous["unit"]
        else:
            unit = units[0]
        data = sd.relation_get(rid, unit)
        request = {k: v for k, v in data.items() if k not in
                   ("private-address", "ingress-address", "egress-subnets")}
        digest = hashlib.sha256(json.dumps(
            [request, cfg, address, state.get("bootstrap"),
             cafile and ca_base64(cafile)],
            sort_keys=True).encode()).hexdigest()
        if previous.get("digest") == digest:
            answer = previous["answer"]
        else:
            ks, ids, common = session.open()
            answer = serve(ks, cfg, ids, sd.app_of(unit), data)
            if answer is None:
                pending = True
                continue
            if answer.get("admin_token") != "-1":
                answer = dict(common, admin_token=None, **answer)
            served[rid] = {"unit": unit, "digest": digest, "answer": answer}
        sd.relation_set(rid, answer)
    state["served"] = served
    sd.save_state(STATE, state)
    return pending


def converge():
    cfg = sd.config()
    address = sd.unit_address()
    cafile = configure(cfg, address)
    sd.application_version_set(sd.upstream_version("keystone"))
    return reconcile(cfg, address, cafile)


if __name__ == "__main__":
    sd.main(lambda hook: sd.serve(hook, install, converge))
