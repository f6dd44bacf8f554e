#!/usr/bin/env python3
"""Stand-in vault charm: provides `certificates` (tls-certificates).

A local CA (openssl, made on first use and kept in the state file) signs
what the clients ask for, answered the way vault's charm and the reactive
interface publish it:

* `ca` and `chain` (the CA, PEM) on every relation as soon as it exists,
  plus the shared legacy `client.cert`/`client.key`;
* per requesting unit (its `unit_name`, default the unit name with `_`):
  `<unit_name>.processed_requests` = JSON {cn: {"cert", "key"}} for
  `cert_requests` (JSON {cn: {"sans": [...]}}),
  `<unit_name>.processed_client_requests` for `client_cert_requests`, and
  the legacy `<unit_name>.server.cert`/`.server.key` for `common_name` +
  `sans` (JSON list).

A certificate is issued once per (unit_name, type, cn) and again only when
its SANs change or the action reissue-certificates raised the generation
(then every one gets a new key).  Only the leader answers, as with vault.
"""

import json

import pki
import standin as sd

STATE = "/var/lib/standin-vault/state.json"
CA_FILE = "/var/lib/standin-vault/ca.pem"  # for the tests to fetch
CA_NAME = "Vault Root Certificate Authority (charm-pki-local)"
ENDPOINT = "certificates"
GLOBAL_CLIENT = "global-client"


def install():
    sd.status_set("maintenance", "installing openssl")
    sd.apt_install(["openssl", "ca-certificates"])


def ensure_ca(state, cfg):
    if not state.get("ca"):
        state["ca"], state["ca_key"] = pki.make_ca(
            CA_NAME, days=int(cfg.get("ca-ttl-days") or 3650))
        state["issued"], state["generation"] = {}, 0
    return state


def requests_of(data, remote):
    """[(unit_name, type, cn, sans)] a remote unit's settings ask for."""
    unit_name = data.get("unit_name") or remote.replace("/", "_")
    found = []
    if data.get("common_name"):
        found.append((unit_name, "legacy", data["common_name"],
                      _json(data.get("sans"), [])))
    for kind, key in (("server", "cert_requests"),
                      ("client", "client_cert_requests")):
        for cn, req in sorted(_json(data.get(key), {}).items()):
            found.append((unit_name, kind, cn,
                          (req or {}).get("sans") or []))
    return found


def _json(value, default):
    try:
        parsed = json.loads(value) if value else default
    except ValueError:
        return default
    return parsed if isinstance(parsed, type(default)) else default


def issued_for(state, cfg, unit_name, kind, cn, sans):
    """The (cert, key) for a request: the one already issued when its SANs
    and generation still hold, else a new one (None if unsignable)."""
    key = "%s|%s|%s" % (unit_name, kind, cn)
    sans = sorted({str(s) for s in sans if s})
    done = state["issued"].get(key)
    if done and done["sans"] == sans and \
            done["generation"] == state["generation"]:
        return done["cert"], done["key"]
    try:
        cert, private = pki.issue(state["ca"], state["ca_key"], cn, sans,
                                  days=int(cfg.get("default-ttl-days") or 365),
                                  client=kind == "client")
    except ValueError as exc:
        sd.log("not signing %s for %s: %s" % (cn, unit_name, exc), "WARNING")
        return None
    sd.log("issued a %s certificate for %s (%s), SANs %s"
           % (kind, unit_name, cn, " ".join(sans)))
    state["issued"][key] = {"sans": sans, "cert": cert, "key": private,
                            "generation": state["generation"]}
    return cert, private


def answer_for(state, cfg, requests):
    """Relation settings answering one relation's requests."""
    out = {"ca": state["ca"], "chain": state["ca"]}
    client = issued_for(state, cfg, GLOBAL_CLIENT, "client", GLOBAL_CLIENT,
                        [])
    out["client.cert"], out["client.key"] = client
    processed = {}
    for unit_name, kind, cn, sans in requests:
        pair = issued_for(state, cfg, unit_name, kind, cn, sans)
        if pair is None:
            continue
        if kind == "legacy":
            out[unit_name + ".server.cert"], out[unit_name + ".server.key"] \
                = pair
            continue
        suffix = ".processed_requests" if kind == "server" \
            else ".processed_client_requests"
        processed.setdefault(unit_name + suffix, {})[cn] = {
            "cert": pair[0], "key": pair[1]}
    for key, certs in processed.items():
        out[key] = json.dumps(certs, sort_keys=True)
    return out


def publish(state, cfg):
    """Answer every relation; returns how many certificates it holds."""
    count = 0
    for rid in sd.relation_ids(ENDPOINT):
        if sd.in_broken_hook_for(rid):
            continue
        requests = []
        for unit in sorted(sd.related_units(rid)):
            requests += requests_of(sd.relation_get(rid, unit), unit)
        settings = answer_for(state, cfg, requests)
        count += len(requests)
        sd.answer(rid, settings, replaces=(
            ".processed_requests", ".processed_client_requests",
            ".server.cert", ".server.key"))
    return count


def converge(reissue=False):
    if not sd.is_leader():
        return False
    cfg = sd.config()
    state = ensure_ca(sd.load_state(STATE), cfg)
    sd.write_file(CA_FILE, state["ca"])
    if reissue:
        state["generation"] += 1
    try:
        return publish(state, cfg)
    finally:
        sd.save_state(STATE, state)


def reissue_certificates():
    if not sd.is_leader():
        sd.run("action-fail", "only the leader issues certificates")
        return
    count = converge(reissue=True)
    sd.run("action-set", "reissued=%d" % count)


def get_root_ca():
    """The real vault charm's action: the CA's PEM as `output`."""
    try:
        with open(CA_FILE) as f:
            sd.run("action-set", "output=" + f.read())
    except FileNotFoundError:
        sd.run("action-fail", "no CA yet")


def handle(hook):
    if hook == "reissue-certificates":
        reissue_certificates()
        return
    if hook == "get-root-ca":
        get_root_ca()
        return
    if hook in ("stop", "remove"):
        return
    if hook in ("install", "upgrade-charm"):
        install()
    converge()
    sd.status_set("active", "Unit is ready" if sd.is_leader()
                  else "Unit is ready (standby)")


if __name__ == "__main__":
    sd.main(handle)
