#!/usr/bin/env python3
"""Stand-in nrpe subordinate: runs the checks its principal renders."""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin  # noqa: E402

PACKAGES = ["nagios-nrpe-server", "monitoring-plugins-basic"]
NRPE_D = "/etc/nagios/nrpe.d"
EXPORT = "/var/lib/nagios/export"
PLUGINS = "/usr/local/lib/nagios/plugins"
RESULTS = "/var/lib/nagios/standin-results.json"
RELATION = "nrpe-external-master"
TIMEOUT = 60  # seconds one check may take
COMMAND = re.compile(r"^command\[check_([^\]]+)\]=(.*)$", re.M)
STATES = {0: "ok", 1: "warning", 2: "critical"}  # anything else: unknown

# what the real nrpe charm ships as check_systemd.py: is the unit active?
CHECK_SYSTEMD = """#!/bin/sh
if systemctl is-active --quiet "$1"; then
    echo "OK: $1 is running"; exit 0
fi
echo "CRITICAL: $1 is not running"; exit 2
"""


def commands(nrpe_d=NRPE_D):
    """check name -> command line, from every .cfg in nrpe_d."""
    found = {}
    for name in sorted(os.listdir(nrpe_d)) if os.path.isdir(nrpe_d) else ():
        if name.endswith(".cfg"):
            with open(os.path.join(nrpe_d, name)) as f:
                found.update(COMMAND.findall(f.read()))
    return found


def run_as_nagios(command):
    """(exit code, first line of output) of `command` run as nagios."""
    try:
        out = subprocess.run(
            ["runuser", "-u", "nagios", "--", "sh", "-c", command],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return 3, "UNKNOWN: timed out after %d s" % TIMEOUT
    return out.returncode, (out.stdout.strip().splitlines() or [""])[0]


def run_checks(checks, runner=run_as_nagios):
    """{name: {"code": n, "output": line}}; an empty command (a script
    that was missing when the principal wrote it) is unknown."""
    results = {}
    for name, command in sorted(checks.items()):
        code, line = runner(command) if command.strip() else (
            3, "UNKNOWN: empty command")
        results[name] = {"code": code, "output": line}
    return results


def summary(results):
    """'6 ok, 1 critical: mistral-engine' (the names of checks not ok)."""
    counts = {}
    for result in results.values():
        state = STATES.get(result["code"], "unknown")
        counts[state] = counts.get(state, 0) + 1
    text = ", ".join("%d %s" % (n, state)
                     for state, n in sorted(counts.items()))
    bad = sorted(name for name, result in results.items()
                 if result["code"] != 0)
    return (text or "no checks") + (": " + ", ".join(bad) if bad else "")


def install():
    standin.apt_install(PACKAGES)
    for path in (NRPE_D, EXPORT, PLUGINS):
        os.makedirs(path, exist_ok=True)
    standin.run("chown", "nagios:nagios", EXPORT)
    standin.write_file(os.path.join(PLUGINS, "check_systemd.py"),
                       CHECK_SYSTEMD, mode=0o755)


def converge(hook):
    prefix = standin.config().get("nagios_host_context") or "juju"
    for rid in standin.relation_ids(RELATION):
        if standin.in_broken_hook_for(rid):
            continue
        for unit in standin.related_units(rid):
            standin.relation_set(rid, {
                "nagios_host_context": prefix,
                "nagios_hostname": "%s-%s" % (prefix, unit.replace("/", "-"))})
    results = run_checks(commands())
    standin.write_file(RESULTS, json.dumps(results, indent=1, sort_keys=True)
                       + "\n")
    standin.status_set("active", "checks: " + summary(results))


def handler(hook):
    if hook == "run-checks":  # on demand: juju exec ... hooks/run-checks
        print(json.dumps(run_checks(commands()), sort_keys=True))
        return
    if hook in ("stop", "remove"):
        return
    if hook in ("install", "upgrade-charm"):
        install()
    converge(hook)


if __name__ == "__main__":
    standin.main(handler)
