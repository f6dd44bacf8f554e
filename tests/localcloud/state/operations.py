"""The model operations: which hooks Juju queues for each, in Juju's order,
and the state changes that go with them.

Every function takes a model.State (inside model.locked()) and appends hook
items to unit queues.  Relation membership as a unit sees it ("views")
changes only when the runner starts the hook, as Juju's PrepareHook does;
here we only decide what to queue.
"""
from . import charm as charmlib
from .model import (DEFAULT_SERIES, MODEL_PROXY_KEYS, SERIES_BASES, OpError,
                    now)
from .outcomes import force_remove, hook_skipped
from .queue import enqueue, hook_item, rel_item
from .relations import (is_peer, qualifies, remote_app, seed_bag,
                        visible_in_scope)
from .removal import destroy

WORKLOAD_INIT = ("waiting", "agent initialising")


# ---- relation scope ------------------------------------------------------------

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


def default_series(meta):
    """The charm's first supported series we can run, else the default."""
    for s in meta.get("series") or []:
        if s in SERIES_BASES:
            return s
    return DEFAULT_SERIES


def deploy(st, ch, name, series, config, num_units, to=None):
    """series None: the target machine's, else the charm's default."""
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
    if not series:
        series = (st.machines[to]["series"] if to in st.machines
                  else default_series(ch["meta"]))
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

def remove_units(st, names, force=False):
    for name in names:
        u = st.units.get(name)
        if not u:
            raise OpError('unit "%s" not found' % name)
        if u["principal"]:
            raise OpError('unit "%s" is a subordinate; remove the '
                          'relation or its principal' % name)
        if force:
            force_remove(st, name)
        else:
            destroy(st, [name])


def remove_application(st, app_name, force=False):
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
    if force:
        for u in list(st.units_of(app_name)):
            if u["name"] in st.units:
                force_remove(st, u["name"])


# ---- config, refresh, update-status, resolved -----------------------------------------------

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


def set_model_config(st, values):
    """Model settings; like Juju, no hook runs: the next hooks see them."""
    for k in values:
        if k not in MODEL_PROXY_KEYS:
            raise OpError('unknown model config key "%s" (this cloud knows %s)'
                          % (k, ", ".join(MODEL_PROXY_KEYS)))
    st.d.setdefault("config", {}).update(values)


def refresh(st, app_name, path=None):
    """Upgrade to the charm at path (default: where it came from); returns
    the new revision."""
    app = st.apps.get(app_name)
    if not app:
        raise OpError('application "%s" not found' % app_name)
    ch = charmlib.load(path or app["charm"])
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
    return app["revision"]


def update_status(st, target=None):
    """Queue update-status on a unit, an application's units or (None)
    every unit."""
    if target is None:
        names = list(st.units)
    elif target in st.units:
        names = [target]
    elif target in st.apps:
        names = [u["name"] for u in st.units_of(target)]
    else:
        raise OpError('no unit or application "%s"' % target)
    for name in names:
        if st.units[name]["life"] == "alive":
            enqueue(st, name, hook_item("update-status"), dedupe=True)


def resolve(st, unit_name, retry=True):
    """`resolved`: re-queue the failed hook (or skip it with --no-retry)."""
    u = st.units.get(unit_name)
    if not u:
        raise OpError('unit "%s" not found' % unit_name)
    if not u["error"]:
        raise OpError('unit "%s" is not in an error state' % unit_name)
    item = u["error"]["item"]
    u["error"] = None
    if retry:
        u["queue"].insert(0, item)
    else:
        hook_skipped(st, unit_name, item)


def upgrade_machine(st, machine_id, step, base=None):
    """`juju upgrade-machine M prepare BASE`: pre-series-upgrade on every
    unit of the machine, then no other hook there until `complete`, which
    records the new series and runs post-series-upgrade (the operator
    upgrades the machine's system between the two)."""
    m = st.machines.get(machine_id)
    if not m:
        raise OpError("machine %s not found" % machine_id)
    upgrade = m.get("upgrade")
    if step == "prepare":
        series = {b: s for s, b in SERIES_BASES.items()}.get(base, base)
        if series not in SERIES_BASES:
            raise OpError('unknown base "%s" (known: %s)'
                          % (base, ", ".join(SERIES_BASES.values())))
        if upgrade:
            raise OpError("machine %s is already being upgraded to %s"
                          % (machine_id, upgrade["to"]))
        m["upgrade"] = {"to": series}
        hook = "pre-series-upgrade"
    elif step == "complete":
        if not upgrade:
            raise OpError("machine %s is not being upgraded" % machine_id)
        m["series"], m["upgrade"] = upgrade["to"], None
        hook = "post-series-upgrade"
    else:
        raise OpError('step "%s": prepare or complete' % step)
    for u in st.units_on(machine_id):
        if u["life"] == "alive":  # first, before the hooks that waited
            u["queue"].insert(0, hook_item(hook))


def add_machines(st, series, n):
    return [st.add_machine(series or DEFAULT_SERIES) for _ in range(n)]
