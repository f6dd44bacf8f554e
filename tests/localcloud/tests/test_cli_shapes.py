"""The juju 3 command shapes that scripts written for real Juju use (the
Mojo spec's): `run` on several units or `<app>/leader` with juju's JSON,
`exec --unit/--application/--machine`, `status --format`, `version`."""
import json

import yaml


def test_run_on_units_and_leader_prints_juju_shape(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "-n", "2")
    out = cloud.ok("run", "a/leader", "a/1", "hello", "name=bob",
                   "--format=json")
    tasks = json.loads(out)
    assert sorted(tasks) == ["a/0", "a/1"]
    task = tasks["a/0"]
    assert task["unit"] == "a/0" and task["status"] == "completed"
    assert task["results"]["greeting"] == "hello bob"
    assert task["results"]["return-code"] == 0
    assert set(task["timing"]) == {"enqueued", "started", "completed"}
    assert yaml.safe_load(cloud.ok("run", "a/1", "hello", "name=x",
                                   "--format", "yaml"))["a/1"]["status"] == \
        "completed"


def test_run_exits_1_when_a_task_fails_or_names_nothing(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    rc, out, _ = cloud.juju("run", "a/0", "broken", "--format=json")
    assert rc == 1
    assert json.loads(out)["a/0"]["message"] == "it broke"
    rc, _, err = cloud.juju("run", "b/leader", "hello")
    assert rc == 1 and 'application "b" not found' in err
    rc, _, err = cloud.juju("run", "a/0")
    assert rc == 1 and "usage: run <unit>" in err


def test_exec_on_one_unit_prints_its_output_and_exit_code(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a", "-n", "2")
    rc, out, _ = cloud.juju("exec", "--unit", "a/leader", "--", "echo", "hi;",
                            "exit", "3")
    assert (rc, out) == (3, "hi\n")
    out = cloud.ok("exec", "--application", "a", "--format=json", "echo ok")
    runs = json.loads(out)
    assert sorted(runs) == ["a/0", "a/1"]
    assert runs["a/1"]["results"] == {"return-code": 0, "stdout": "ok\n",
                                      "stderr": ""}
    assert runs["a/1"]["unit"] == "a/1"
    runs = yaml.safe_load(cloud.ok("exec", "--machine", "0,1", "true"))
    assert sorted(runs) == ["0", "1"] and runs["0"]["machine"] == "0"
    rc, _, err = cloud.juju("exec", "true")
    assert rc == 1 and "you must specify a target" in err


def test_status_formats_and_version(cloud):
    cloud.ok("deploy", cloud.charm("toy-a"), "a")
    data = json.loads(cloud.ok("status", "--format=json"))
    assert yaml.safe_load(cloud.ok("status", "--format=yaml")) == data
    unit = data["applications"]["a"]["units"]["a/0"]
    assert unit["workload-status"]["current"] == "active"
    assert unit["leader"] is True and unit["public-address"]
    assert cloud.ok("version").strip().startswith("3.")
