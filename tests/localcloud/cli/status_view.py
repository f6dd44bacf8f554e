"""What `localjuju status` and `localjuju machines` show: juju's tables, or
its YAML/JSON shape, read from one model snapshot."""
import time

from ..state.model import CONTROLLER_NAME, JUJU_VERSION, SERIES_BASES, unit_number
from ..state.queue import describe
from ..state.relations import is_peer, remote_app
from ..state.status import app_status, unit_status


def status_data(st):
    """`status --format=json|yaml`: the shape of juju's, plus each unit's queue."""
    def unit_data(u):
        s = unit_status(u)
        m = st.machines.get(u["machine"], {})
        d = {"workload-status": {"current": s["status"],
                                 "message": s["message"], "since": s["since"]},
             "juju-status": {"current": u["agent"]["status"],
                             "since": u["agent"]["since"]},
             "leader": st.is_leader(u["name"]),
             "machine": u["machine"],
             "public-address": m.get("address", ""),
             "open-ports": u["ports"],
             "queue": [describe(i) for i in u["queue"]]}
        subs = st.subordinates_of(u["name"])
        if subs:
            d["subordinates"] = {s["name"]: unit_data(s) for s in subs}
        return d

    apps = {}
    for name, app in sorted(st.apps.items()):
        s = app_status(st, name)
        apps[name] = {
            "charm": app["charm_name"], "charm-path": app["charm"],
            "charm-rev": app["revision"], "series": app["series"],
            "base": SERIES_BASES.get(app["series"], app["series"]),
            "subordinate": app["subordinate"],
            "version": app["version"],
            "application-status": {"current": s["status"],
                                   "message": s["message"]},
            "relations": {},
            "units": {u["name"]: unit_data(u) for u in st.units_of(name)
                      if not u["principal"]},
        }
    for rel in st.relations.values():
        for e in rel["endpoints"]:
            if e["app"] in apps:
                apps[e["app"]]["relations"].setdefault(e["name"], []).append(
                    remote_app(rel, e["app"]))
    machines = {mid: {"juju-status": {"current": m["status"],
                                      "message": m.get("message", "")},
                      "dns-name": m["address"],
                      "ip-addresses": [m["address"]] if m["address"] else [],
                      "instance-id": m["instance"],
                      "base": SERIES_BASES.get(m["series"], m["series"]),
                      "series": m["series"]}
                for mid, m in sorted(st.machines.items(), key=lambda x: int(x[0]))}
    return {"model": {"name": st.d["name"], "controller": CONTROLLER_NAME,
                      "cloud": "localcloud", "version": JUJU_VERSION},
            "machines": machines, "applications": apps,
            "relations": [_rel_row(r) for r in
                          sorted(st.relations.values(), key=lambda r: r["id"])]}


def _rel_row(rel):
    eps = rel["endpoints"]
    if is_peer(rel):
        return {"id": rel["id"], "provider": "%s:%s" % (eps[0]["app"], eps[0]["name"]),
                "requirer": "%s:%s" % (eps[0]["app"], eps[0]["name"]),
                "interface": rel["interface"], "type": "peer"}
    prov = next((e for e in eps if e["role"] == "provides"), eps[0])
    req = next((e for e in eps if e is not prov), eps[1])
    return {"id": rel["id"], "provider": "%s:%s" % (prov["app"], prov["name"]),
            "requirer": "%s:%s" % (req["app"], req["name"]),
            "interface": rel["interface"],
            "type": "subordinate" if rel["scope"] == "container" else "regular"}


def _table(out, header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]
    for r in [header] + rows:
        cells = []
        for i, c in enumerate(r):
            c = str(c)
            numeric = header[i] in ("Scale", "Rev")
            cells.append(c.rjust(widths[i]) if numeric else c.ljust(widths[i]))
        print("  ".join(cells).rstrip(), file=out)
    print("", file=out)


def machine_table(st, out):
    rows = []
    for mid, m in sorted(st.machines.items(), key=lambda x: int(x[0])):
        rows.append([mid, m["status"], m["address"] or "", m["instance"] or "pending",
                     SERIES_BASES.get(m["series"], m["series"]), "",
                     m.get("message") or ("Running" if m["status"] == "started" else "")])
    _table(out, ["Machine", "State", "Address", "Inst id", "Base", "AZ", "Message"],
           rows)


def tables(st, out):
    """`status`: the tables juju prints."""
    _table(out, ["Model", "Controller", "Cloud/Region", "Version", "Timestamp"],
           [[st.d["name"], CONTROLLER_NAME, "localcloud/local",
             JUJU_VERSION, time.strftime("%H:%M:%SZ", time.gmtime())]])
    if not st.apps:
        print("Model \"%s\" is empty." % st.d["name"], file=out)
        return
    rows = []
    for name, app in sorted(st.apps.items()):
        s = app_status(st, name)
        rows.append([name, app["version"], s["status"], len(st.units_of(name)),
                     app["charm_name"], app["revision"], "no", s["message"]])
    _table(out, ["App", "Version", "Status", "Scale", "Charm", "Rev", "Exposed",
                 "Message"], rows)
    rows = []

    def unit_row(u, indent):
        s = unit_status(u)
        m = st.machines.get(u["machine"], {})
        agent = u["agent"]["status"]
        if u["error"]:
            agent = "idle"
        elif u["life"] == "dying":
            agent = "dying" if agent == "idle" else agent
        elif u["queue"] and agent == "idle":
            agent = "pending"
        mark = "*" if st.is_leader(u["name"]) else ""
        rows.append([indent + u["name"] + mark, s["status"], agent, u["machine"],
                     m.get("address", ""), ",".join(u["ports"]), s["message"]])
    principals = sorted((u for u in st.units.values() if not u["principal"]),
                        key=lambda u: (u["app"], unit_number(u["name"])))
    for u in principals:
        unit_row(u, "")
        for s in st.subordinates_of(u["name"]):
            unit_row(s, "  ")
    if rows:
        _table(out, ["Unit", "Workload", "Agent", "Machine", "Public address",
                     "Ports", "Message"], rows)
    if st.machines:
        machine_table(st, out)
    rels = [_rel_row(r) for r in sorted(st.relations.values(),
                                        key=lambda r: r["id"])]
    if rels:
        _table(out, ["Integration provider", "Requirer", "Interface", "Type"],
               [[r["provider"], r["requirer"], r["interface"], r["type"]]
                for r in rels])
