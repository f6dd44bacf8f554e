"""The nrpe stand-in's decisions: which commands it finds in nrpe.d (as
charmhelpers writes them), how it runs them and sums them up. Pure
functions, no machine."""

import pytest


@pytest.fixture(scope="module")
def hooks(standin_hooks):
    return standin_hooks("nrpe")


# what charmhelpers' Check.write() puts in /etc/nagios/nrpe.d
CFG = """# check {name}
# The following header was added automatically by juju
# Modifying it will affect nagios monitoring and alerting
# servicegroups: juju
command[check_{name}]={command}
"""


def test_every_command_in_nrpe_d_is_found_empty_ones_too(hooks, tmp_path):
    for name, command in (
            ("mistral-engine", "/usr/local/lib/nagios/plugins/"
                               "check_systemd.py mistral-engine"),
            ("haproxy_servers", ""),
            ("mistral_executions", "/p/check_mistral_executions.py "
                                   "--minutes 60 --config /etc/m.conf")):
        (tmp_path / ("check_%s.cfg" % name)).write_text(
            CFG.format(name=name, command=command))
    (tmp_path / "README").write_text("command[check_x]=not a cfg file\n")
    assert hooks.commands(str(tmp_path)) == {
        "mistral-engine": "/usr/local/lib/nagios/plugins/check_systemd.py "
                          "mistral-engine",
        "haproxy_servers": "",
        "mistral_executions": "/p/check_mistral_executions.py --minutes 60 "
                              "--config /etc/m.conf"}


def test_no_nrpe_d_yet_is_no_checks(hooks, tmp_path):
    assert hooks.commands(str(tmp_path / "missing")) == {}


def test_checks_run_an_empty_command_is_unknown(hooks):
    ran = []

    def runner(command):
        ran.append(command)
        return (2, "CRITICAL: down") if "engine" in command else (0, "OK")

    results = hooks.run_checks({"engine": "check engine", "api": "check api",
                                "haproxy_servers": " "}, runner)
    assert ran == ["check api", "check engine"]
    assert results == {
        "api": {"code": 0, "output": "OK"},
        "engine": {"code": 2, "output": "CRITICAL: down"},
        "haproxy_servers": {"code": 3, "output": "UNKNOWN: empty command"}}
    assert hooks.summary(results) == (
        "1 critical, 1 ok, 1 unknown: engine, haproxy_servers")


def test_all_ok_names_none(hooks):
    assert hooks.summary({"a": {"code": 0, "output": ""}}) == "1 ok"
    assert hooks.summary({}) == "no checks"


def test_a_check_runs_as_nagios_and_a_hung_one_is_unknown(hooks, monkeypatch):
    calls = []

    def run(argv, **kwargs):
        calls.append(argv)
        if "hang" in argv[-1]:
            raise hooks.subprocess.TimeoutExpired(argv, kwargs["timeout"])
        return hooks.subprocess.CompletedProcess(
            argv, 2, stdout="CRITICAL: down\nmore detail\n")

    monkeypatch.setattr(hooks.subprocess, "run", run)
    assert hooks.run_as_nagios("check x") == (2, "CRITICAL: down")
    assert calls == [["runuser", "-u", "nagios", "--", "sh", "-c",
                      "check x"]]
    assert hooks.run_as_nagios("hang") == (3, "UNKNOWN: timed out after 60 s")
