"""The juju-like command line of the local cloud (entry point: tests/localjuju).

Mutating commands change the model through state/operations.py, then drain
the hook queues until idle, printing progress on stderr.  They exit 1 when a
hook failed meanwhile, showing its output.
"""
import argparse
import heapq
import json
import os
import re
import sys
import time

import yaml

from .. import paths
from ..agent.runner import DrainTimeout, Runner
from ..state import actions as actionlib
from ..state import bundle as bundlelib
from ..state import charm as charmlib
from ..state import model, operations
from ..state.model import JUJU_VERSION, MODEL_PROXY_KEYS, SERIES_BASES, OpError
from ..state.scheduling import stuck_units
from ..state.status import unit_status
from . import status_view


def _dump_yaml(data):
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False,
                          allow_unicode=True)


# `run`'s leading words that name units: app/N or app/leader
UNIT_ARG = re.compile(r"^[a-z][a-z0-9-]*/(\d+|leader)$")


def resolve_unit(st, name):
    """A unit name, `<app>/leader` read as the application's leader."""
    app, _, number = name.partition("/")
    if number == "leader":
        if app not in st.apps:
            raise OpError('application "%s" not found' % app)
        leader = st.apps[app]["leader"]
        if not leader:
            raise OpError('application "%s" has no leader' % app)
        return leader
    if name not in st.units:
        raise OpError('unit "%s" not found' % name)
    return name


def exec_targets(st, a):
    """[(kind, name, machine id)] that `exec`'s options name, in order."""
    targets = []
    for word in a.unit or []:
        for name in filter(None, word.split(",")):
            unit = resolve_unit(st, name)
            targets.append(("unit", unit, st.units[unit]["machine"]))
    for word in a.application or []:
        for app in filter(None, word.split(",")):
            if app not in st.apps:
                raise OpError('application "%s" not found' % app)
            targets += [("unit", u["name"], u["machine"])
                        for u in st.units_of(app, alive_only=True)]
    machines = [m for w in a.machine or [] for m in w.split(",") if m]
    if a.all:
        machines = sorted(st.machines, key=int)
    for mid in machines:
        if mid not in st.machines:
            raise OpError("machine %s not found" % mid)
        targets.append(("machine", mid, mid))
    if not targets:
        raise OpError("you must specify a target: --all, --machine, "
                      "--application or --unit")
    return targets


class Cli:
    def __init__(self, out=None, err=None, provider=None):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._provider = provider
        self._runner = None

    @property
    def runner(self):
        if self._runner is None:
            self._runner = Runner(self._provider, out=self.err)
        return self._runner

    def print(self, *a):
        print(*a, file=self.out)

    # ---- helpers ------------------------------------------------------------
    @staticmethod
    def _apply(operation, *args, **kwargs):
        """The CLI's one way to change the model: a state operation, under
        the model lock."""
        with model.locked() as st:
            return operation(st, *args, **kwargs)

    def drain(self, timeout=None):
        """Run queued hooks; 1 if a unit went into error meanwhile."""
        started = model.now()
        self.runner.drain(timeout)
        st = model.read()
        failed = [u for u in st.units.values()
                  if u["error"] and u["error"]["since"] >= started]
        for u in failed:
            self.show_error(u)
        broken = [m for m in st.machines.values()
                  if m["status"] == "error" and m["since"] >= started]
        for m in broken:
            self.err.write("ERROR machine %s: %s\n" % (m["id"], m["message"]))
        return 1 if failed or broken else 0

    def show_error(self, u):
        e = u["error"]
        self.err.write("%s: %s (exit %s)\n" % (u["name"], e["message"], e["rc"]))
        for label in ("stdout", "stderr"):
            text = e.get(label) or ""
            lines = text.splitlines()[-60:]
            if lines:
                self.err.write("---- %s of %s (last %d lines) ----\n" % (
                    label, e["item"]["hook"], len(lines)))
                self.err.write("\n".join(lines) + "\n")
        self.err.write("(fix it, then: localjuju resolved %s)\n" % u["name"])

    @staticmethod
    def _config_args(words, options):
        """--config file.yaml (juju format: {app: {k: v}} or {k: v}) or k=v."""
        values = {}
        for w in words or []:
            if "=" in w and not os.path.exists(w):
                k, _, v = w.partition("=")
                values[k] = v
            else:
                with open(w) as f:
                    data = yaml.safe_load(f) or {}
                values.update(data)
        return values

    # ---- commands -------------------------------------------------------------
    def deploy(self, a):
        path = a.charm
        if os.path.isfile(path) and not charmlib.is_packed(path):
            for line in self._apply(bundlelib.deploy, path, a.series):
                self.err.write(line + "\n")
            return self.drain()
        ch = charmlib.load(path)
        name = a.name or ch["meta"]["name"]
        config = self._config_args(a.config, ch["options"])
        if name in config and isinstance(config[name], dict):
            config = config[name]
        units = self._apply(operations.deploy, ch, name, a.series, config,
                            a.num_units, a.to)
        self.err.write("Deployed %s (%s)%s\n" % (
            name, ch["meta"]["name"], ": " + ", ".join(units) if units else ""))
        return self.drain()

    def relate(self, a):
        rel = self._apply(operations.relate, a.a, a.b)
        eps = rel["endpoints"]
        self.err.write("Related %s:%s %s:%s (id %d)\n" % (
            eps[0]["app"], eps[0]["name"], eps[1]["app"], eps[1]["name"], rel["id"]))
        return self.drain()

    def unrelate(self, a):
        self._apply(operations.unrelate, a.a, a.b)
        return self.drain()

    def add_unit(self, a):
        units = self._apply(operations.add_units, a.app, a.num_units, a.to)
        self.err.write("Added %s\n" % ", ".join(units))
        return self.drain()

    def remove_unit(self, a):
        self._apply(operations.remove_units, a.units, a.force)
        return self.drain()

    def remove_application(self, a):
        self._apply(operations.remove_application, a.app, a.force)
        return self.drain()

    def config(self, a):
        sets, gets = {}, []
        for w in a.args:
            if "=" in w:
                k, _, v = w.partition("=")
                sets[k] = v
            else:
                gets.append(w)
        if a.file:
            with open(a.file) as f:
                data = yaml.safe_load(f) or {}
            data = data.get(a.app, data) if isinstance(data.get(a.app), dict) else data
            sets.update(data)
        reset = [k for r in a.reset or [] for k in r.split(",") if k]
        if not sets and not reset:
            st = model.read()
            app = st.apps.get(a.app)
            if not app:
                raise OpError('application "%s" not found' % a.app)
            cfg = charmlib.full_config(app["options"], app["config"])
            if gets:
                for k in gets:
                    if k not in app["options"]:
                        raise OpError('key "%s" not found in "%s" application config'
                                      % (k, a.app))
                    v = cfg[k]
                    self.print("" if v is None else
                               (str(v).lower() if isinstance(v, bool) else v))
                return 0
            settings = {}
            for k, opt in sorted(app["options"].items()):
                opt = opt or {}
                entry = {"default": opt.get("default"),
                         "description": opt.get("description", ""),
                         "source": "user" if k in app["config"] else "default",
                         "type": charmlib.option_type(opt)}
                if cfg[k] is not None:
                    entry["value"] = cfg[k]
                settings[k] = entry
            self.out.write(_dump_yaml({"application": a.app,
                                       "charm": app["charm_name"],
                                       "settings": settings}))
            return 0
        self._apply(operations.set_config, a.app, sets, reset)
        return self.drain()

    def model_config(self, a):
        sets = dict(w.partition("=")[::2] for w in a.args if "=" in w)
        if sets:
            self._apply(operations.set_model_config, sets)
            return 0
        current = model.read().d.get("config", {})
        for k in [w for w in a.args if "=" not in w] or MODEL_PROXY_KEYS:
            self.print(current.get(k, "") if a.args else
                       "%s: %s" % (k, current.get(k, "")))
        return 0

    def refresh(self, a):
        rev = self._apply(operations.refresh, a.app, a.path)
        self.err.write("Refreshed %s to revision %d\n" % (a.app, rev))
        return self.drain()

    def update_status(self, a):
        self._apply(operations.update_status, a.target)
        return self.drain()

    def resolved(self, a):
        self._apply(operations.resolve, a.unit, retry=not a.no_retry)
        return self.drain()

    def run_action(self, a):
        """`run-action` (juju 2): one unit, queued or (--wait) waited for."""
        unit = resolve_unit(model.read(), a.unit)
        aid = self._apply(actionlib.request, unit, a.action, a.params)
        if not a.wait:
            self.print("Action queued with id: %s" % aid)
        rc = self.drain()
        rec = model.read().actions[aid]
        if a.wait:
            self.out.write(_dump_yaml(actionlib.report(rec)))
            if rec["status"] != "completed":
                return 1
        return rc

    def run(self, a):
        """`run` (juju 3): `run <unit> [<unit> ...] <action> [k=v ...]`,
        waited for.  Without --format, the flat report of each task; with
        --format json|yaml, juju's shape: {unit: {id, results, status, ...}}.
        Exit 1 if a task did not complete."""
        st = model.read()
        units, rest = [], list(a.words)
        while rest and UNIT_ARG.match(rest[0]):
            units.append(resolve_unit(st, rest.pop(0)))
        if not units or not rest:
            raise OpError("usage: run <unit> [<unit> ...] <action> [key=value ...]")
        action, params = rest[0], rest[1:]
        ids = [self._apply(actionlib.request, u, action, params) for u in units]
        self.drain()
        records = [model.read().actions[aid] for aid in ids]
        if a.format:
            shaped = {rec["unit"]: actionlib.juju_report(rec) for rec in records}
            if a.format == "json":
                self.print(json.dumps(shaped, indent=2))
            else:
                self.out.write(_dump_yaml(shaped))
        else:
            for rec in records:
                self.out.write(_dump_yaml(actionlib.report(rec)))
        return 0 if all(r["status"] == "completed" for r in records) else 1

    def show_action(self, a):
        rec = model.read().actions.get(a.id)
        if not rec:
            raise OpError('operation "%s" not found' % a.id)
        self.out.write(_dump_yaml(actionlib.report(rec)))
        return 0

    def wait(self, a):
        deadline = time.time() + a.timeout if a.timeout else None
        while True:
            remaining = deadline - time.time() if deadline else None
            try:
                self.runner.drain(remaining)
            except DrainTimeout:
                self.err.write("ERROR timed out waiting for the model to settle\n")
                return 1
            st = model.read()
            errors = [u for u in st.units.values() if u["error"]]
            if errors:
                for u in errors:
                    self.show_error(u)
                return 1
            blocked = stuck_units(st)
            if blocked:
                self.err.write("ERROR units cannot progress: %s\n" % ", ".join(
                    u["name"] for u in blocked))
                return 1
            bad_machines = [m for m in st.machines.values() if m["status"] == "error"]
            if bad_machines:
                for m in bad_machines:
                    self.err.write("ERROR machine %s: %s\n" % (m["id"], m["message"]))
                return 1
            if not a.workload:
                return 0
            off = [u for u in st.units.values()
                   if unit_status(u)["status"] != a.workload]
            if not off:
                return 0
            # Nothing runs by itself here: only another CLI process can still
            # change things, so poll until the deadline (if any).
            if deadline is None or time.time() > deadline:
                for u in off:
                    s = unit_status(u)
                    self.err.write("%s: %s %s\n" % (u["name"], s["status"],
                                                    s["message"]))
                self.err.write("ERROR not every unit is %s\n" % a.workload)
                return 1
            time.sleep(1)

    def add_machine(self, a):
        ids = self._apply(operations.add_machines, a.series, a.num)
        self.err.write("created machine %s\n" % ", ".join(ids))
        return self.drain()

    def upgrade_machine(self, a):
        self._apply(operations.upgrade_machine, a.machine, a.step, a.base)
        return self.drain()

    def machines(self, a):
        status_view.machine_table(model.read(), self.out)
        return 0

    def ssh(self, a):
        """Run a command as root on a unit's (or a machine's) machine."""
        st = model.read()
        target = a.target
        if "/" in target:
            unit = resolve_unit(st, target)
            machine_id = st.units[unit]["machine"]
        else:
            machine_id = target
        if machine_id not in st.machines:
            raise OpError("machine %s not found" % machine_id)
        res = self.runner.provider.get(machine_id).run(a.command)
        self.out.write(res.stdout)
        self.err.write(res.stderr)
        return res.returncode

    def exec(self, a):
        """juju 3's `exec --unit U|--application A|--machine M|--all -- cmd`:
        the command as root on each target's machine (not in a hook context:
        no hook tools).  One target: its output and exit code, as juju
        prints it; several, or --format json|yaml: {target: {results:
        {return-code, stdout, stderr}, status, unit|machine}}."""
        st = model.read()
        targets = exec_targets(st, a)
        if not a.command:
            raise OpError("no commands specified")
        # as juju does: the words joined into one shell command line
        command = ["sh", "-c", " ".join(a.command)]
        results = {}
        for kind, name, machine_id in targets:
            res = self.runner.provider.get(machine_id).run(command)
            results[name] = {"results": {"return-code": res.returncode,
                                         "stdout": res.stdout,
                                         "stderr": res.stderr},
                             "status": "completed", kind: name}
        failed = any(r["results"]["return-code"] for r in results.values())
        if len(results) == 1 and not a.format:
            (only,) = results.values()
            self.out.write(only["results"]["stdout"])
            self.err.write(only["results"]["stderr"])
            return only["results"]["return-code"]
        if a.format == "json":
            self.print(json.dumps(results, indent=2))
        else:
            self.out.write(_dump_yaml(results))
        return 1 if failed else 0

    def version(self, a):
        self.print(JUJU_VERSION + "-genericlinux-amd64")
        return 0

    def destroy(self, a):
        if not a.yes:
            self.err.write("This removes every local-cloud machine and the model. "
                           "Continue? (y/N): ")
            self.err.flush()
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                self.err.write("aborted\n")
                return 1
        provider = self.runner.provider
        self.err.write("destroying all machines ...\n")
        provider.destroy_all()
        model.wipe()
        logs = paths.log_dir()
        if os.path.isdir(logs):
            for fn in os.listdir(logs):
                os.unlink(os.path.join(logs, fn))
        self.err.write("done\n")
        return 0

    def status(self, a):
        st = model.read()
        if a.format == "json":
            self.print(json.dumps(status_view.status_data(st), indent=1))
        elif a.format == "yaml":
            self.out.write(_dump_yaml(status_view.status_data(st)))
        else:
            status_view.tables(st, self.out)
        return 0

    def debug_log(self, a):
        logdir = paths.log_dir()
        try:
            files = sorted(os.listdir(logdir))
        except FileNotFoundError:
            files = []
        wanted = set()
        for inc in a.include or []:
            tag = inc[5:] if inc.startswith("unit-") else paths.unit_tag(inc)
            wanted.add(tag)

        def keep(fn):
            tag = fn[len("unit-"):-len(".log")]
            if not wanted:
                return True
            return tag in wanted or tag.rsplit("-", 1)[0] in wanted

        streams = []
        for fn in files:
            if fn.endswith(".log") and keep(fn):
                with open(os.path.join(logdir, fn)) as f:
                    streams.append(f.readlines())
        levels = ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
        floor = levels.index(a.level.upper()) if a.level else 0

        def level_ok(line):
            parts = line.split(" ", 4)
            return len(parts) < 4 or parts[2] not in levels or \
                levels.index(parts[2]) >= floor
        lines = [ln for ln in heapq.merge(*streams, key=lambda ln: ln.split(" ", 2)[1:2])
                 if level_ok(ln)]
        if not a.replay:
            lines = lines[-a.lines:]
        self.out.write("".join(lines))
        return 0

    def hook_stats(self, a):
        """The unit's last hooks and actions: time and tool calls, as JSON."""
        try:
            with open(paths.hook_stats(a.unit)) as f:
                records = [json.loads(line) for line in f]
        except FileNotFoundError:
            records = []
        self.print(json.dumps(records[-a.lines:] if a.lines else records, indent=1))
        return 0


def build_parser():
    p = argparse.ArgumentParser(prog="localjuju", description=__doc__)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def cmd(names, fn, help):
        names = names if isinstance(names, list) else [names]
        sp = sub.add_parser(names[0], aliases=names[1:], help=help)
        sp.set_defaults(fn=fn)
        return sp

    sp = cmd("deploy", "deploy", "deploy a .charm, a charm directory or a bundle.yaml")
    sp.add_argument("charm")
    sp.add_argument("name", nargs="?")
    sp.add_argument("-n", "--num-units", type=int, default=1)
    sp.add_argument("--config", action="append", help="file.yaml or key=value")
    sp.add_argument("--to")
    sp.add_argument("--series", choices=sorted(SERIES_BASES))

    sp = cmd(["integrate", "add-relation", "relate"], "relate", "relate two applications")
    sp.add_argument("a")
    sp.add_argument("b")
    sp = cmd("remove-relation", "unrelate", "remove a relation")
    sp.add_argument("a")
    sp.add_argument("b")

    sp = cmd("config", "config", "get or set application config")
    sp.add_argument("app")
    sp.add_argument("args", nargs="*", help="key (get) or key=value (set)")
    sp.add_argument("--reset", action="append")
    sp.add_argument("--file")

    sp = cmd("model-config", "model_config",
             "get or set the model's juju-*-proxy settings")
    sp.add_argument("args", nargs="*", help="key (get) or key=value (set)")

    sp = cmd("status", "status", "show the model")
    sp.add_argument("--format", default="tabular", choices=["tabular", "yaml", "json"])

    sp = cmd("debug-log", "debug_log", "show unit logs")
    sp.add_argument("--include", action="append")
    sp.add_argument("--replay", action="store_true")
    sp.add_argument("-n", "--lines", type=int, default=10)
    sp.add_argument("--level")

    sp = cmd("hook-stats", "hook_stats",
             "a unit's last hooks: wall time and hook-tool calls (JSON)")
    sp.add_argument("unit")
    sp.add_argument("-n", "--lines", type=int, default=20, help="last N (0: all)")

    sp = cmd("add-unit", "add_unit", "add units to an application")
    sp.add_argument("app")
    sp.add_argument("-n", "--num-units", type=int, default=1)
    sp.add_argument("--to")
    sp = cmd("remove-unit", "remove_unit", "remove units")
    sp.add_argument("units", nargs="+")
    sp.add_argument("--force", action="store_true",
                    help="forget the unit without running its hooks")
    sp = cmd("remove-application", "remove_application", "remove an application")
    sp.add_argument("app")
    sp.add_argument("--force", action="store_true")

    sp = cmd("run-action", "run_action", "run an action on a unit (juju 2)")
    sp.add_argument("unit", help="unit, or <app>/leader")
    sp.add_argument("action")
    sp.add_argument("params", nargs="*", help="key=value (values are YAML)")
    sp.add_argument("--wait", action="store_true")
    sp = cmd("run", "run", "run an action on units and wait (juju 3)")
    sp.add_argument("words", nargs="+", metavar="unit|action|key=value",
                    help="<unit> [<unit> ...] <action> [key=value ...]; "
                         "a unit may be <app>/leader")
    sp.add_argument("--format", choices=["yaml", "json"],
                    help="juju's shape, keyed by unit")
    sp.add_argument("--wait", help="accepted for juju 3 compatibility")
    sp = cmd(["show-action-output", "show-operation", "show-task"], "show_action",
             "show an action's result")
    sp.add_argument("id")

    sp = cmd(["resolved", "resolve"], "resolved", "retry (or skip) a failed hook")
    sp.add_argument("unit")
    sp.add_argument("--no-retry", action="store_true")
    sp = cmd(["refresh", "upgrade-charm"], "refresh", "re-copy the charm, run upgrade-charm")
    sp.add_argument("app")
    sp.add_argument("--path")
    sp = cmd("update-status", "update_status", "run update-status now")
    sp.add_argument("target", nargs="?")

    sp = cmd("wait", "wait", "run queued hooks until idle; check for errors")
    sp.add_argument("--timeout", type=float)
    sp.add_argument("--workload")
    sp = cmd("upgrade-machine", "upgrade_machine",
             "prepare a machine's series upgrade, or complete it (juju 3)")
    sp.add_argument("machine")
    sp.add_argument("step", choices=["prepare", "complete"])
    sp.add_argument("base", nargs="?", help="prepare: e.g. debian@13")
    sp.add_argument("-y", "--yes", action="store_true")
    sp = cmd("machines", "machines", "list machines")
    sp = cmd("ssh", "ssh", "run a command as root on a unit's machine")
    sp.add_argument("target", help="unit (mistral/0, mistral/leader) or machine id")
    sp.add_argument("command", nargs="+")
    sp = cmd("exec", "exec", "run a command on units or machines (juju 3)")
    sp.add_argument("-u", "--unit", action="append", help="units, comma-separated")
    sp.add_argument("-a", "--application", action="append")
    sp.add_argument("--machine", action="append")
    sp.add_argument("--all", action="store_true")
    sp.add_argument("--format", choices=["yaml", "json"])
    sp.add_argument("command", nargs="*")
    cmd("version", "version", "print the version juju would")
    sp = cmd("add-machine", "add_machine", "create a machine")
    sp.add_argument("--series", choices=sorted(SERIES_BASES))
    sp.add_argument("-n", dest="num", type=int, default=1)
    sp = cmd(["destroy", "destroy-model", "kill-controller"], "destroy",
             "remove every machine and the model")
    sp.add_argument("-y", "--yes", "--no-prompt", action="store_true")
    return p


def main(argv=None, out=None, err=None, provider=None):
    args = build_parser().parse_args(argv)
    cli = Cli(out, err, provider)
    os.makedirs(paths.home(), exist_ok=True)
    try:
        return getattr(cli, args.fn)(args)
    except (OpError, charmlib.CharmError) as e:
        cli.err.write("ERROR %s\n" % e)
        return 1
    except DrainTimeout:
        cli.err.write("ERROR timed out\n")
        return 1
    except KeyboardInterrupt:
        cli.err.write("interrupted; `localjuju wait` resumes queued hooks\n")
        return 130
