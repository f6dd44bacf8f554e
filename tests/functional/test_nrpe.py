"""NRPE on the one-unit bundle: the stand-in nrpe subordinate runs the
checks the charm renders, as the real nrpe charm's NRPE server would."""

import json
import time

import mistral_cloud as cloud

SERIES = 'forky'
NRPE_UNIT = 'nrpe/0'
RESULTS = '/var/lib/nagios/standin-results.json'
STUCK_MINUTES = 1


def run_checks():
    """{check: (exit code, first line)} of every check, run now."""
    cloud.localjuju('update-status', NRPE_UNIT)
    results = json.loads(cloud.on_unit(NRPE_UNIT, 'cat', RESULTS))
    return {name: (r['code'], r['output']) for name, r in results.items()}


def not_ok(results):
    return {name: r for name, r in results.items() if r[0] != 0}


def test_the_checks_are_ok_critical_on_a_stopped_engine_and_a_stuck_run(
        deployment, ops_figures):
    client = deployment['mistral']
    if 'nrpe' not in cloud.status()['applications']:
        cloud.localjuju('deploy', cloud.NRPE_CHARM)
    cloud.localjuju('add-relation', 'mistral:nrpe-external-master',
                    'nrpe:nrpe-external-master')
    cloud.localjuju('config', 'mistral', 'nagios-stuck-execution-minutes={}'
                    .format(STUCK_MINUTES))
    cloud.wait(workload='active')
    healthy = run_checks()
    assert {'mistral-engine', 'mistral_api', 'mistral_executions',
            'mistral_fixes'} <= set(healthy), healthy
    assert not_ok(healthy) == {}

    stopped = time.time()
    cloud.on_unit('mistral/0', 'systemctl', 'stop', 'mistral-engine')
    try:
        engine_down = run_checks()
        engine_seconds = time.time() - stopped
    finally:
        cloud.on_unit('mistral/0', 'systemctl', 'start', 'mistral-engine')
    assert set(not_ok(engine_down)) == {'mistral-engine'}, engine_down
    assert engine_down['mistral-engine'][0] == 2 and engine_seconds < 60

    cloud.ensure_workflow(client, 'long_sleep.yaml')
    held = client.executions.create('long_sleep',
                                    workflow_input={'seconds': 600})
    try:
        time.sleep(STUCK_MINUTES * 60 + 15)
        stuck = run_checks()
    finally:
        client.executions.update(held.id, 'CANCELLED')
    assert set(not_ok(stuck)) == {'mistral_executions'}, stuck
    assert stuck['mistral_executions'][0] == 2
    assert held.id in stuck['mistral_executions'][1]
    ops_figures['nrpe'] = 'yes'

    cloud.localjuju('remove-relation', 'mistral', 'nrpe')
    cloud.wait(workload='active')
    left = cloud.on_unit('mistral/0', 'sh', '-c',
                         'ls /etc/nagios/nrpe.d | grep mistral || true')
    assert left.strip() == ''
    cloud.localjuju('remove-application', 'nrpe')
