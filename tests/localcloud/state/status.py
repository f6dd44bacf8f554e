"""The statuses shown for units and applications, derived from the model as
Juju derives them."""
from .model import now

# Most severe first: an application shows the worst of its units.
_SEVERITY = ["error", "blocked", "maintenance", "waiting", "active",
             "terminated", "unknown"]


def unit_status(u):
    """Workload status as shown: a failed hook overrides what the charm set."""
    if u["error"]:
        return {"status": "error", "message": u["error"]["message"],
                "since": u["error"]["since"],
                "data": u["error"].get("data", {})}
    return u["workload"]


def app_status(st, app_name):
    """The leader-set status, else the most severe unit status."""
    app = st.apps[app_name]
    if app.get("status"):
        return app["status"]
    best = None
    for u in st.units_of(app_name):
        s = unit_status(u)
        if best is None or _SEVERITY.index(s["status"]) < _SEVERITY.index(best["status"]):
            best = s
    return best or {"status": "unknown", "message": "", "since": now()}
