"""Fixtures for the core's tests: a fresh local cloud on DirMachines, and
the stand-in charms' hooks as modules."""
import importlib.util
import io
import json
import os
import shutil
import sys

import pytest
import yaml

from localcloud import paths
from localcloud.cli import commands
from localcloud.machines.dirmachine import DirMachineProvider
from localcloud.state import model

HERE = os.path.dirname(os.path.abspath(__file__))
CHARMS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "charms")


@pytest.fixture(scope="module")
def standin_hooks():
    """load(charm): that stand-in's hooks.py as a module, importing standin
    (and pki) from its own hooks/ as it does in a machine."""
    saved = {name: sys.modules.pop(name, None) for name in ("standin", "pki")}
    added = []

    def load(charm):
        hooks = os.path.join(CHARMS, charm, "hooks")
        sys.path.insert(0, hooks)
        added.append(hooks)
        name = charm.replace("-", "_") + "_hooks"
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(hooks, "hooks.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    yield load
    for hooks in added:
        sys.path.remove(hooks)
        sys.modules.pop(os.path.basename(os.path.dirname(hooks)).replace(
            "-", "_") + "_hooks", None)
    for name, module in saved.items():
        sys.modules.pop(name, None)
        if module is not None:
            sys.modules[name] = module


PLAIN_HOOKS = ["install", "leader-elected", "leader-settings-changed",
               "config-changed", "start", "stop", "remove", "upgrade-charm",
               "update-status", "pre-series-upgrade", "post-series-upgrade"]


def assemble(src, dest):
    """Copy a toy charm and link every hook it can get to common/hook.sh."""
    shutil.copytree(src, dest, symlinks=True)
    meta = yaml.safe_load(open(os.path.join(dest, "metadata.yaml")))
    hooks = os.path.join(dest, "hooks")
    os.makedirs(hooks, exist_ok=True)
    shutil.copy2(os.path.join(HERE, "charms", "common", "hook.sh"),
                 os.path.join(hooks, "hook.sh"))
    names = list(PLAIN_HOOKS)
    eps = ["juju-info"]
    for key in ("provides", "requires", "peers"):
        eps += list((meta.get(key) or {}).keys())
    for ep in set(eps):
        names += ["%s-relation-%s" % (ep, k) for k in
                  ("created", "joined", "changed", "departed", "broken")]
    for n in names:
        if not os.path.lexists(os.path.join(hooks, n)):
            os.symlink("hook.sh", os.path.join(hooks, n))
    return dest


class Cloud:
    def __init__(self, tmp):
        self.tmp = tmp
        self.provider = DirMachineProvider()

    def juju(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        rc = commands.main(list(argv), out=out, err=err, provider=self.provider)
        self.last = (rc, out.getvalue(), err.getvalue())
        return self.last

    def ok(self, *argv):
        rc, out, err = self.juju(*argv)
        assert rc == 0, "localjuju %s -> %d\n%s\n%s" % (" ".join(argv), rc, out, err)
        return out

    def charm(self, name):
        dest = os.path.join(self.tmp, "charms", name)
        if not os.path.exists(dest):
            assemble(os.path.join(HERE, "charms", name), dest)
        return dest

    def state(self):
        return model.read()

    def machine_of(self, unit):
        st = self.state()
        return self.provider.get(st.units[unit]["machine"])

    def agent_dir(self, unit):
        return paths.agent_dir(self.machine_of(unit).juju_root, unit)

    def records(self, unit, strip=True):
        try:
            with open(os.path.join(self.agent_dir(unit), "record.jsonl")) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def hooks(self, unit):
        return [r["hook"] + ("(%s)" % r["remote"] if r.get("remote") else "")
                for r in self.records(unit)]


@pytest.fixture
def cloud(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALCLOUD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOCALCLOUD_PROVIDER", "dir")
    monkeypatch.delenv("LOCALCLOUD_DIRMACHINES", raising=False)
    return Cloud(str(tmp_path))
