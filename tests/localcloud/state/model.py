"""Persistent model state: one JSON file (model.json) changed only under an flock.

The state is a plain dict so it round-trips through JSON; `State` adds small
helpers.  `locked()` is the only way to change it: load, mutate, save
atomically.  Shapes (all keys are strings in JSON):

  machines[id]      id, series, status (pending|started|error|stopped),
                    address, interface, cidr, juju_root, instance, message
  applications[n]   charm (host path), meta/options/actions (charm yaml),
                    config (set values), series, subordinate, leader,
                    next_unit, version, status (set by leader), revision,
                    leader_settings, life, peers {endpoint: relation id}
  units[name]       app, machine, principal ("" on principals), life,
                    workload {status,message,since}, agent {status,since},
                    queue [hook items], running (item|None), error (|None),
                    actions [ids], ports, charm_rev (deployed revision),
                    tools_ready, installed, start_ran
  relations[id]     id, interface, scope (global|container), life,
                    endpoints [{app,name,role}], scope_units [names],
                    units {unit: bag}, apps {app: bag}, views {unit: [remote
                    units this unit has seen join]}
  actions[id]       id, unit, name, params, status, message, results, log,
                    stdout, stderr, return-code, enqueued, started, completed
"""
import contextlib
import datetime
import fcntl
import json
import os
import uuid

from .. import paths

JUJU_VERSION = "3.6.1"
MODEL_NAME = "local"
CONTROLLER_NAME = "localcloud"
# Debian codename -> base, as `juju status` prints it.
SERIES_BASES = {"bookworm": "debian@12", "trixie": "debian@13",
                "forky": "debian@14"}
DEFAULT_SERIES = "bookworm"


class OpError(Exception):
    """A user error in a model operation (the CLI prints it, exits 1)."""


# what `juju model-config` sets that a unit's hooks see (as JUJU_CHARM_*)
MODEL_PROXY_KEYS = ("juju-http-proxy", "juju-https-proxy", "juju-ftp-proxy",
                    "juju-no-proxy")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")


def _empty():
    return {
        "name": MODEL_NAME,
        "uuid": str(uuid.uuid4()),
        "next_machine": 0,
        "next_relation": 0,
        "next_action": 1,
        "machines": {},
        "applications": {},
        "units": {},
        "relations": {},
        "actions": {},
        "config": {},
    }


@contextlib.contextmanager
def flock(path, exclusive=True):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield fd
    finally:
        os.close(fd)


def _load():
    try:
        with open(paths.model_file()) as f:
            return json.load(f)
    except FileNotFoundError:
        return _empty()


def _save(data):
    path = paths.model_file()
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


@contextlib.contextmanager
def locked():
    """Yield a State; saved atomically if the block ends without exception.

    Never nest: the flock is taken on a fresh descriptor each time, so a
    nested call from the same thread would wait on itself.
    """
    with flock(paths.model_lock()):
        st = State(_load())
        yield st
        _save(st.d)


def read():
    """A consistent snapshot for reading only."""
    with flock(paths.model_lock(), exclusive=False):
        return State(_load())


def exists():
    return os.path.exists(paths.model_file())


def wipe():
    with flock(paths.model_lock()):
        try:
            os.unlink(paths.model_file())
        except FileNotFoundError:
            pass


class State:
    def __init__(self, data):
        self.d = data

    # ---- collections ----------------------------------------------------
    @property
    def machines(self):
        return self.d["machines"]

    @property
    def apps(self):
        return self.d["applications"]

    @property
    def units(self):
        return self.d["units"]

    @property
    def relations(self):
        return self.d["relations"]

    @property
    def actions(self):
        return self.d["actions"]

    # ---- lookups ----------------------------------------------------------
    def rel(self, rid):
        return self.relations.get(str(rid))

    def units_of(self, app, alive_only=False):
        out = [u for u in self.units.values() if u["app"] == app
               and (not alive_only or u["life"] == "alive")]
        return sorted(out, key=lambda u: unit_number(u["name"]))

    def units_on(self, machine_id):
        return sorted((u for u in self.units.values()
                       if u["machine"] == machine_id), key=lambda u: u["name"])

    def subordinates_of(self, unit_name):
        return sorted((u for u in self.units.values()
                       if u["principal"] == unit_name), key=lambda u: u["name"])

    def is_leader(self, unit_name):
        u = self.units[unit_name]
        return self.apps[u["app"]]["leader"] == unit_name

    def relations_of(self, app):
        return [r for r in self.relations.values()
                if any(e["app"] == app for e in r["endpoints"])]

    # ---- allocation ---------------------------------------------------------
    def add_machine(self, series):
        mid = str(self.d["next_machine"])
        self.d["next_machine"] += 1
        self.machines[mid] = {
            "id": mid, "series": series, "status": "pending", "address": "",
            "interface": "", "cidr": "", "juju_root": "", "instance": "",
            "message": "", "since": now(),
        }
        return mid

    def next_relation_id(self):
        rid = self.d["next_relation"]
        self.d["next_relation"] += 1
        return rid

    def next_action_id(self):
        aid = str(self.d["next_action"])
        self.d["next_action"] += 1
        return aid


def unit_number(name):
    return int(name.rsplit("/", 1)[1])


def app_of(unit_name):
    return unit_name.rsplit("/", 1)[0]


def _port_key(p):
    if p == "icmp":
        return (1, 0, 0, "")
    rng, _, proto = p.partition("/")
    lo, _, hi = rng.partition("-")
    return (0, int(lo), int(hi or lo), proto)


def sorted_ports(ports):
    """Opened ports in the order Juju lists them, each once."""
    return sorted(set(ports), key=_port_key)
