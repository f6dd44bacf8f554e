"""The per-hook context file: what the hook tools may read (a snapshot taken
when the hook starts) and the buffers they append to; and the hook's
environment.

Tools never touch model.json: everything goes through this file, which the
runner writes into the machine before the hook and reads back after it;
state/outcomes.py applies the buffers to the model.
"""
from .. import paths
from ..state import charm as charmlib
from ..state.model import (JUJU_VERSION, MODEL_PROXY_KEYS, sorted_ports,
                           unit_number)
from ..state.relations import is_peer, local_endpoint, remote_app, sees
from ..state.status import app_status


def _mac(machine_id):
    n = int(machine_id) if str(machine_id).isdigit() else 0
    return "00:16:3e:%02x:%02x:%02x" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)


def _relation_view(st, unit, rel, item):
    app = st.units[unit]["app"]
    rapp = remote_app(rel, app)
    peer = is_peer(rel)
    bags = {v: dict(bag) for v, bag in rel["units"].items()
            if v == unit or sees(st, rel, unit, v)}
    apps = {rapp: dict(rel["apps"].get(rapp, {}))}
    # Only the leader may read its own app bag on a non-peer relation.
    if peer or st.is_leader(unit):
        apps[app] = dict(rel["apps"].get(app, {}))
    view = sorted(rel["views"].get(unit, []), key=unit_number)
    broken_now = item and item["kind"] == "broken" and item["rid"] == rel["id"]
    return {
        "id": rel["id"], "name": local_endpoint(rel, app)["name"],
        "interface": rel["interface"], "scope": rel["scope"], "peer": peer,
        "remote_app": rapp, "members": view, "units": bags, "apps": apps,
        "life": rel["life"], "broken": bool(broken_now),
        # Juju >= 3.4 leaves relations broken from this unit's view out of
        # relation-ids.
        "listed": not broken_now and not (rel["life"] != "alive" and not view),
    }


def _goal_state(st, unit):
    app = st.units[unit]["app"]

    def ustatus(u):
        if u["life"] != "alive":
            return "dying"
        return "active" if u["installed"] else "waiting"
    units = {u["name"]: {"status": ustatus(u), "since": u["agent"]["since"]}
             for u in st.units_of(app)}
    relations = {}
    for rel in st.relations_of(app):
        ep = local_endpoint(rel, app)["name"]
        rapp = remote_app(rel, app)
        entry = relations.setdefault(ep, {})
        status = "joined" if rel["life"] == "alive" else "broken"
        if not is_peer(rel):
            entry[rapp] = {"status": status, "since": rel["created"]}
        for u in st.units_of(rapp):
            if u["name"] != unit:
                entry[u["name"]] = {"status": ustatus(u),
                                    "since": u["agent"]["since"]}
    return {"units": units, "relations": relations}


def build(st, unit, item, ctx_id, action=None):
    u = st.units[unit]
    app = st.apps[u["app"]]
    m = st.machines[u["machine"]]
    rels = {str(r["id"]): _relation_view(st, unit, r, item)
            for r in st.relations.values() if unit in r["scope_units"]}
    is_leader = app["leader"] == unit
    return {
        "id": ctx_id,
        "unit": unit, "app": u["app"], "leader": is_leader,
        "principal": u["principal"], "machine": u["machine"],
        "hook": item["hook"] if item else "",
        "relation_id": item["rid"] if item else None,
        "relation_kind": item["kind"] if item and item["rid"] is not None else "",
        "remote_unit": item["remote_unit"] if item else "",
        "remote_app": item["remote_app"] if item else "",
        "departing_unit": item["departing_unit"] if item else "",
        "config": charmlib.full_config(app["options"], app["config"]),
        "leader_settings": dict(app["leader_settings"]),
        "relations": rels,
        "network": {"address": m["address"], "cidr": m["cidr"],
                    "interface": m["interface"] or "eth0",
                    "mac": _mac(u["machine"]),
                    "public_address": m["address"],
                    "bindings": charmlib.bindings(app["meta"])},
        "ports": sorted_ports(u["ports"]),
        "goal_state": _goal_state(st, unit),
        "status": dict(u["workload"], data=u["workload"].get("data", {})),
        "app_status": dict(app_status(st, u["app"])),
        "app_unit_statuses": {x["name"]: dict(x["workload"])
                              for x in st.units_of(u["app"])},
        "action": ({"id": action["id"], "name": action["name"],
                    "params": action["params"]} if action else None),
        "pending": {
            "relations": {},      # rid -> {"unit": {k: v}, "app": {k: v}}
            "ports": [],          # [["open"|"close", "80/tcp"], ...]
            "status_set": False,  # the unit's status above was changed
            "app_status_set": False,
            "leader_set": {},
            "version": None,
            "logs": [],           # [[level, message, time], ...]
            "action": {"results": {}, "failed": None, "log": []},
            "reboot": None,       # None | "after" | "now"
        },
    }


def hook_env(st, unit, item, ctx_id, juju_root, action=None):
    """The complete environment of a hook or action (nothing inherited)."""
    u = st.units[unit]
    charm = paths.charm_dir(juju_root, unit)
    if action:
        dispatch_path = "actions/" + action["name"]
    else:
        dispatch_path = "hooks/" + item["hook"]
    env = {
        "CHARM_DIR": charm,
        "JUJU_CHARM_DIR": charm,
        "JUJU_CONTEXT_ID": ctx_id,
        "JUJU_AGENT_SOCKET_ADDRESS": paths.agent_socket(ctx_id),
        "JUJU_AGENT_SOCKET_NETWORK": "unix",
        "JUJU_HOOK_NAME": "" if action else item["hook"],
        "JUJU_UNIT_NAME": unit,
        "JUJU_MODEL_UUID": st.d["uuid"],
        "JUJU_MODEL_NAME": st.d["name"],
        "JUJU_API_ADDRESSES": "localhost:17070",
        "JUJU_MACHINE_ID": u["machine"],
        "JUJU_PRINCIPAL_UNIT": u["principal"],
        "JUJU_AVAILABILITY_ZONE": "",
        "JUJU_VERSION": JUJU_VERSION,
        "JUJU_DISPATCH_PATH": dispatch_path,
        "CLOUD_API_VERSION": "",
        "PATH": paths.unit_tools_dir(juju_root, unit) + ":" + paths.SYSTEM_PATH,
        "DEBIAN_FRONTEND": "noninteractive",
        "APT_LISTCHANGES_FRONTEND": "none",
        "LANG": "C.UTF-8",
    }
    model_config = st.d.get("config", {})
    for key in MODEL_PROXY_KEYS:  # always set, empty when not configured
        env["JUJU_CHARM_%s" % key[len("juju-"):].replace("-", "_").upper()] = (
            model_config.get(key, ""))
    if action:
        env["JUJU_ACTION_NAME"] = action["name"]
        env["JUJU_ACTION_UUID"] = action["id"]
        env["JUJU_ACTION_TAG"] = "action-" + action["id"]
    elif item["rid"] is not None:
        rel = st.rel(item["rid"])
        ep = local_endpoint(rel, u["app"])["name"]
        env["JUJU_RELATION"] = ep
        env["JUJU_RELATION_ID"] = "%s:%d" % (ep, item["rid"])
        env["JUJU_REMOTE_APP"] = item["remote_app"]
        if item["kind"] not in ("created", "broken"):
            env["JUJU_REMOTE_UNIT"] = item["remote_unit"]
        if item["kind"] == "departed" and item["departing_unit"]:
            env["JUJU_DEPARTING_UNIT"] = item["departing_unit"]
    return env
