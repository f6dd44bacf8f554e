"""Drains the units' hook queues by running hooks on the machines.

No daemon: every mutating CLI command queues hooks and then calls
Runner.drain(), which starts one thread per machine with work.  A thread
holds that machine's file lock (so hooks of a machine, principal and
subordinates alike, run one at a time, also across CLI processes), claims
the next item atomically in the model, runs it and applies the result.  An
item left "running" by an interrupted process is put back and re-run by the
next process that takes the machine lock.
"""
import json
import os
import shlex
import sys
import threading
import time
import uuid

from . import charm as charmlib
from . import context, events, layout, model
from .model import now

HOOK_TIMEOUT = float(os.environ.get("LOCALCLOUD_HOOK_TIMEOUT", "3600"))
JUJUD_SCRIPT = "#!/bin/sh\necho %s-ubuntu-amd64\n" % layout.JUJU_VERSION


class DrainTimeout(Exception):
    pass


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
    if head["kind"] in ("joined", "changed") and head["remote_unit"]:
        # A remote unit is seen only once it runs on its machine and has
        # installed its charm (Juju enters relation scope after install).
        r = st.units.get(head["remote_unit"])
        if r and r["life"] == "alive" and not (
                events.machine_started(st, r["machine"]) and r["installed"]):
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


def _log_line(unit, level, logger, message, when=None):
    t = time.strftime("%H:%M:%S", time.gmtime(when or time.time()))
    return "unit-%s: %s %s %s %s\n" % (layout.unit_tag(unit), t, level,
                                       logger, message)


def append_log(unit, lines):
    path = layout.unit_log(unit)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.writelines(lines)


def describe(item):
    if item["rid"] is not None and item["remote_unit"]:
        return "%s (%s)" % (item["hook"], item["remote_unit"])
    return item["hook"]


class Runner:
    def __init__(self, provider=None, out=None, verbose=True):
        if provider is None:
            from .provider import get_provider
            provider = get_provider()
        self.provider = provider
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
            work = [mid for mid in st.machines if machine_has_work(st, mid)]
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
            with model._flock(layout.machine_lock(mid)):
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
                        import traceback
                        self._fail_job(job, traceback.format_exc())
                    self._wake.set()
                self._reap_machine(mid)
        except Exception as e:  # keep the other machines going; show why
            self.say("machine %s: internal error: %r" % (mid, e))
            import traceback
            traceback.print_exc(file=self.out)
            with model.locked() as st:
                m = st.machines.get(mid)
                if m:
                    m.update(status="error", message=repr(e), since=now())
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
                    st.machines[mid].update(status="error", message=str(e),
                                            since=now())
                self.say("machine %s: creating FAILED: %s" % (mid, e))
                return None
            with model.locked() as st:
                st.machines[mid].update(
                    status="started", address=mach.address,
                    interface=mach.interface, cidr=mach.cidr,
                    juju_root=mach.juju_root, since=now(),
                    instance="localcloud-%s" % mid, message="")
                events.on_machine_started(st, mid)
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
            with open(layout.HOOKTOOLS_SRC) as f:
                mach.write_file(layout.dispatcher_path(jr), f.read(), 0o755)
            mach.write_file(layout.jujud_path(jr, mid), JUJUD_SCRIPT, 0o755)
            self._prepared.add(mid)
        return mach

    def _reap_machine(self, mid):
        st = model.read()
        m = st.machines.get(mid)
        if m and m.get("life") == "dying" and not st.units_on(mid):
            self.say("machine %s: removing" % mid)
            self.provider.destroy(mid)
            with model.locked() as st:
                if not st.units_on(mid):
                    st.machines.pop(mid, None)
            self._machines.pop(mid, None)
            self._prepared.discard(mid)

    # ---- claiming -------------------------------------------------------------------
    def _claim(self, mid):
        """Atomically take the next hook or action of a unit on this machine,
        with relation membership updated as Juju does before a hook."""
        with model.locked() as st:
            for u in st.units_on(mid):
                if u["running"]:
                    self._requeue_stale(st, u)
            for u in st.units_on(mid):
                while claimable(st, u):
                    job = self._take(st, u)
                    if job:
                        return job
        return None

    @staticmethod
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

    def _take(self, st, u):
        name = u["name"]
        ctx_id = "%s-%s" % (name, uuid.uuid4().hex[:12])
        jr = st.machines[u["machine"]]["juju_root"]
        if u["actions"] and u["installed"]:
            aid = u["actions"].pop(0)
            rec = st.actions.get(aid)
            if not rec:
                return None
            rec.update(status="running", started=now())
            u["running"] = {"action": aid}
            u["agent"] = {"status": "executing", "since": now()}
            ctx_id += "-" + rec["name"]
            return {"unit": name, "action": dict(rec), "item": None,
                    "ctx": context.build(st, name, None, ctx_id, rec),
                    "env": context.hook_env(st, name, None, ctx_id, jr, rec),
                    "setup": self._setup_needs(st, u)}
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
        ctx_id += "-" + item["hook"]
        return {"unit": name, "action": None, "item": item,
                "ctx": context.build(st, name, item, ctx_id),
                "env": context.hook_env(st, name, item, ctx_id, jr),
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
        env = {"PATH": layout.SYSTEM_PATH, "LANG": "C.UTF-8"}
        if setup["tools"]:
            d = layout.unit_tools_dir(jr, unit)
            script = "mkdir -p %s && cd %s && for t in %s; do ln -sfn ../jujuc.py $t; done" % (
                shlex.quote(d), shlex.quote(d), " ".join(layout.HOOK_TOOLS))
            self._check(mach.run(["/bin/sh", "-c", script], env=env), "tools")
        handlers = setup["handlers"]
        if setup["charm"]:
            agent = layout.agent_dir(jr, unit)
            tarball = agent + "/charm.tar.gz"
            mach.write_file(tarball, charmlib.archive(setup["charm"]), 0o600)
            script = ("mkdir -p charm && tar --no-same-owner -xzf charm.tar.gz "
                      "-C charm && rm -f charm.tar.gz")
            self._check(mach.run(["/bin/sh", "-c", script], env=env, cwd=agent),
                        "charm copy")
            handlers = charmlib.handlers(setup["charm"])
        if setup["tools"] or setup["charm"]:
            with model.locked() as st:
                u = st.units.get(unit)
                if u:
                    u["tools_ready"] = True
                    u["handlers"] = handlers
                    if setup["charm"]:
                        u["charm_rev"] = setup["revision"]
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
        if argv:
            path = layout.context_file(jr, unit)
            mach.write_file(path, json.dumps(ctx), 0o600)
            append_log(unit, [_log_line(unit, "INFO", "juju.worker.uniter",
                                        "running %s" % what)])
            try:
                res = mach.run(argv, env=job["env"],
                               cwd=layout.charm_dir(jr, unit),
                               timeout=HOOK_TIMEOUT)
                rc, stdout, stderr = res.returncode, res.stdout or "", res.stderr or ""
            except Exception as e:  # timeout, not executable, ...
                rc, stderr = 1, "%s: %s\n" % (argv[0], e)
            try:
                ctx = json.loads(mach.read_file(path))
            except Exception:
                pass
        elif action:
            rc, stderr = 1, "action %r not implemented on unit\n" % action["name"]
        elapsed = time.time() - t0
        self._write_logs(unit, logger, ctx, stdout, stderr)
        if action:
            self._finish_action(unit, action, ctx, rc, stdout, stderr)
        else:
            self._finish_hook(unit, item, ctx, rc, stdout, stderr)
        if argv:
            self.say("%s: %s ... %s (%.1f s)" % (
                unit, what, "done" if rc == 0 or action else
                "FAILED (exit %d)" % rc, elapsed))
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
    def _write_logs(unit, logger, ctx, stdout, stderr):
        lines = [_log_line(unit, "DEBUG", logger, ln) for ln in stdout.splitlines()]
        lines += [_log_line(unit, "WARNING", logger, ln) for ln in stderr.splitlines()]
        for level, msg, _ in ctx["pending"]["logs"]:
            lines.append(_log_line(unit, level, "unit.%s.juju-log" % unit, msg))
        append_log(unit, lines)

    @staticmethod
    def _finish_hook(unit, item, ctx, rc, stdout, stderr):
        ok = rc == 0
        with model.locked() as st:
            u = st.units.get(unit)
            if not u:
                return
            u["running"] = None
            u["agent"] = {"status": "idle", "since": now()}
            context.apply(st, unit, ctx, ok)
            if not ok:
                data = {"hook": item["hook"]}
                if item["rid"] is not None:
                    data["relation-id"] = item["rid"]
                    if item["remote_unit"]:
                        data["remote-unit"] = item["remote_unit"]
                u["error"] = {"item": item, "since": now(), "data": data,
                              "message": 'hook failed: "%s"' % item["hook"],
                              "rc": rc, "stdout": stdout[-20000:],
                              "stderr": stderr[-20000:]}
                return
            if item["hook"] == "start":
                u["start_ran"] = True
            if item["hook"] == "install":
                u["installed"] = True
                if not ctx["pending"]["status_set"]:
                    u["workload"] = {"status": "unknown", "message": "",
                                     "since": now()}
            elif item["kind"] == "broken":
                rel = st.rel(item["rid"])
                if rel:
                    events.leave_scope(st, rel, unit)
                events.gc(st)
            elif item["hook"] == "remove":
                events.finish_removal(st, unit)

    @staticmethod
    def _finish_action(unit, action, ctx, rc, stdout, stderr):
        pa = ctx["pending"]["action"]
        with model.locked() as st:
            rec = st.actions.get(action["id"])
            u = st.units.get(unit)
            if u:
                u["running"] = None
                u["agent"] = {"status": "idle", "since": now()}
                context.apply(st, unit, ctx, rc == 0)
            if not rec:
                return
            failed = pa["failed"]
            if failed is None and rc != 0:
                failed = "exit status %d" % rc
            rec.update(status="failed" if failed is not None else "completed",
                       message=failed or "", results=pa["results"],
                       log=pa["log"], stdout=stdout, stderr=stderr,
                       completed=now())
            rec["return-code"] = rc


def resolve(st, unit_name, retry=True):
    """`resolved`: re-queue the failed hook (or drop it with --no-retry)."""
    u = st.units.get(unit_name)
    if not u:
        raise events.OpError('unit "%s" not found' % unit_name)
    if not u["error"]:
        raise events.OpError('unit "%s" is not in an error state' % unit_name)
    item = u["error"]["item"]
    u["error"] = None
    if retry:
        u["queue"].insert(0, item)
    elif item["kind"] == "broken":
        rel = st.rel(item["rid"])
        if rel:
            events.leave_scope(st, rel, unit_name)
        events.gc(st)
    elif item["hook"] == "remove":
        events.finish_removal(st, unit_name)
    elif item["hook"] == "start":
        u["start_ran"] = True
