"""What a finished, failed, skipped or force-removed hook does to the model.

A hook's effects come back in its context file (see agent/context.py):
immediate ones (status, version, leader settings) count even when the hook
fails; buffered ones (relation settings, ports) only when it exits 0.
Committed settings queue -changed hooks for the units that see them.
"""
from .model import now, sorted_ports
from .queue import enqueue, hook_item, rel_item
from .relations import is_peer, leave_scope, sees
from .removal import destroy, finish_removal, gc


def hook_finished(st, unit, item, ctx, rc, stdout, stderr):
    u = st.units.get(unit)
    if not u:
        return
    ok = rc == 0
    _idle(st, u, ctx, ok)
    if not ok:
        data = {"hook": item["hook"]}
        if item["rid"] is not None:
            data["relation-id"] = item["rid"]
            if item["remote_unit"]:
                data["remote-unit"] = item["remote_unit"]
        u["error"] = {"item": item, "since": now(), "data": data,
                      "message": 'hook failed: "%s"' % item["hook"],
                      "rc": rc, "stdout": stdout[-20000:],
                      "stderr": stderr[-20000:]}
        return
    if item["hook"] == "install":
        u["installed"] = True
        if not ctx["pending"]["status_set"]:
            u["workload"] = {"status": "unknown", "message": "",
                             "since": now()}
    _done(st, unit, item)


def hook_skipped(st, unit, item):
    """`resolved --no-retry`: the model moves on as if the hook had run."""
    _done(st, unit, item)


def action_finished(st, unit, action, ctx, rc, stdout, stderr):
    pa = ctx["pending"]["action"]
    rec = st.actions.get(action["id"])
    u = st.units.get(unit)
    if u:
        _idle(st, u, ctx, rc == 0)
    if not rec:
        return
    failed = pa["failed"]
    if failed is None and rc != 0:
        failed = "exit status %d" % rc
    rec.update(status="failed" if failed is not None else "completed",
               message=failed or "", results=pa["results"],
               log=pa["log"], stdout=stdout, stderr=stderr,
               completed=now())
    rec["return-code"] = rc


def force_remove(st, name):
    """Forget a unit (and its subordinates) without running its hooks; the
    units that stay still get their -departed and -broken hooks."""
    for s in st.subordinates_of(name):
        force_remove(st, s["name"])
    u = st.units[name]
    u["queue"], u["error"], u["running"] = [], None, None
    destroy(st, [name])
    u["queue"] = []
    for rel in st.relations.values():
        for view in rel["views"].values():
            if name in view:
                view.remove(name)
    finish_removal(st, name)


def _idle(st, u, ctx, ok):
    u["running"] = None
    u["agent"] = {"status": "idle", "since": now()}
    _apply_effects(st, u, ctx, ok)


def _done(st, unit, item):
    if item["hook"] == "start":
        st.units[unit]["start_ran"] = True
    elif item["kind"] == "broken":
        rel = st.rel(item["rid"])
        if rel:
            leave_scope(st, rel, unit)
        gc(st)
    elif item["hook"] == "remove":
        finish_removal(st, unit)


def _apply_effects(st, u, ctx, ok):
    unit = u["name"]
    app = st.apps[u["app"]]
    p = ctx["pending"]
    if p["status_set"]:
        s = ctx["status"]
        u["workload"] = {"status": s["status"], "message": s["message"],
                         "since": s.get("since") or now(),
                         "data": s.get("data") or {}}
    if p["app_status_set"]:
        s = ctx["app_status"]
        app["status"] = {"status": s["status"], "message": s["message"],
                         "since": s.get("since") or now()}
    if p["version"] is not None:
        app["version"] = p["version"]
    if p["leader_set"] and app["leader"] == unit:
        _commit_leader_settings(st, u["app"], p["leader_set"])
    if not ok:
        return
    for rid, changes in p["relations"].items():
        rel = st.rel(rid)
        if not rel:
            continue
        if changes.get("unit"):
            _commit_unit_settings(st, rel, unit, changes["unit"])
        if changes.get("app") and app["leader"] == unit:
            _commit_app_settings(st, rel, u["app"], changes["app"])
    ports = set(u["ports"])
    for op, port in p["ports"]:
        (ports.add if op == "open" else ports.discard)(port)
    u["ports"] = sorted_ports(ports)


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


def _commit_unit_settings(st, rel, writer, changes):
    bag = rel["units"].setdefault(writer, {})
    if not _merge(bag, changes) or rel["life"] != "alive":
        return
    for v in rel["scope_units"]:
        if (sees(st, rel, v, writer) and st.units[v]["life"] == "alive"
                and writer in rel["views"].get(v, [])):
            # A pending -changed for the writer will read the new data anyway.
            enqueue(st, v, rel_item(st, rel, v, "changed", writer), dedupe=True)


def _commit_app_settings(st, rel, app_name, changes):
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


def _commit_leader_settings(st, app_name, changes):
    app = st.apps[app_name]
    if not _merge(app["leader_settings"], changes):
        return
    for u in st.units_of(app_name, alive_only=True):
        if u["name"] != app["leader"]:
            enqueue(st, u["name"], hook_item("leader-settings-changed"),
                    dedupe=True)
