"""Units and relations leaving the model: the departure hooks Juju queues,
forgetting a unit once it is gone, and dropping what nobody uses any more."""
from .model import unit_number
from .queue import enqueue, hook_item, rel_item
from .relations import leave_scope


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


def finish_removal(st, name):
    """After a unit's remove hook: forget it; move leadership if needed."""
    u = st.units.pop(name)
    for rel in st.relations.values():
        leave_scope(st, rel, name)
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
