"""Who is in a relation and who sees whom: the one visibility rule that
both hook queuing and the hooks' own view of a relation follow."""
from .model import app_of, unit_number


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


def container_key(unit):
    """Units sharing this key are co-located for container-scoped relations."""
    return unit["principal"] or unit["name"]


def sees(st, rel, viewer, other):
    """Whether unit `viewer` counts unit `other` as a remote member of rel:
    a unit of the other side (of its own app on a peer relation), and on a
    container-scoped relation only one in the same container."""
    if viewer == other:
        return False
    app, other_app = app_of(viewer), app_of(other)
    if is_peer(rel):
        if other_app != app:
            return False
    elif other_app != remote_app(rel, app) or other_app == app:
        return False
    if rel["scope"] == "container":
        v, o = st.units.get(viewer), st.units.get(other)
        # A removed unit's settings stay readable for the life of the
        # relation, so only a unit still in the model can be elsewhere.
        if not v or (o and container_key(v) != container_key(o)):
            return False
    return True


def visible_in_scope(st, rel, unit):
    return sorted((v for v in rel["scope_units"] if sees(st, rel, unit, v)),
                  key=unit_number)


def qualifies(st, rel, unit):
    """Whether a unit of one of rel's apps belongs in it."""
    u = st.units[unit]
    if rel["scope"] != "container" or not u["principal"]:
        return True
    principal_app = st.units[u["principal"]]["app"]
    return any(e["app"] == principal_app for e in rel["endpoints"])


def seed_bag(st, rel, unit):
    """Juju seeds a unit's bag with its addresses when it enters scope."""
    m = st.machines[st.units[unit]["machine"]]
    bag = rel["units"].setdefault(unit, {})
    if m["address"]:
        bag.setdefault("private-address", m["address"])
        bag.setdefault("ingress-address", m["address"])
        bag.setdefault("egress-subnets", m["address"] + "/32")


def seed_machine_addresses(st, machine_id):
    """Seed address keys that could not be known before the machine existed."""
    for rel in st.relations.values():
        for unit in rel["scope_units"]:
            if st.units.get(unit, {}).get("machine") == machine_id:
                seed_bag(st, rel, unit)


def leave_scope(st, rel, unit):
    if unit in rel["scope_units"]:
        rel["scope_units"].remove(unit)
    rel["views"].pop(unit, None)
