"""Hook items and the units' hook queues.

A hook item is a dict:
  {"hook": "db-relation-joined", "kind": "joined", "rid": 3,
   "remote_unit": "mysql/0", "remote_app": "mysql", "departing_unit": ""}
Non-relation hooks have kind == hook and rid None.
"""
from .model import app_of
from .relations import local_endpoint, remote_app


def hook_item(name):
    return {"hook": name, "kind": name, "rid": None, "remote_unit": "",
            "remote_app": "", "departing_unit": ""}


def rel_item(st, rel, unit, kind, remote_unit="", departing=""):
    app = app_of(unit)
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


def describe(item):
    if item["remote_unit"]:
        return "%s (%s)" % (item["hook"], item["remote_unit"])
    return item["hook"]
