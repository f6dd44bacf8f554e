"""The juju-like command line of the local cloud (entry point: tests/localjuju).

Mutating commands change the model through state/operations.py, then drain
the hook queues until idle, printing progress on stderr.  They exit 1 when a
hook failed meanwhile, showing its output.
"""
import argparse
import heapq
import json
import os
import sys
import time

import yaml

from .. import paths
from ..agent.runner import DrainTimeout, Runner
from ..state import actions as actionlib
from ..state import bundle as bundlelib
from ..state import charm as charmlib
from ..state import model, operations
from ..state.model import SERIES_BASES, OpError
from ..state.scheduling import stuck_units
from ..state.status import unit_status
from . import status_view


def _dump_yaml(data):
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False,
                          allow_unicode=True)


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

    def run_action(self, a, juju3=False):
        aid = self._apply(actionlib.request, a.unit, a.action, a.params)
        if not (a.wait or juju3):
            self.print("Action queued with id: %s" % aid)
        rc = self.drain()
        rec = model.read().actions[aid]
        if a.wait or juju3:
            report = actionlib.report(rec)
            if getattr(a, "format", "yaml") == "json":
                self.print(json.dumps(report, indent=2))
            else:
                self.out.write(_dump_yaml(report))
            if rec["status"] != "completed":
                return 1
        return rc

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

    def machines(self, a):
        status_view.machine_table(model.read(), self.out)
        return 0

    def ssh(self, a):
        """Run a command as root on a unit's (or a machine's) machine."""
        st = model.read()
        if "/" in a.target:
            if a.target not in st.units:
                raise OpError("unit %s not found" % a.target)
            machine_id = st.units[a.target]["machine"]
        else:
            machine_id = a.target
        if machine_id not in st.machines:
            raise OpError("machine %s not found" % machine_id)
        res = self.runner.provider.get(machine_id).run(a.command)
        self.out.write(res.stdout)
        self.err.write(res.stderr)
        return res.returncode

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

    for names, juju3 in ((["run-action"], False), (["run"], True)):
        sp = cmd(names, "run3" if juju3 else "run_action", "run an action on a unit")
        sp.add_argument("unit")
        sp.add_argument("action")
        sp.add_argument("params", nargs="*", help="key=value (values are YAML)")
        sp.add_argument("--wait", action="store_true")
        sp.add_argument("--format", default="yaml", choices=["yaml", "json"])
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
    sp = cmd("machines", "machines", "list machines")
    sp = cmd(["ssh", "exec"], "ssh", "run a command as root on a unit's machine")
    sp.add_argument("target", help="unit (mistral/0) or machine id")
    sp.add_argument("command", nargs="+")
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
        if args.fn == "run3":
            return cli.run_action(args, juju3=True)
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
