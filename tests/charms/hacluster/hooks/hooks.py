#!/usr/bin/env python3
"""Stand-in hacluster charm: a corosync/pacemaker cluster for its principal.

A subordinate: one unit rides along with each principal unit (container
scope), and the units find each other on the `hanode` peer relation.

Every hook reconciles everything, in this order:

1. the ring: every unit publishes its hostname on `hanode`; once
   `cluster_count` units are known and the leader has shared the corosync
   key (leader settings), corosync.conf lists all of them by address (the
   multicast transport also binds to corosync_bindiface's network on
   corosync_mcastport, its own config's or else the principal's) and
   corosync + pacemaker are (re)started whenever it changes.  The unit then
   publishes `ready` and a digest of its ring on `hanode`, which wakes the
   leader.
2. the resources: the leader waits until pacemaker sees the nodes online
   with quorum, sets the cluster properties and turns the principal's
   json_* keys into crmsh configuration as the real hacluster does: it
   deletes the delete_resources that exist, creates or updates primitives,
   and creates groups, clones, ms and constraints only if absent.  It
   records what it applied in leader settings, so applying the same data
   again changes nothing, and the change of that record wakes the other
   units.
3. the answer: every unit sets clustered=yes for its own principal once the
   objects its principal asked for are in the CIB.
"""

import ast
import base64
import hashlib
import ipaddress
import json
import os
import secrets
import socket
import time
import xml.etree.ElementTree as ET

import standin as sd

PACKAGES = ["corosync", "pacemaker", "crmsh", "resource-agents"]
COROSYNC_CONF = "/etc/corosync/corosync.conf"
AUTHKEY = "/etc/corosync/authkey"
CRM_FILE = "/var/lib/standin-hacluster/update.crm"
POLICY_RC_D = "/usr/sbin/policy-rc.d"
MARKER = "# managed by the stand-in hacluster charm"
KEY_SETTING = "corosync-authkey"
APPLIED_SETTING = "crm-applied"
# present while the unit is paused (its node in standby), as the real
# charm's pause action leaves it
PAUSED_FLAG = "/var/lib/standin-hacluster/paused"
PAUSED_MESSAGE = "Paused. Use 'resume' action to resume normal service."
# How long a hook waits for pacemaker to see the cluster before it gives up
# (status waiting; a later hook tries again).
CLUSTER_WAIT = 150

# The keys of the ha relation, in the order their objects are written.
HA_KEYS = ("resources", "resource_params", "groups", "clones", "ms",
           "colocations", "locations", "orders", "init_services",
           "delete_resources")
CRM_KINDS = (("groups", "group"), ("clones", "clone"), ("ms", "ms"),
             ("colocations", "colocation"), ("locations", "location"),
             ("orders", "order"))
RESOURCE_TAGS = ("primitive", "group", "clone", "master", "bundle")
CONSTRAINT_TAGS = ("rsc_colocation", "rsc_location", "rsc_order",
                   "rsc_ticket")


# --------------------------------------------------------------------------
# installation


def install():
    sd.status_set("maintenance", "installing corosync and pacemaker")
    # The packages start corosync and pacemaker with a one-node default
    # configuration; keep them down until the ring is configured.
    blocked = not os.path.exists(POLICY_RC_D)
    if blocked:
        sd.write_file(POLICY_RC_D, "#!/bin/sh\nexit 101\n", mode=0o755)
    try:
        sd.apt_install(PACKAGES)
    finally:
        if blocked:
            os.unlink(POLICY_RC_D)
    if ring_configured():
        return      # upgrade-charm: leave the running cluster alone
    if os.path.exists(COROSYNC_CONF):
        os.replace(COROSYNC_CONF, COROSYNC_CONF + ".dist")
    sd.systemctl("disable", "--quiet", "--now", "pacemaker", "corosync",
                 check=False)


def ring_configured():
    try:
        with open(COROSYNC_CONF) as f:
            return f.readline().startswith(MARKER)
    except FileNotFoundError:
        return False


# --------------------------------------------------------------------------
# the ring


def unit_number(unit):
    return int(unit.split("/")[1])


def peer_rid():
    rids = sd.relation_ids("hanode")
    return rids[0] if rids else None


def nodes():
    """The known cluster members: [{unit, nodeid, address, name}]."""
    me = sd.local_unit()
    found = [{"unit": me, "address": sd.unit_address(),
              "name": socket.gethostname()}]
    rid = peer_rid()
    if rid:
        for unit in sd.related_units(rid):
            bag = sd.relation_get(rid, unit)
            address = bag.get("private-address")
            name = bag.get("hostname")
            if address and name:    # a peer that has run its hooks
                found.append({"unit": unit, "address": address,
                              "name": name})
    for n in found:
        n["nodeid"] = unit_number(n["unit"]) + 1
    return sorted(found, key=lambda n: n["nodeid"])


def transport(cfg):
    value = (cfg.get("corosync_transport") or "udpu").strip().lower()
    if value in ("udpu", "unicast"):
        return "udpu"
    if value in ("udp", "multicast"):
        return "udp"
    if value == "knet":
        return "knet"
    raise ValueError("corosync_transport must be udpu (unicast), udp "
                     "(multicast) or knet, not %r" % value)


def network_address(ip_output):
    """The network of the first IPv4 address in `ip -o -4 addr show`."""
    for line in ip_output.splitlines():
        fields = line.split()
        if "inet" in fields:
            cidr = fields[fields.index("inet") + 1]
            return str(ipaddress.ip_interface(cidr).network.network_address)
    return None


def multicast(cfg, bags):
    """{bindnetaddr, mcastaddr, mcastport} for the udp transport, or None
    while something is missing.  As the real hacluster: its own
    corosync_bindiface/corosync_mcastport when both are set, else the
    principal's (plain relation keys `bags` carry)."""
    sources = [cfg] + list(bags)
    for src in sources:
        iface, port = src.get("corosync_bindiface"), \
            src.get("corosync_mcastport")
        if iface and port:
            check_name(str(iface))
            address = network_address(sd.run(
                "ip", "-o", "-4", "addr", "show", "dev", str(iface),
                check=False, capture=True) or "")
            if address is None:
                return None
            return {"bindnetaddr": address, "mcastport": int(port),
                    "mcastaddr": cfg.get("corosync_mcastaddr") or
                    "226.94.1.1"}
    return None


def corosync_conf(cfg, members, mcast=None):
    kind = transport(cfg)
    crypto = "aes256" if kind == "knet" else "none"
    hashing = "sha256" if kind == "knet" else "none"
    lines = [
        MARKER,
        "totem {",
        "    version: 2",
        "    cluster_name: %s" % sd.app_of(sd.local_unit()),
        "    transport: %s" % kind,
        "    token: %d" % int(cfg.get("corosync_token") or 1000),
        "    crypto_cipher: %s" % crypto,
        "    crypto_hash: %s" % hashing,
    ]
    if kind == "udp":
        lines += ["    interface {",
                  "        linknumber: 0",
                  "        bindnetaddr: %s" % mcast["bindnetaddr"],
                  "        mcastaddr: %s" % mcast["mcastaddr"],
                  "        mcastport: %d" % mcast["mcastport"],
                  "    }"]
    lines += [
        "}",
        "",
        "quorum {",
        "    provider: corosync_votequorum",
    ]
    if len(members) == 2:
        lines.append("    two_node: 1")
    lines += ["}", "", "nodelist {"]
    for n in members:
        # corosync wants one key per line inside node {}.
        lines += ["    node {",
                  "        ring0_addr: %s" % n["address"],
                  "        name: %s" % n["name"],
                  "        nodeid: %d" % n["nodeid"],
                  "    }"]
    lines += ["}", "",
              "logging {",
              "    to_logfile: no",
              "    to_syslog: yes",
              "    timestamp: on",
              "}", ""]
    return "\n".join(lines)


def shared_key():
    """The corosync key from leader settings; the leader makes it."""
    key = sd.leader_get().get(KEY_SETTING)
    if not key and sd.is_leader():
        key = base64.b64encode(secrets.token_bytes(256)).decode()
        sd.leader_set(**{KEY_SETTING: key})
    return base64.b64decode(key) if key else None


def write_authkey(key):
    try:
        with open(AUTHKEY, "rb") as f:
            if f.read() == key:
                return False
    except FileNotFoundError:
        pass
    tmp = AUTHKEY + ".new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o400)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    os.replace(tmp, AUTHKEY)
    return True


def ring_up(cfg, members, key, mcast):
    """Write the configuration; (re)start the stack when it changed."""
    key_changed = write_authkey(key)
    conf_changed = sd.write_file(COROSYNC_CONF,
                                 corosync_conf(cfg, members, mcast))
    running = sd.service_running("corosync") and \
        sd.service_running("pacemaker")
    if running and conf_changed and not key_changed and \
            sd.succeeds("corosync-cfgtool", "-R"):
        # a unit came or went: corosync reloads its nodelist in place, so
        # pacemaker and the resources it runs (the VIP) stay up
        sd.log("corosync reloaded its configuration")
    elif key_changed or conf_changed or not running:
        sd.status_set("maintenance", "restarting corosync and pacemaker")
        stop_pacemaker()
        sd.systemctl("restart", "corosync")
        sd.systemctl("start", "pacemaker")
    sd.systemctl("enable", "--quiet", "corosync", "pacemaker")


def stop_pacemaker(grace=60):
    """Stop pacemaker, killing it when a clean stop does not finish.

    A node whose ring the others do not share yet (a new unit that started
    before it saw every peer) sees its membership change every few seconds;
    pacemaker's shutdown then waits for an election that never settles,
    for as long as shutdown-escalation (20 min).  Such a node runs no
    resources, and pacemaker probes whatever it finds when it comes back.
    """
    if not sd.service_running("pacemaker"):
        return
    sd.systemctl("stop", "--no-block", "pacemaker", check=False)
    try:
        sd.wait_for(lambda: not sd.service_running("pacemaker"),
                    timeout=grace, interval=1, what="pacemaker to stop")
    except RuntimeError:
        sd.log("pacemaker did not stop within %ds; killing it" % grace,
               "WARNING")
        sd.systemctl("kill", "--signal=SIGKILL", "pacemaker", check=False)
        sd.wait_for(lambda: not sd.service_running("pacemaker"),
                    timeout=60, interval=1, what="pacemaker to die")


def ring_digest(members):
    text = ",".join("%d=%s" % (n["nodeid"], n["address"]) for n in members)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def publish_peer(settings):
    rid = peer_rid()
    if not rid:
        return
    current = sd.relation_get(rid, sd.local_unit())
    changes = {k: v for k, v in settings.items() if current.get(k) != v}
    sd.relation_set(rid, changes)


# --------------------------------------------------------------------------
# pacemaker queries


def cluster_view():
    """{dc, quorum, online: [names], configured} or None when pacemaker is
    not answering."""
    res = sd.run("crm_mon", "--one-shot", "--output-as=xml", check=False,
                 capture=True)
    if not res:
        return None
    try:
        root = ET.fromstring(res)
    except ET.ParseError:
        return None
    dc = root.find("./summary/current_dc")
    if dc is None:
        return None
    online = [n.get("name") for n in root.findall("./nodes/node")
              if n.get("online") == "true"]
    return {"dc": dc.get("present") == "true",
            "quorum": dc.get("with_quorum") == "true",
            "online": sorted(online),
            "configured": [n.get("name") for n in root.findall("./nodes/node")]}


def wait_for_cluster(need):
    """Wait until there is a DC with quorum and `need` nodes online."""
    deadline = time.time() + CLUSTER_WAIT
    view = None
    while time.time() < deadline:
        view = cluster_view()
        if view and view["dc"] and view["quorum"] \
                and len(view["online"]) >= need:
            return view
        time.sleep(2)
    return view


def cib_ids():
    """ids of the resources and constraints in the CIB (None if unreadable)."""
    out = sd.run("cibadmin", "--query", check=False, capture=True)
    if not out:
        return None
    try:
        root = ET.fromstring(out)
    except ET.ParseError:
        return None
    ids = set()
    for tag in RESOURCE_TAGS + CONSTRAINT_TAGS:
        for el in root.iter(tag):
            if el.get("id"):
                ids.add(el.get("id"))
    return ids


def set_attribute(kind, name, value):
    """crm_attribute --update, only when the value differs."""
    current = sd.run("crm_attribute", "--type", kind, "--name", name,
                     "--query", "--quiet", check=False, capture=True)
    if (current or "").strip() == value:
        return
    sd.run("crm_attribute", "--type", kind, "--name", name,
           "--update", value)


def cluster_properties(cfg, members):
    set_attribute("crm_config", "stonith-enabled", "false")
    set_attribute("crm_config", "symmetric-cluster", "true")
    set_attribute("crm_config", "no-quorum-policy",
                  "ignore" if len(members) <= 2 else "stop")
    if cfg.get("cluster_recheck_interval"):
        set_attribute("crm_config", "cluster-recheck-interval",
                      str(cfg["cluster_recheck_interval"]))
    set_attribute("rsc_defaults", "resource-stickiness", "100")
    if int(cfg.get("failure_timeout") or 0) > 0:
        set_attribute("rsc_defaults", "failure-timeout",
                      "%ds" % int(cfg["failure_timeout"]))


def forget_gone_nodes(view, members):
    """Drop nodes that left the nodelist from pacemaker's view."""
    wanted = {n["name"] for n in members}
    for name in view.get("configured", []):
        if name and name not in wanted and name not in view["online"]:
            sd.log("removing departed node %s from the cluster" % name)
            sd.run("crm_node", "--force", "--remove", name, check=False)


# --------------------------------------------------------------------------
# the principal's request


def parse_value(text):
    """A relation value: JSON, else a Python literal, else None."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        sd.log("cannot parse ha relation value %r" % text, "WARNING")
        return None


def ha_request(bag):
    """The principal's settings as {key: dict or list}; json_<key> wins."""
    req = {}
    for key in HA_KEYS:
        value = parse_value(bag.get("json_" + key)) or \
            parse_value(bag.get(key))
        if value:
            req[key] = value
    if isinstance(req.get("delete_resources"), str):
        req["delete_resources"] = req["delete_resources"].split()
    return req


def principal_settings():
    """[(rid, principal unit, its settings)] for the live ha relations."""
    found = []
    for rid in sd.relation_ids("ha"):
        if sd.in_broken_hook_for(rid):
            continue
        for unit in sd.related_units(rid):
            found.append((rid, unit, sd.relation_get(rid, unit)))
    return found


def agent_for(agent, exists=os.path.exists):
    """lsb:<svc> where /etc/init.d/<svc> exists, else systemd:<svc> (the
    real hacluster takes lsb: as given; a Debian haproxy without its init
    script still runs under systemd)."""
    if agent.startswith("lsb:") and not exists("/etc/init.d/" + agent[4:]):
        return "systemd:" + agent[4:]
    return agent


def crm_objects(req, exists=os.path.exists):
    """{name: crm text} in creation order (dicts keep insertion order)."""
    objects = {}
    params = req.get("resource_params") or {}
    for name, agent in sorted((req.get("resources") or {}).items()):
        text = "primitive %s %s" % (name, agent_for(agent, exists))
        if params.get(name):
            text += " " + " ".join(params[name].split())
        objects[name] = text
    for key, word in CRM_KINDS:
        for name, spec in sorted((req.get(key) or {}).items()):
            objects[name] = "%s %s %s" % (word, name, " ".join(spec.split()))
    return objects


def doomed(req, ids):
    """The resources `req` asks to delete that the CIB holds, in order."""
    return [name for name in req.get("delete_resources") or []
            if name in ids]


def crm_changes(objects, ids, applied):
    """{name: crm text} to load, as the real hacluster decides: primitives
    when absent or changed since they were `applied` (digests); groups,
    clones, ms, orders, colocations and locations only when absent, never
    updated.  So a group keeps its old members (a changed VIP's old
    resource) unless the principal lists them in delete_resources."""
    return {name: text for name, text in objects.items()
            if name not in ids or (text.startswith("primitive ") and
                                   applied.get(name) != digest(text))}


def wanted_names(req):
    names = set(req.get("resources") or {})
    for key, _ in CRM_KINDS:
        names |= set(req.get(key) or {})
    return names


def digest(text):
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def check_name(name):
    if not sd.SAFE_NAME.match(name):
        raise ValueError("unsafe pacemaker object name %r" % name)


def init_services(req, ids):
    """Leave the services pacemaker is to manage to pacemaker alone."""
    for res, svc in sorted((req.get("init_services") or {}).items()):
        check_name(svc)
        if not sd.succeeds("systemctl", "cat", svc + ".service"):
            continue
        if sd.succeeds("systemctl", "is-enabled", "--quiet", svc):
            sd.systemctl("disable", "--quiet", svc, check=False)
        # Once the resource exists pacemaker runs the service: hands off.
        if ids is not None and res not in ids and sd.service_running(svc):
            sd.log("stopping %s for pacemaker to take over" % svc)
            sd.systemctl("stop", svc, check=False)


def delete_resources(names):
    for name in names:
        sd.log("deleting pacemaker resource %s" % name)
        sd.run("crm", "resource", "stop", name, check=False)
        sd.run("crm_resource", "--wait", "--timeout", "60s", check=False)
        # crmsh deletes a group along with its last member
        sd.run("crm", "--force", "configure", "delete", name)


def apply_request(req):
    """Configure the principal's objects."""
    ids = cib_ids()
    if ids is None:
        return
    objects = crm_objects(req)
    for name in list(objects) + list(req.get("delete_resources") or []):
        check_name(name)
    init_services(req, ids)
    gone = doomed(req, ids)
    if gone:
        delete_resources(gone)
        ids = cib_ids() or set()
    applied = parse_value(sd.leader_get().get(APPLIED_SETTING)) or {}
    changes = crm_changes(objects, ids, applied)
    if changes:
        sd.log("configuring pacemaker objects: %s" % " ".join(changes))
        sd.write_file(CRM_FILE, "\n".join(changes.values()) + "\n")
        sd.run("crm", "configure", "load", "update", CRM_FILE)
    applied = json.dumps({name: digest(text)
                          for name, text in objects.items()}, sort_keys=True)
    if applied != sd.leader_get().get(APPLIED_SETTING):
        sd.leader_set(**{APPLIED_SETTING: applied})


def configured(req, ids):
    """Whether everything `req` asks for is in the CIB."""
    if ids is None:
        return False
    return wanted_names(req) <= ids and not doomed(req, ids)


# --------------------------------------------------------------------------
# the hooks


def reconcile(cfg):
    """Returns (workload state, message)."""
    me = sd.local_unit()
    publish_peer({"hostname": socket.gethostname()})
    count = max(1, int(cfg.get("cluster_count") or 3))
    members = nodes()
    key = shared_key()
    if key is None:
        return "waiting", "Waiting for the leader's cluster key"
    if len(members) < count:
        missing = count - len(members)
        return "waiting", "Waiting for %d peer%s (cluster_count=%d)" % (
            missing, "" if missing == 1 else "s", count)
    principals = principal_settings()
    mcast = None
    if transport(cfg) == "udp":
        mcast = multicast(cfg, [bag for _, _, bag in principals])
        if mcast is None:
            return "waiting", "Waiting for corosync_bindiface and " \
                "corosync_mcastport (multicast transport)"
    ring_up(cfg, members, key, mcast)
    publish_peer({"ready": "yes", "ring": ring_digest(members)})

    requests = [(rid, unit, ha_request(bag)) for rid, unit, bag in principals]
    wanted = [r for r in requests if wanted_names(r[2])]
    if sd.is_leader():
        # The first configuration waits for cluster_count nodes online;
        # later updates only need a quorate partition.
        need = 1 if sd.leader_get().get(APPLIED_SETTING) else count
        view = wait_for_cluster(need)
        if not (view and view["dc"] and view["quorum"]
                and len(view["online"]) >= need):
            online = len(view["online"]) if view else 0
            return "waiting", "Waiting for the cluster: %d of %d nodes " \
                "online" % (online, need)
        cluster_properties(cfg, members)
        forget_gone_nodes(view, members)
        for _rid, unit, req in wanted:
            sd.log("applying the ha request of %s" % unit)
            apply_request(req)
    else:
        for _rid, _unit, req in wanted:
            init_services(req, cib_ids())

    if not requests:
        return "waiting", "Cluster ready; waiting for the ha relation"
    if not wanted:
        return "waiting", "Cluster ready; waiting for the principal's " \
            "resources"
    ids = cib_ids()
    pending = []
    for rid, unit, req in wanted:
        if configured(req, ids):
            if sd.relation_get(rid, me).get("clustered") != "yes":
                sd.relation_set(rid, {"clustered": "yes"})
        else:
            pending.append(unit)
    if pending:
        return "waiting", "Waiting for the leader to configure resources"
    view = cluster_view()
    online = len(view["online"]) if view else 0
    if online < len(members):
        return "active", "Unit is ready and clustered (%d of %d nodes " \
            "online)" % (online, len(members))
    return "active", "Unit is ready and clustered"


def stop():
    stop_pacemaker()
    sd.systemctl("disable", "--quiet", "--now", "pacemaker", "corosync",
                 check=False)


def pause():
    """The real charm's pause: this node in standby, so that pacemaker
    moves the VIP and stops the clones here."""
    sd.run("crm", "node", "standby")
    sd.write_file(PAUSED_FLAG, "")


def resume():
    sd.run("crm", "node", "online")
    if os.path.exists(PAUSED_FLAG):
        os.unlink(PAUSED_FLAG)


def handle(hook):
    if hook == "stop":
        stop()
        return
    if hook == "remove":
        return
    if hook == "pause":
        pause()
        sd.status_set("maintenance", PAUSED_MESSAGE)
        return
    if hook == "resume":
        resume()  # then status assessed, as after any hook
    if hook in ("install", "upgrade-charm"):
        install()
    cfg = sd.config()
    transport(cfg)  # fail early on a bad value
    sd.application_version_set(sd.upstream_version("pacemaker"))
    state, message = reconcile(cfg)
    if os.path.exists(PAUSED_FLAG):  # every hook until resume says so
        state, message = "maintenance", PAUSED_MESSAGE
    sd.status_set(state, message)


if __name__ == "__main__":
    sd.main(handle)
