"""Drains the units' hook queues by running hooks on the machines.

No daemon: every mutating CLI command queues hooks and then calls
Runner.drain(), which starts one thread per machine with work.  A thread
holds that machine's file lock (so hooks of a machine, principal and
subordinates alike, run one at a time, also across CLI processes), claims
the next item atomically in the model (state/scheduling.py), runs it and
hands the result to state/outcomes.py.  An item left "running" by an
interrupted process is put back and re-run by the next process that takes
the machine lock.
"""
import json
import os
import shlex
import sys
import threading
import time
import traceback
import uuid

from .. import paths
from ..machines import get_provider
from ..state import model, outcomes, provisioning, scheduling
from ..state.model import JUJU_VERSION
from ..state.queue import describe
from . import charm_archive, context

HOOK_TIMEOUT = float(os.environ.get("LOCALCLOUD_HOOK_TIMEOUT", "3600"))
JUJUD_SCRIPT = "#!/bin/sh\necho %s-ubuntu-amd64\n" % JUJU_VERSION
# The tool names linked to the dispatcher (Juju's names only).
HOOK_TOOLS = (
    "relation-get", "relation-set", "relation-ids", "relation-list",
    "config-get", "unit-get", "network-get", "status-get", "status-set",
    "application-version-set", "juju-log", "open-port", "close-port",
    "opened-ports", "is-leader", "leader-get", "leader-set", "action-get",
    "action-set", "action-fail", "action-log", "goal-state", "juju-reboot",
)


class DrainTimeout(Exception):
    pass


def _log_line(unit, level, logger, message, when=None):
    t = time.strftime("%H:%M:%S", time.gmtime(when or time.time()))
    return "unit-%s: %s %s %s %s\n" % (paths.unit_tag(unit), t, level,
                                       logger, message)


def append_log(unit, lines):
    path = paths.unit_log(unit)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.writelines(lines)


def _count_calls(mach, path):
    """{tool: calls} from the tool server's one-name-a-line file."""
    counts = {}
    try:
        names = mach.read_file(path).decode().split()
    except OSError:
        return counts
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return counts


class Runner:
    def __init__(self, provider=None, out=None, verbose=True):
        self.provider = provider or get_provider()
        self.out = out or sys.stderr
        self.verbose = verbose
        self._machines = {}
        self._prepared = set()
        self._wake = threading.Event()
        self._print_lock = threading.Lock()

    def say(self, text):
        if self.verbose:
            with self._print_lock:
                self.out.write(text + "\n")
                self.out.flush()

    # ---- the loop ---------------------------------------------------------------
    def drain(self, timeout=None):
        """Run hooks until no machine has work.  Raises DrainTimeout."""
        deadline = time.time() + timeout if timeout else None
        threads = {}
        while True:
            st = model.read()
            work = [mid for mid in st.machines
                    if scheduling.machine_has_work(st, mid)]
            for mid in work:
                t = threads.get(mid)
                if t is None or not t.is_alive():
                    t = threading.Thread(target=self._machine_worker,
                                         args=(mid,), daemon=True)
                    threads[mid] = t
                    t.start()
            if not work and not any(t.is_alive() for t in threads.values()):
                return
            if deadline and time.time() > deadline:
                raise DrainTimeout()
            self._wake.wait(0.2)
            self._wake.clear()

    def _machine_worker(self, mid):
        try:
            with model.flock(paths.machine_lock(mid)):
                machine = self._ensure_machine(mid)
                if machine is None:
                    return
                while True:
                    job = self._claim(mid)
                    if job is None:
                        break
                    try:
                        self._execute(machine, job)
                    except Exception:
                        # Setup or provider trouble fails this hook/action,
                        # not the whole machine.
                        self._fail_job(job, traceback.format_exc())
                    self._wake.set()
                self._reap_machine(mid)
        except Exception as e:  # keep the other machines going; show why
            self.say("machine %s: internal error: %r" % (mid, e))
            traceback.print_exc(file=self.out)
            with model.locked() as st:
                provisioning.machine_failed(st, mid, repr(e))
        finally:
            self._wake.set()

    # ---- machines -----------------------------------------------------------------
    def _ensure_machine(self, mid):
        st = model.read()
        m = st.machines.get(mid)
        if m is None:
            return None
        if m["status"] == "pending":
            self.say("machine %s: creating (%s) ..." % (mid, m["series"]))
            t0 = time.time()
            try:
                mach = self.provider.create(mid, m["series"])
            except Exception as e:
                with model.locked() as st:
                    provisioning.machine_failed(st, mid, str(e))
                self.say("machine %s: creating FAILED: %s" % (mid, e))
                return None
            with model.locked() as st:
                provisioning.machine_created(st, mid, mach)
            self.say("machine %s: created, %s (%.1f s)" % (
                mid, mach.address, time.time() - t0))
            self._wake.set()
        elif m["status"] != "started":
            return None
        else:
            mach = self._machines.get(mid) or self.provider.get(mid)
        self._machines[mid] = mach
        if mid not in self._prepared:
            jr = mach.juju_root
            for src, dest, mode in (
                    (paths.JUJUC_SRC, paths.dispatcher_path(jr), 0o755),
                    (paths.HOOKTOOLS_SRC, paths.hooktools_path(jr), 0o644)):
                with open(src) as f:
                    mach.write_file(dest, f.read(), mode)
            mach.write_file(paths.jujud_path(jr, mid), JUJUD_SCRIPT, 0o755)
            self._prepared.add(mid)
        return mach

    def _reap_machine(self, mid):
        st = model.read()
        m = st.machines.get(mid)
        if m and m.get("life") == "dying" and not st.units_on(mid):
            self.say("machine %s: removing" % mid)
            self.provider.destroy(mid)
            with model.locked() as st:
                provisioning.machine_removed(st, mid)
            self._machines.pop(mid, None)
            self._prepared.discard(mid)

    # ---- claiming -------------------------------------------------------------------
    def _claim(self, mid):
        """Atomically take the next hook or action of a unit on this machine,
        with what it runs with, read in the same model snapshot."""
        with model.locked() as st:
            taken = scheduling.claim(st, mid)
            if taken is None:
                return None
            name, item, action = taken
            u = st.units[name]
            jr = st.machines[u["machine"]]["juju_root"]
            ctx_id = "%s-%s-%s" % (name, uuid.uuid4().hex[:12],
                                   action["name"] if action else item["hook"])
            return {"unit": name, "action": action, "item": item,
                    "ctx": context.build(st, name, item, ctx_id, action),
                    "env": context.hook_env(st, name, item, ctx_id, jr, action),
                    "setup": self._setup_needs(st, u)}

    @staticmethod
    def _setup_needs(st, u):
        app = st.apps[u["app"]]
        return {"tools": not u["tools_ready"],
                "charm": app["charm"] if u["charm_rev"] != app["revision"] else None,
                "revision": app["revision"], "handlers": u["handlers"]}

    # ---- running --------------------------------------------------------------------
    def _setup_unit(self, mach, unit, setup):
        jr = mach.juju_root
        env = {"PATH": paths.SYSTEM_PATH, "LANG": "C.UTF-8"}
        if setup["tools"]:
            d = paths.unit_tools_dir(jr, unit)
            script = "mkdir -p %s && cd %s && for t in %s; do ln -sfn ../jujuc.py $t; done" % (
                shlex.quote(d), shlex.quote(d), " ".join(HOOK_TOOLS))
            self._check(mach.run(["/bin/sh", "-c", script], env=env), "tools")
        handlers = setup["handlers"]
        if setup["charm"]:
            agent = paths.agent_dir(jr, unit)
            tarball = agent + "/charm.tar.gz"
            mach.write_file(tarball, charm_archive.archive(setup["charm"]), 0o600)
            script = ("mkdir -p charm && tar --no-same-owner -xzf charm.tar.gz "
                      "-C charm && rm -f charm.tar.gz")
            self._check(mach.run(["/bin/sh", "-c", script], env=env, cwd=agent),
                        "charm copy")
            handlers = charm_archive.handlers(setup["charm"])
        if setup["tools"] or setup["charm"]:
            with model.locked() as st:
                provisioning.unit_prepared(
                    st, unit, handlers,
                    setup["revision"] if setup["charm"] else None)
        return handlers

    @staticmethod
    def _check(res, what):
        if res.returncode != 0:
            raise RuntimeError("%s failed: %s%s" % (what, res.stdout, res.stderr))

    def _execute(self, mach, job):
        unit = job["unit"]
        handlers = self._setup_unit(mach, unit, job["setup"])
        action, item = job["action"], job["item"]
        jr = mach.juju_root
        if handlers["dispatch"]:
            argv = ["./dispatch"]
        elif action:
            argv = ["actions/" + action["name"]] \
                if action["name"] in handlers["actions"] else None
        else:
            argv = ["hooks/" + item["hook"]] \
                if item["hook"] in handlers["hooks"] else None
        what = ("action %s" % action["name"]) if action else describe(item)
        logger = "unit.%s.%s" % (unit, action["name"] if action else item["hook"])
        ctx = job["ctx"]
        t0 = time.time()
        rc, stdout, stderr = 0, "", ""
        calls = {}
        if argv:
            path = paths.context_file(jr, unit)
            calls_path = paths.tool_calls_file(jr, unit)
            mach.write_file(path, json.dumps(ctx), 0o600)
            mach.write_file(calls_path, "", 0o600)
            append_log(unit, [_log_line(unit, "INFO", "juju.worker.uniter",
                                        "running %s" % what)])
            # The tool server execs the hook in its own process.
            argv = [paths.MACHINE_PYTHON, "-IS", paths.hooktools_path(jr),
                    "serve-hook", path, calls_path, "--"] + argv
            try:
                res = mach.run(argv, env=job["env"],
                               cwd=paths.charm_dir(jr, unit),
                               timeout=HOOK_TIMEOUT)
                rc, stdout, stderr = res.returncode, res.stdout or "", res.stderr or ""
            except Exception as e:  # timeout, not executable, ...
                rc, stderr = 1, "%s: %s\n" % (argv[0], e)
            try:
                ctx = json.loads(mach.read_file(path))
            except Exception:
                pass
            calls = _count_calls(mach, calls_path)
        elif action:
            rc, stderr = 1, "action %r not implemented on unit\n" % action["name"]
        elapsed = time.time() - t0
        self._write_logs(unit, logger, ctx, stdout, stderr)
        if action:
            self._finish_action(unit, action, ctx, rc, stdout, stderr)
        else:
            self._finish_hook(unit, item, ctx, rc, stdout, stderr)
        if argv:
            self._record_stats(unit, what if action else "hook " + what, rc,
                               elapsed, calls)
            self.say("%s: %s ... %s (%.1f s, %d tool calls)" % (
                unit, what, "done" if rc == 0 or action else
                "FAILED (exit %d)" % rc, elapsed, sum(calls.values())))
        if rc == 0 and ctx["pending"].get("reboot"):
            self.say("machine %s: rebooting (juju-reboot)" % mach.id)
            self.provider.stop(mach.id, kill=False)
            self.provider.start(mach.id)

    def _fail_job(self, job, text):
        unit = job["unit"]
        self.say("%s: %s ... FAILED (local cloud error)" % (
            unit, describe(job["item"]) if job["item"] else
            "action " + job["action"]["name"]))
        append_log(unit, [_log_line(unit, "ERROR", "juju.worker.uniter", ln)
                          for ln in text.splitlines()])
        if job["action"]:
            self._finish_action(unit, job["action"], job["ctx"], 1, "", text)
        else:
            self._finish_hook(unit, job["item"], job["ctx"], 1, "", text)

    @staticmethod
    def _record_stats(unit, what, rc, elapsed, calls):
        """Per finished hook or action: a debug-log line and a hook-stats
        record (`localjuju hook-stats`)."""
        n = sum(calls.values())
        by_tool = sorted(calls.items(), key=lambda kv: (-kv[1], kv[0]))
        append_log(unit, [_log_line(unit, "INFO", "juju.worker.uniter",
                                    "%s: %.2f s, %d tool calls (%s)" % (
                                        what, elapsed, n, ", ".join(
                                            "%s %d" % kv for kv in by_tool)))])
        with open(paths.hook_stats(unit), "a") as f:
            f.write(json.dumps({"hook": what, "rc": rc, "finished": time.time(),
                                "seconds": round(elapsed, 3), "tool_calls": n,
                                "tools": dict(by_tool)}) + "\n")

    @staticmethod
    def _write_logs(unit, logger, ctx, stdout, stderr):
        lines = [_log_line(unit, "DEBUG", logger, ln) for ln in stdout.splitlines()]
        lines += [_log_line(unit, "WARNING", logger, ln) for ln in stderr.splitlines()]
        for level, msg, _ in ctx["pending"]["logs"]:
            lines.append(_log_line(unit, level, "unit.%s.juju-log" % unit, msg))
        append_log(unit, lines)

    @staticmethod
    def _finish_hook(unit, item, ctx, rc, stdout, stderr):
        with model.locked() as st:
            outcomes.hook_finished(st, unit, item, ctx, rc, stdout, stderr)

    @staticmethod
    def _finish_action(unit, action, ctx, rc, stdout, stderr):
        with model.locked() as st:
            outcomes.action_finished(st, unit, action, ctx, rc, stdout, stderr)
