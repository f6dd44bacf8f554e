"""Hook ordering and commit semantics, end to end through the CLI."""
import json
import os
import re

from localcloud import paths
from localcloud.state.model import JUJU_VERSION


def test_deploy_order_peers_and_status(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "-n", "2")
    assert "a/0: start ... done (" in cloud.last[2]
    # start: status-set, juju-log, then config-get for `fail`
    assert ", 3 tool calls)\n" in cloud.last[2].split("a/0: start ... ")[1]
    assert cloud.hooks("a/0") == [
        "install", "cluster-relation-created", "leader-elected",
        "config-changed", "start", "cluster-relation-joined(a/1)",
        "cluster-relation-changed(a/1)"]
    assert cloud.hooks("a/1") == [
        "install", "cluster-relation-created", "leader-settings-changed",
        "config-changed", "start", "cluster-relation-joined(a/0)",
        "cluster-relation-changed(a/0)"]
    st = cloud.state()
    assert st.units["a/0"]["workload"]["status"] == "active"
    assert st.apps["a"]["leader"] == "a/0"
    out = cloud.ok("status")
    assert "a/0*" in out and "active" in out and "ready" in out
    log = cloud.ok("debug-log", "--replay", "--include", "a/0")
    assert "INFO unit.a/0.juju-log started a/0" in log
    assert re.search(r"INFO juju.worker.uniter hook start: [0-9.]+ s, 3 tool calls "
                     r"\(config-get 1, juju-log 1, status-set 1\)", log)
    stats = json.loads(cloud.ok("hook-stats", "a/0", "-n", "3"))
    assert len(stats) == 3
    assert stats[0]["hook"] == "hook start" and stats[0]["rc"] == 0
    assert stats[0]["tools"] == {"config-get": 1, "juju-log": 1, "status-set": 1}
    assert stats[0]["tool_calls"] == 3 and stats[0]["seconds"] > 0
    assert len(json.loads(cloud.ok("hook-stats", "a/0", "-n", "0"))) == 7
    # .jujuignore: /tests is not copied into the machine
    charm = paths.charm_dir(cloud.machine_of("a/0").juju_root, "a/0")
    assert os.path.exists(os.path.join(charm, "metadata.yaml"))
    assert not os.path.exists(os.path.join(charm, "tests"))
    assert os.path.islink(os.path.join(charm, "hooks", "install"))
    import subprocess
    jr = cloud.machine_of("a/0").juju_root
    res = subprocess.run([paths.jujud_path(jr, "0"), "version"],
                         capture_output=True, text=True)
    assert res.stdout.strip() == JUJU_VERSION + "-ubuntu-amd64"


def test_relation_data_flows_after_commit(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "--config", "say=password=secret")
    cloud.ok("deploy", cloud.charm("toy-b"), "b")
    cloud.ok("integrate", "a", "b")
    a_db = [h for h in cloud.hooks("a/0") if h.startswith("db-")]
    # b says nothing, and a never hears about its own writes
    assert a_db == ["db-relation-created", "db-relation-joined(b/0)",
                    "db-relation-changed(b/0)"]
    recs = [r for r in cloud.records("b/0") if r["hook"].startswith("db-")]
    assert recs[0]["hook"] == "db-relation-created"
    assert recs[1]["hook"] == "db-relation-joined" and recs[1]["members"] == ["a/0"]
    last = recs[-1]
    assert last["hook"] == "db-relation-changed" and last["remote"] == "a/0"
    addr = cloud.state().machines["0"]["address"]
    assert last["data"]["password"] == "secret"
    assert last["data"]["private-address"] == addr
    assert last["data"]["ingress-address"] == addr
    assert last["data"]["egress-subnets"] == addr + "/32"
    assert last["remote_app"] == "a"


def test_failed_hook_commits_nothing_then_resolved(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "--config",
             "say=password=secret", "--config", "fail=db-relation-joined")
    cloud.ok("deploy", cloud.charm("toy-b"), "b")
    rc, out, err = cloud.juju("integrate", "a", "b")
    assert rc == 1
    assert 'hook failed: "db-relation-joined"' in err
    assert "failing on purpose in db-relation-joined" in err
    st = cloud.state()
    assert st.units["a/0"]["error"]["message"] == 'hook failed: "db-relation-joined"'
    assert "error" in cloud.ok("status")
    assert all("password" not in r.get("data", {}) for r in cloud.records("b/0"))
    rc, _, err = cloud.juju("wait")
    assert rc == 1 and "failing on purpose" in err
    # fixing config queues config-changed behind the failed hook
    cloud.ok("config", "a", "fail=")
    assert cloud.hooks("a/0")[-1] == "db-relation-joined(b/0)"
    cloud.ok("resolved", "a/0")
    hooks = cloud.hooks("a/0")
    assert hooks[-3:] == ["db-relation-joined(b/0)", "db-relation-changed(b/0)",
                          "config-changed"]
    last = [r for r in cloud.records("b/0") if r["hook"] == "db-relation-changed"][-1]
    assert last["data"]["password"] == "secret"
    cloud.ok("wait", "--workload", "active")


def test_resolved_no_retry_skips(cloud):
    rc, _, _ = cloud.juju("deploy", cloud.charm("toy-a"), "a", "--config",
                          "fail=config-changed")
    assert rc == 1
    cloud.ok("resolved", "a/0", "--no-retry")
    assert cloud.hooks("a/0")[-2:] == ["config-changed", "start"]


def test_config_changes_and_types(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    n = len(cloud.hooks("a/0"))
    cloud.ok("config", "a", "count=5", "flag=true", "ratio=0.5")
    assert cloud.hooks("a/0")[n:] == ["config-changed"]
    assert cloud.ok("config", "a", "count").strip() == "5"
    rc, _, err = cloud.juju("config", "a", "count=five")
    assert rc == 1 and "count" in err
    rc, _, err = cloud.juju("config", "a", "nosuch=1")
    assert rc == 1
    cloud.ok("config", "a", "count=5")  # unchanged: no hook
    assert len(cloud.hooks("a/0")) == n + 1
    cloud.ok("config", "a", "--reset", "count")
    assert cloud.hooks("a/0")[-1] == "config-changed"
    app = cloud.state().apps["a"]
    assert app["config"] == {"flag": True, "ratio": 0.5}


def test_model_proxy_settings_reach_the_next_hooks_and_run_none(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    n = len(cloud.hooks("a/0"))
    assert cloud.records("a/0")[-1]["https_proxy"] == ""
    cloud.ok("model-config", "juju-https-proxy=http://10.9.8.7:3142")
    assert len(cloud.hooks("a/0")) == n
    assert cloud.ok("model-config", "juju-https-proxy").strip() == (
        "http://10.9.8.7:3142")
    cloud.ok("config", "a", "count=6")
    assert cloud.records("a/0")[-1]["https_proxy"] == "http://10.9.8.7:3142"
    rc, _, err = cloud.juju("model-config", "no-such-key=1")
    assert rc == 1 and "no-such-key" in err


def test_upgrade_machine_holds_hooks_between_prepare_and_complete(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "--series", "bookworm")
    n = len(cloud.hooks("a/0"))
    cloud.ok("upgrade-machine", "0", "prepare", "debian@13")
    assert cloud.hooks("a/0")[n:] == ["pre-series-upgrade"]
    cloud.ok("config", "a", "count=7")  # waits for complete
    assert cloud.hooks("a/0")[n + 1:] == []
    rc, _, err = cloud.juju("upgrade-machine", "0", "prepare", "debian@13")
    assert rc == 1 and "already" in err
    cloud.ok("upgrade-machine", "0", "complete")
    assert cloud.hooks("a/0")[n + 1:] == ["post-series-upgrade",
                                          "config-changed"]
    assert cloud.state().machines["0"]["series"] == "trixie"


def test_leader_set_notifies_others(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "-n", "2", "--config",
             "leader-say=token=abc")
    assert "leader-settings-changed" not in cloud.hooks("a/0")
    lsc = [r for r in cloud.records("a/1") if r["hook"] == "leader-settings-changed"]
    assert lsc[-1]["leader_settings"] == {"token": "abc"}
    assert cloud.state().apps["a"]["leader_settings"] == {"token": "abc"}


def test_remove_relation_departed_then_broken(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    cloud.ok("deploy", cloud.charm("toy-b"), "b", "-n", "2")
    cloud.ok("integrate", "a:db", "b:db")
    cloud.ok("remove-relation", "a", "b")
    recs = [r for r in cloud.records("a/0") if r["hook"].startswith("db-")][-3:]
    assert [(r["hook"], r.get("remote")) for r in recs] == [
        ("db-relation-departed", "b/0"), ("db-relation-departed", "b/1"),
        ("db-relation-broken", None)]
    assert recs[0]["members"] == ["b/1"]     # the departing unit is gone
    assert recs[1]["members"] == []
    assert recs[2]["members"] == []
    assert "private-address" in recs[0]["data"]  # departed data readable
    assert "remote" not in recs[2] and recs[2]["remote_app"] == "b"
    assert not [r for r in cloud.state().relations.values()
                if r["interface"] == "toydb"]


def test_add_remove_unit_and_leader_reelection(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    cloud.ok("add-machine")                        # kept when its unit goes
    cloud.ok("add-unit", "a", "--to", "1")
    assert cloud.hooks("a/1")[-2:] == ["cluster-relation-joined(a/0)",
                                       "cluster-relation-changed(a/0)"]
    assert cloud.hooks("a/0")[-2:] == ["cluster-relation-joined(a/1)",
                                       "cluster-relation-changed(a/1)"]
    cloud.ok("remove-unit", "a/0")
    gone = cloud.state()
    assert "a/0" not in gone.units and "0" not in gone.machines
    assert gone.apps["a"]["leader"] == "a/1"
    a1 = cloud.records("a/1")
    dep = [r for r in a1 if r["hook"] == "cluster-relation-departed"]
    assert dep and dep[0]["remote"] == "a/0" and dep[0]["departing"] == "a/0"
    assert dep[0]["members"] == []
    elected = [r for r in a1 if r["hook"] == "leader-elected"]
    assert elected and elected[0]["leader"] is True
    cloud.ok("add-unit", "a")
    assert cloud.hooks("a/2")[-2:] == ["cluster-relation-joined(a/1)",
                                       "cluster-relation-changed(a/1)"]
    # the leaving unit's own hooks: stop, -departed (itself departing), -broken
    agent = cloud.agent_dir("a/1")
    cloud.ok("remove-unit", "a/1")
    assert "1" in cloud.state().machines
    with open(os.path.join(agent, "record.jsonl")) as f:
        recs = [json.loads(line) for line in f]
    tail = [(r["hook"], r.get("remote"), r.get("departing")) for r in recs[-4:]]
    assert tail == [("stop", None, None),
                    ("cluster-relation-departed", "a/2", "a/1"),
                    ("cluster-relation-broken", None, None),
                    ("remove", None, None)]
    assert recs[-3]["members"] == [] and recs[-2]["members"] == []


def test_subordinate_container_scope(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    cloud.ok("deploy", cloud.charm("toy-sub"), "s")
    assert not cloud.state().units_of("s")
    cloud.ok("integrate", "s", "a")
    st = cloud.state()
    assert st.units["s/0"]["machine"] == st.units["a/0"]["machine"]
    assert st.units["s/0"]["principal"] == "a/0"
    assert cloud.hooks("s/0") == [
        "install", "hanode-relation-created", "juju-info-relation-created",
        "leader-elected", "config-changed", "start",
        "juju-info-relation-joined(a/0)", "juju-info-relation-changed(a/0)"]
    assert cloud.records("s/0")[0]["principal"] == "a/0"
    assert cloud.records("a/0")[0]["principal"] == ""
    assert [h for h in cloud.hooks("a/0") if "juju-info" in h] == [
        "juju-info-relation-created", "juju-info-relation-joined(s/0)",
        "juju-info-relation-changed(s/0)"]
    cloud.ok("add-unit", "a")
    st = cloud.state()
    assert st.units["s/1"]["principal"] == "a/1"
    joined = [r for r in cloud.records("s/1") if r["hook"] == "juju-info-relation-changed"]
    assert joined[-1]["members"] == ["a/1"]
    assert "hanode-relation-joined(s/0)" in cloud.hooks("s/1")
    assert "hanode-relation-joined(s/1)" in cloud.hooks("s/0")
    status = cloud.ok("status")
    assert "\n  s/1 " in status or "\n  s/1  " in status
    cloud.ok("remove-relation", "s", "a")
    assert not cloud.state().units_of("s")


def test_subordinate_waits_for_principal_start(cloud):
    rc, _, _ = cloud.juju("deploy", cloud.charm("toy-a"), "a", "--config",
                          "fail=start")
    assert rc == 1
    cloud.ok("deploy", cloud.charm("toy-sub"), "s")
    rc, _, _ = cloud.juju("integrate", "s", "a")
    assert cloud.state().units["s/0"]["principal"] == "a/0"
    assert cloud.hooks("s/0") == []
    cloud.ok("resolved", "a/0", "--no-retry")
    assert cloud.hooks("s/0")[0] == "install"


def test_actions(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    import yaml
    out = cloud.ok("run", "a/0", "hello", "name=bob")
    res = yaml.safe_load(out)
    assert res["status"] == "completed"
    assert res["results"]["greeting"] == "hello bob"
    assert res["results"]["times"] == "2"          # default filled in
    assert res["results"]["nested"] == {"key": "v"}
    assert res["results"]["return-code"] == 0
    assert "said hello" in res["results"]["stdout"]
    assert res["log"] == ["greeting bob"]
    for bad in (["times=3"], ["name=x", "extra=1"], ["name=x", "times=abc"]):
        rc, _, err = cloud.juju("run-action", "a/0", "hello", *bad, "--wait")
        assert rc == 1 and "validation failed" in err, err
    rc, _, err = cloud.juju("run", "a/0", "nosuch")
    assert rc == 1 and "not defined" in err
    rc, out, _ = cloud.juju("run-action", "a/0", "broken", "--wait")
    res = yaml.safe_load(out)
    assert rc == 1 and res["status"] == "failed" and res["message"] == "it broke"
    assert cloud.state().units["a/0"]["error"] is None


def test_refresh_and_update_status(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "-n", "2")
    n = len(cloud.hooks("a/1"))
    cloud.ok("refresh", "a")
    assert cloud.hooks("a/1")[n:] == ["upgrade-charm", "config-changed",
                                      "leader-settings-changed", "start"]
    assert cloud.hooks("a/0")[-3:] == ["upgrade-charm", "config-changed", "start"]
    cloud.ok("update-status", "a/0")
    assert cloud.hooks("a/0")[-1] == "update-status"
    assert cloud.hooks("a/1")[-1] == "start"


def test_bundle_and_entry_point(cloud, tmp_path):
    import subprocess
    import sys
    bundle = tmp_path / "bundle.yaml"
    rel = os.path.relpath(os.path.dirname(cloud.charm("toy-a")), tmp_path)
    cloud.charm("toy-b")
    bundle.write_text("""
default-base: debian@12
machines:
  "0": {}
applications:
  a:
    charm: %s/toy-a
    num_units: 1
    to: ["0"]
    options: {say: "k=1"}
  b:
    charm: %s/toy-b
    num_units: 1
    to: ["lxd:0"]
relations:
- [a:db, b:db]
""" % (rel, rel))
    cloud.ok("deploy", str(bundle))
    st = cloud.state()
    assert st.units["a/0"]["machine"] == st.units["b/0"]["machine"] == "0"
    last = [r for r in cloud.records("b/0") if r["hook"] == "db-relation-changed"][-1]
    assert last["data"]["k"] == "1"
    entry = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "localjuju")
    res = subprocess.run([sys.executable, entry, "status", "--format", "json"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    import json
    data = json.loads(res.stdout)
    assert data["applications"]["a"]["units"]["a/0"]["workload-status"]["current"] == "active"
    cloud.ok("remove-application", "b")
    assert "b" not in cloud.state().apps
    cloud.ok("destroy", "-y")
    assert cloud.state().units == {}


def test_stand_in_charms_get_the_shared_library_as_a_file():
    import io
    import tarfile
    from localcloud.agent import charm_archive
    tests = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    charms = os.path.join(tests, "charms")
    with open(os.path.join(charms, "lib", "standin.py"), "rb") as f:
        lib = f.read()
    for name in ("hacluster", "keystone", "mysql", "postgresql", "rabbitmq-server"):
        root = os.path.join(charms, name)
        with tarfile.open(fileobj=io.BytesIO(charm_archive.archive(root))) as tar:
            packed = tar.getmember("hooks/standin.py")
            assert packed.isfile() and packed.mode == 0o644
            assert tar.extractfile(packed).read() == lib
            assert tar.getmember("hooks/install").issym()
        assert "standin.py" in charm_archive.handlers(root)["hooks"]
