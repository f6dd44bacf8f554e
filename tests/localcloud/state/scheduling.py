"""Which hook or action a unit may run next, and taking it: the model side
of the runner's loop.  Taking a relation hook updates the unit's view of
the relation first, as Juju's PrepareHook does."""
from .model import now


def machine_started(st, machine_id):
    return st.machines[machine_id]["status"] == "started"


def claimable(st, u):
    """Whether the runner may start something for this unit now."""
    m = st.machines.get(u["machine"])
    if not m or m["status"] == "error":
        return False
    if u["running"]:
        return True       # left by an interrupted process: resume it
    if u["actions"] and u["installed"]:
        return True       # actions run between hooks, even in error
    if u["error"] or not u["queue"]:
        return False
    p = st.units.get(u["principal"]) if u["principal"] else None
    if p and p["life"] == "alive" and not p.get("start_ran"):
        # Juju deploys a subordinate only once its principal has started.
        return False
    head = u["queue"][0]
    if m.get("upgrade") and head["hook"] != "pre-series-upgrade":
        return False      # between prepare and complete: the agent waits
    if head["kind"] in ("joined", "changed") and head["remote_unit"]:
        # A remote unit is seen only once it runs on its machine and has
        # installed its charm (Juju enters relation scope after install).
        r = st.units.get(head["remote_unit"])
        if r and r["life"] == "alive" and not (
                machine_started(st, r["machine"]) and r["installed"]):
            return False
    return True


def machine_has_work(st, mid):
    m = st.machines[mid]
    if m["status"] == "pending":
        return True
    if m.get("life") == "dying" and not st.units_on(mid):
        return True
    return any(claimable(st, u) for u in st.units_on(mid))


def stuck_units(st):
    """Units with queued hooks that cannot run (error or blocked)."""
    return [u for u in st.units.values()
            if (u["queue"] or u["running"]) and not claimable(st, u)]


def claim(st, mid):
    """Take the next hook or action of a unit on this machine: (unit,
    item, action record), or None when nothing can run."""
    for u in st.units_on(mid):
        if u["running"]:
            _requeue_stale(st, u)
    for u in st.units_on(mid):
        while claimable(st, u):
            job = _take(st, u)
            if job:
                return job
    return None


def _requeue_stale(st, u):
    run = u["running"]
    if "action" in run:
        rec = st.actions.get(run["action"])
        if rec:
            rec["status"] = "pending"
            u["actions"].insert(0, rec["id"])
    else:
        u["queue"].insert(0, run)
    u["running"] = None


def _take(st, u):
    name = u["name"]
    if u["actions"] and u["installed"]:
        aid = u["actions"].pop(0)
        rec = st.actions.get(aid)
        if not rec:
            return None
        rec.update(status="running", started=now())
        u["running"] = {"action": aid}
        u["agent"] = {"status": "executing", "since": now()}
        return name, None, dict(rec)
    item = u["queue"].pop(0)
    if item["rid"] is not None:
        rel = st.rel(item["rid"])
        if rel is None or name not in rel["scope_units"]:
            return None
        view = rel["views"].setdefault(name, [])
        r = item["remote_unit"]
        if item["kind"] == "joined":
            if r not in rel["scope_units"]:
                return None      # it left before we saw it join
            if r not in view:
                view.append(r)
        elif item["kind"] == "changed" and r and r not in view:
            return None          # never joined (or already departed)
        elif item["kind"] == "departed":
            if r not in view:
                return None
            view.remove(r)
        elif item["kind"] == "broken":
            view[:] = []
    if item["hook"] == "install":
        u["workload"] = {"status": "maintenance",
                         "message": "installing charm software",
                         "since": now()}
    u["running"] = item
    u["agent"] = {"status": "executing", "since": now()}
    return name, item, None
