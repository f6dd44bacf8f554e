"""Which hooks Juju queues for each model operation, and the state changes
that go with them.

Every function takes a model.State (inside model.locked()) and appends hook
items to unit queues.  A hook item is a dict:
  {"hook": "db-relation-joined", "kind": "joined", "rid": 3,
   "remote_unit": "mysql/0", "remote_app": "mysql", "departing_unit": ""}
Non-relation hooks have kind == hook and rid None.  Relation membership as a
unit sees it ("views") changes only when the runner starts the hook, as Juju's
PrepareHook does; here we only decide what to queue.
"""
from . import charm as charmlib
from .model import now, unit_number

RELATION_KINDS = ("created", "joined", "changed", "departed", "broken")
WORKLOAD_INIT = ("waiting", "agent initialising")


class OpError(Exception):
    """A user error in a model operation (the CLI prints it, exits 1)."""


# ---- hook items -----------------------------------------------------------------

def hook_item(name):
    return {"hook": name, "kind": name, "rid": None, "remote_unit": "",
            "remote_app": "", "departing_unit": ""}


def local_endpoint(rel, app):
    for e in rel["endpoints"]:
        if e["app"] == app:
            return e
    raise KeyError(app)


def remote_app(rel, app):
    """The other side's app (the same app on a peer relation)."""
    for e in rel["endpoints"]:
        if e["app"] != app:
            return e["app"]
    return app


def is_peer(rel):
    return rel["endpoints"][0]["role"] == "peer"


def rel_item(st, rel, unit, kind, remote_unit="", departing=""):
    app = st.units[unit]["app"] if unit in st.units else unit.rsplit("/", 1)[0]
    ep = local_endpoint(rel, app)["name"]
    return {"hook": "%s-relation-%s" % (ep, kind), "kind": kind,
            "rid": rel["id"], "remote_unit": remote_unit,
            "remote_app": remote_app(rel, app), "departing_unit": departing}


def enqueue(st, unit, item, dedupe=False):
    q = st.units[unit]["queue"]
    if dedupe and any(_same(i, item) for i in q):
        return
    q.append(item)


def _same(a, b):
    return all(a.get(k) == b.get(k) for k in ("hook", "rid", "remote_unit"))


# ---- relation scope and visibility -------------------------------------------------

def container_key(unit):
    """Units sharing this key are co-located for container-scoped relations."""
    return unit["principal"] or unit["name"]


def can_see(st, rel, a, b):
    """Whether unit a counts unit b as a remote member of rel."""
    if a == b:
        return False
    ua, ub = st.units.get(a), st.units.get(b)
    app_a = ua["app"] if ua else a.rsplit("/", 1)[0]
    app_b = ub["app"] if ub else b.rsplit("/", 1)[0]
    if is_peer(rel):
        if app_a != app_b:
            return False
    elif app_b != remote_app(rel, app_a) or app_a == app_b:
        return False
    if rel["scope"] == "container":
        if not ua or not ub or container_key(ua) != container_key(ub):
            return False
    return True


def visible_in_scope(st, rel, unit):
    return sorted((v for v in rel["scope_units"] if can_see(st, rel, unit, v)),
                  key=unit_number)


def seed_bag(st, rel, unit):
    """Juju seeds a unit's bag with its addresses when it enters scope."""
    m = st.machines[st.units[unit]["machine"]]
    bag = rel["units"].setdefault(unit, {})
    if m["address"]:
        bag.setdefault("private-address", m["address"])
        bag.setdefault("ingress-address", m["address"])
        bag.setdefault("egress-subnets", m["address"] + "/32")


def enter_scope(st, rel, unit, notify=True):
    if unit in rel["scope_units"]:
        return
    rel["scope_units"].append(unit)
    rel["views"][unit] = []
    seed_bag(st, rel, unit)
    if notify:
        for v in visible_in_scope(st, rel, unit):
            if st.units[v]["life"] == "alive":
                enqueue(st, v, rel_item(st, rel, v, "joined", unit))
                enqueue(st, v, rel_item(st, rel, v, "changed", unit))


def qualifies(st, rel, unit):
    """Whether a unit of one of rel's apps belongs in it."""
    u = st.units[unit]
    if rel["scope"] != "container" or not u["principal"]:
        return True
    principal_app = st.units[u["principal"]]["app"]
    return any(e["app"] == principal_app for e in rel["endpoints"])


def machine_started(st, machine_id):
    return st.machines[machine_id]["status"] == "started"


def on_machine_started(st, machine_id):
    """Seed address keys that could not be known before the machine existed."""
    for rel in st.relations.values():
        for unit in rel["scope_units"]:
            if st.units.get(unit, {}).get("machine") == machine_id:
                seed_bag(st, rel, unit)


# ---- deploy / add-unit -------------------------------------------------------------

def _relation_sort_key(st, rel):
    return (0 if is_peer(rel) else 1, rel["id"])


def _unit_relations(st, unit):
    rels = [r for r in st.relations.values() if unit in r["scope_units"]]
    return sorted(rels, key=lambda r: _relation_sort_key(st, r))


def queue_deploy(st, unit):
    """install -> -created (peers first) -> leader-* -> config-changed ->
    start, then -joined/-changed for every remote unit already there."""
    enqueue(st, unit, hook_item("install"))
    rels = _unit_relations(st, unit)
    for rel in rels:
        enqueue(st, unit, rel_item(st, rel, unit, "created"))
    enqueue(st, unit, hook_item(
        "leader-elected" if st.is_leader(unit) else "leader-settings-changed"))
    enqueue(st, unit, hook_item("config-changed"))
    enqueue(st, unit, hook_item("start"))
    for rel in rels:
        for r in visible_in_scope(st, rel, unit):
            enqueue(st, unit, rel_item(st, rel, unit, "joined", r))
            enqueue(st, unit, rel_item(st, rel, unit, "changed", r))


def new_relation(st, interface, scope, endpoints):
    rid = st.next_relation_id()
    rel = {"id": rid, "interface": interface, "scope": scope,
           "life": "alive", "endpoints": endpoints, "scope_units": [],
           "units": {}, "apps": {e["app"]: {} for e in endpoints},
           "views": {}, "created": now()}
    st.relations[str(rid)] = rel
    return rel


def _add_peer_relations(st, app_name):
    app = st.apps[app_name]
    for ep in charmlib.endpoints(app["meta"]):
        if ep["role"] == "peer" and ep["name"] not in app["peers"]:
            rel = new_relation(st, ep["interface"], "global", [
                {"app": app_name, "name": ep["name"], "role": "peer"}])
            app["peers"][ep["name"]] = rel["id"]
            for u in st.units_of(app_name, alive_only=True):
                enter_scope(st, rel, u["name"])
                enqueue(st, u["name"], rel_item(st, rel, u["name"], "created"))


def deploy(st, ch, name, series, config, num_units, to=None):
    if name in st.apps:
        raise OpError('application "%s" already exists' % name)
    values = {}
    for k, v in (config or {}).items():
        if k not in ch["options"]:
            raise OpError('unknown option "%s" for %s' % (k, name))
        try:
            values[k] = charmlib.coerce(k, ch["options"][k], v)
        except ValueError as e:
            raise OpError(str(e))
    sub = bool(ch["meta"].get("subordinate"))
    st.apps[name] = {
        "name": name, "charm": ch["path"], "charm_name": ch["meta"]["name"],
        "meta": ch["meta"], "options": ch["options"], "actions": ch["actions"],
        "config": values, "series": series, "subordinate": sub,
        "leader": None, "next_unit": 0, "version": "", "status": None,
        "revision": ch["revision"], "leader_settings": {}, "life": "alive",
        "peers": {}, "exposed": False,
    }
    _add_peer_relations(st, name)
    if sub:
        return []
    return add_units(st, name, num_units, to)


def add_units(st, app_name, n, to=None):
    app = st.apps.get(app_name)
    if not app or app["life"] != "alive":
        raise OpError('application "%s" not found' % app_name)
    if app["subordinate"]:
        raise OpError("cannot add units to subordinate application %s; "
                      "relate it to a principal instead" % app_name)
    made = []
    for i in range(n):
        if to is not None and i == 0:
            if to not in st.machines:
                raise OpError('machine "%s" not found' % to)
            mid = to
        else:
            mid = st.add_machine(app["series"])
            st.machines[mid]["auto"] = True
        made.append(create_unit(st, app_name, mid))
    return made


def create_unit(st, app_name, machine_id, principal=""):
    app = st.apps[app_name]
    name = "%s/%d" % (app_name, app["next_unit"])
    app["next_unit"] += 1
    st.units[name] = {
        "name": name, "app": app_name, "machine": machine_id,
        "principal": principal, "life": "alive",
        "workload": {"status": WORKLOAD_INIT[0], "message": WORKLOAD_INIT[1],
                     "since": now()},
        "agent": {"status": "allocating", "since": now()},
        "queue": [], "running": None, "error": None, "actions": [],
        "ports": [], "charm_rev": None, "tools_ready": False,
        "installed": False, "start_ran": False, "handlers": None,
    }
    if not app["leader"]:
        app["leader"] = name
    for rel in sorted(st.relations_of(app_name),
                      key=lambda r: _relation_sort_key(st, r)):
        if rel["life"] == "alive" and qualifies(st, rel, name):
            enter_scope(st, rel, name)
    queue_deploy(st, name)
    if not principal:
        for rel in st.relations_of(app_name):
            sub = remote_app(rel, app_name)
            if (rel["scope"] == "container" and rel["life"] == "alive"
                    and st.apps[sub]["subordinate"]):
                ensure_subordinate(st, sub, name)
    return name


def ensure_subordinate(st, sub_app, principal):
    for u in st.subordinates_of(principal):
        if u["app"] == sub_app:
            return u["name"]
    return create_unit(st, sub_app, st.units[principal]["machine"], principal)


# ---- relate / unrelate -------------------------------------------------------------

def _parse_spec(spec):
    app, _, ep = spec.partition(":")
    return app, ep or None


def find_endpoints(st, spec_a, spec_b):
    """Pairs of endpoints the two specs may mean (interface match,
    provides<->requires); juju-info only when nothing else fits."""
    (a, ea), (b, eb) = _parse_spec(spec_a), _parse_spec(spec_b)
    for app in (a, b):
        if app not in st.apps or st.apps[app]["life"] != "alive":
            raise OpError('application "%s" not found' % app)
    if a == b:
        raise OpError("cannot relate an application to itself")
    pairs = []
    for x in charmlib.endpoints(st.apps[a]["meta"]):
        for y in charmlib.endpoints(st.apps[b]["meta"]):
            if ea and x["name"] != ea or eb and y["name"] != eb:
                continue
            if x["interface"] != y["interface"]:
                continue
            if {x["role"], y["role"]} != {"provides", "requires"}:
                continue
            pairs.append((x, y))
    if len(pairs) > 1:
        explicit = [p for p in pairs if "juju-info" not in
                    (p[0]["name"], p[1]["name"])]
        pairs = explicit or pairs
    if not pairs:
        raise OpError("no relations found between %s and %s" % (spec_a, spec_b))
    if len(pairs) > 1:
        raise OpError("ambiguous relation: %s %s could refer to %s" % (
            spec_a, spec_b, "; ".join("%s:%s %s:%s" % (a, x["name"], b, y["name"])
                                      for x, y in pairs)))
    return (a, pairs[0][0]), (b, pairs[0][1])


def find_relation(st, a, ea, b, eb):
    for rel in st.relations.values():
        if rel["life"] != "alive" or is_peer(rel):
            continue
        names = {(e["app"], e["name"]) for e in rel["endpoints"]}
        if names == {(a, ea), (b, eb)}:
            return rel
    return None


def relate(st, spec_a, spec_b):
    (a, x), (b, y) = find_endpoints(st, spec_a, spec_b)
    if find_relation(st, a, x["name"], b, y["name"]):
        raise OpError('relation %s:%s %s:%s already exists' % (
            a, x["name"], b, y["name"]))
    scope = "container" if "container" in (x["scope"], y["scope"]) else "global"
    subs = [app for app in (a, b) if st.apps[app]["subordinate"]]
    if scope == "container" and len(subs) != 1:
        raise OpError("container-scoped relation needs exactly one "
                      "subordinate application")
    rel = new_relation(st, x["interface"], scope, [
        {"app": a, "name": x["name"], "role": x["role"]},
        {"app": b, "name": y["name"], "role": y["role"]}])
    entering = [u["name"] for app in (a, b) for u in st.units_of(app, True)
                if qualifies(st, rel, u["name"])]
    for u in entering:
        enter_scope(st, rel, u, notify=False)
        enqueue(st, u, rel_item(st, rel, u, "created"))
    for u in entering:
        for r in visible_in_scope(st, rel, u):
            enqueue(st, u, rel_item(st, rel, u, "joined", r))
            enqueue(st, u, rel_item(st, rel, u, "changed", r))
    if scope == "container":
        sub = subs[0]
        principal_app = b if sub == a else a
        for p in st.units_of(principal_app, alive_only=True):
            ensure_subordinate(st, sub, p["name"])
    return rel


def unrelate(st, spec_a, spec_b):
    (a, ea), (b, eb) = _parse_spec(spec_a), _parse_spec(spec_b)
    matches = []
    for rel in st.relations.values():
        if rel["life"] != "alive" or is_peer(rel):
            continue
        apps = {e["app"]: e["name"] for e in rel["endpoints"]}
        if a in apps and b in apps and ea in (None, apps[a]) and \
                eb in (None, apps[b]):
            matches.append(rel)
    if not matches:
        raise OpError("relation %s %s not found" % (spec_a, spec_b))
    if len(matches) > 1:
        raise OpError("ambiguous relation %s %s: name the endpoints" % (
            spec_a, spec_b))
    rel = matches[0]
    doomed_subs = []
    if rel["scope"] == "container":
        # A subordinate unit goes when no container relation ties it to its
        # principal any more.
        sub = next(e["app"] for e in rel["endpoints"]
                   if st.apps[e["app"]]["subordinate"])
        papp = remote_app(rel, sub)
        others = [r for r in st.relations_of(sub) if r is not rel and
                  r["life"] == "alive" and r["scope"] == "container" and
                  papp in [e["app"] for e in r["endpoints"]]]
        if not others:
            doomed_subs = [u["name"] for u in st.units_of(sub)
                           if st.units[u["principal"]]["app"] == papp]
    destroy(st, doomed_subs, [rel])
    return rel


# ---- removal -------------------------------------------------------------------

def destroy(st, units, dying_rels=()):
    """Queue the departure hooks for units leaving and relations going away.

    A leaving unit runs: stop, -departed for each member it saw, -broken for
    each relation, remove.  Units that stay get -departed for each leaving
    member they saw, and -broken when the relation itself goes."""
    dying = set()

    def add(name):
        if name in dying or st.units[name]["life"] != "alive":
            return
        dying.add(name)
        for s in st.subordinates_of(name):
            add(s["name"])
    for u in units:
        add(u)
    dying_rids = set()
    for rel in dying_rels:
        rel["life"] = "dying"
        dying_rids.add(rel["id"])
    for name in dying:
        st.units[name]["life"] = "dying"
    # Joins that have not run yet will never run.
    for u in st.units.values():
        u["queue"] = [i for i in u["queue"] if not (
            i["kind"] in ("joined", "changed") and (
                i["remote_unit"] in dying or u["name"] in dying
                or i["rid"] in dying_rids))]
    for name in sorted(dying):
        enqueue(st, name, hook_item("stop"))
    for rel in sorted(st.relations.values(), key=lambda r: r["id"]):
        rel_dying = rel["id"] in dying_rids
        if not rel_dying and not dying.intersection(rel["scope_units"]):
            continue
        for v in sorted(rel["scope_units"], key=unit_number):
            leaving = v in dying or rel_dying
            if leaving:
                for r in sorted(rel["views"].get(v, []), key=unit_number):
                    enqueue(st, v, rel_item(st, rel, v, "departed", r,
                                            v if v in dying else ""))
                enqueue(st, v, rel_item(st, rel, v, "broken"))
            else:
                for r in sorted(rel["views"].get(v, []), key=unit_number):
                    if r in dying:
                        enqueue(st, v, rel_item(st, rel, v, "departed", r, r))
    for name in sorted(dying):
        enqueue(st, name, hook_item("remove"))
    gc(st)
    return sorted(dying)


def remove_application(st, app_name):
    app = st.apps.get(app_name)
    if not app or app["life"] != "alive":
        raise OpError('application "%s" not found' % app_name)
    app["life"] = "dying"
    rels = [r for r in st.relations_of(app_name) if r["life"] == "alive"]
    subs_only = [r for r in rels if r["scope"] == "container"]
    units = [u["name"] for u in st.units_of(app_name)]
    # Subordinate units of this (principal) app's container relations go too.
    for r in subs_only:
        other = remote_app(r, app_name)
        if st.apps[other]["subordinate"] and not app["subordinate"]:
            units += [u["name"] for u in st.units_of(other)
                      if st.units[u["principal"]]["app"] == app_name]
    destroy(st, units, rels)


def finish_removal(st, name):
    """After a unit's remove hook: forget it; move leadership if needed."""
    u = st.units.pop(name)
    for rel in st.relations.values():
        if name in rel["scope_units"]:
            rel["scope_units"].remove(name)
        rel["views"].pop(name, None)
    app = st.apps.get(u["app"])
    if app and app["leader"] == name:
        app["leader"] = None
        alive = st.units_of(u["app"], alive_only=True)
        if alive:
            new = alive[0]["name"]
            app["leader"] = new
            enqueue(st, new, hook_item("leader-elected"))
            for other in alive[1:]:
                enqueue(st, other["name"], hook_item("leader-settings-changed"),
                        dedupe=True)
    m = st.machines.get(u["machine"])
    if m and m.get("auto") and not st.units_on(u["machine"]):
        m["life"] = "dying"
    gc(st)


def leave_scope(st, rel, unit):
    if unit in rel["scope_units"]:
        rel["scope_units"].remove(unit)
    rel["views"].pop(unit, None)


def gc(st):
    """Drop relations nobody is in any more and apps with no units left."""
    for name, app in list(st.apps.items()):
        if app["life"] == "dying" and not st.units_of(name):
            for rid in app["peers"].values():
                rel = st.rel(rid)
                if rel:
                    rel["life"] = "dying"
            del st.apps[name]
    for rid, rel in list(st.relations.items()):
        if rel["life"] == "dying" and not rel["scope_units"]:
            del st.relations[rid]
        elif any(e["app"] not in st.apps for e in rel["endpoints"]) and \
                not rel["scope_units"]:
            del st.relations[rid]


# ---- config, upgrade, update-status ------------------------------------------------

def set_config(st, app_name, values, reset=()):
    app = st.apps.get(app_name)
    if not app:
        raise OpError('application "%s" not found' % app_name)
    before = charmlib.full_config(app["options"], app["config"])
    for k in reset:
        if k not in app["options"]:
            raise OpError('unknown option "%s"' % k)
        app["config"].pop(k, None)
    for k, v in values.items():
        if k not in app["options"]:
            raise OpError('unknown option "%s"' % k)
        try:
            app["config"][k] = charmlib.coerce(k, app["options"][k], v)
        except ValueError as e:
            raise OpError(str(e))
    if charmlib.full_config(app["options"], app["config"]) != before:
        for u in st.units_of(app_name, alive_only=True):
            enqueue(st, u["name"], hook_item("config-changed"), dedupe=True)
        return True
    return False


def upgrade(st, app_name, ch):
    app = st.apps.get(app_name)
    if not app:
        raise OpError('application "%s" not found' % app_name)
    app.update({"charm": ch["path"], "meta": ch["meta"],
                "options": ch["options"], "actions": ch["actions"]})
    app["config"] = {k: v for k, v in app["config"].items()
                     if k in ch["options"]}
    app["revision"] = max(app["revision"] + 1, ch["revision"])
    _add_peer_relations(st, app_name)
    for u in st.units_of(app_name, alive_only=True):
        name = u["name"]
        enqueue(st, name, hook_item("upgrade-charm"))
        enqueue(st, name, hook_item("config-changed"))
        if not st.is_leader(name):
            enqueue(st, name, hook_item("leader-settings-changed"))
        enqueue(st, name, hook_item("start"))


def update_status(st, units):
    for name in units:
        if st.units[name]["life"] == "alive":
            enqueue(st, name, hook_item("update-status"), dedupe=True)


# ---- commits that notify other units -------------------------------------------------

def _merge(bag, changes):
    changed = False
    for k, v in changes.items():
        if v == "":
            if k in bag:
                del bag[k]
                changed = True
        elif bag.get(k) != v:
            bag[k] = v
            changed = True
    return changed


def commit_unit_settings(st, rel, writer, changes):
    bag = rel["units"].setdefault(writer, {})
    if not _merge(bag, changes) or rel["life"] != "alive":
        return
    for v in rel["scope_units"]:
        if (can_see(st, rel, v, writer) and st.units[v]["life"] == "alive"
                and writer in rel["views"].get(v, [])):
            # A pending -changed for the writer will read the new data anyway.
            enqueue(st, v, rel_item(st, rel, v, "changed", writer), dedupe=True)


def commit_app_settings(st, rel, app_name, changes):
    bag = rel["apps"].setdefault(app_name, {})
    if not _merge(bag, changes) or rel["life"] != "alive":
        return
    for v in rel["scope_units"]:
        vu = st.units[v]
        if vu["life"] != "alive":
            continue
        if is_peer(rel):
            target = vu["app"] == app_name and not st.is_leader(v)
        else:
            target = vu["app"] != app_name
        if target:
            item = rel_item(st, rel, v, "changed", "")
            item["remote_app"] = app_name
            enqueue(st, v, item, dedupe=True)


def commit_leader_settings(st, app_name, changes):
    app = st.apps[app_name]
    if not _merge(app["leader_settings"], changes):
        return
    for u in st.units_of(app_name, alive_only=True):
        if u["name"] != app["leader"]:
            enqueue(st, u["name"], hook_item("leader-settings-changed"),
                    dedupe=True)
