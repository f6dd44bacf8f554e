"""Debian 12 (Mistral 15, zed): the same bundle, driven with the stock
`mistral` command line client under Keystone auth."""

import json
import os
import subprocess

import mistral_cloud as cloud

SERIES = 'bookworm'


def mistral_cli(deployment, *args):
    """The stock client, with the admin credentials in its environment."""
    env = dict(os.environ, **deployment['env'])
    return subprocess.check_output(['mistral'] + list(args), env=env,
                                   universal_newlines=True)


def test_active_with_mistral_15(deployment):
    assert cloud.unit_status('mistral/0')['message'] == 'Unit is ready'
    version = cloud.status()['applications']['mistral']['version']
    assert version.startswith('15.')
    fixes, states = cloud.mistral_fixes('mistral/0')
    assert states == dict.fromkeys(fixes, 'applied') and len(fixes) == 4


def test_workflow_runs_from_the_cli(deployment, phase):
    for name in ('fanout_join.yaml', 'tick.yaml'):
        mistral_cli(deployment, 'workflow-create',
                    os.path.join(cloud.WORKFLOWS, name))
    with phase('bookworm: workflow'):
        execution_id = mistral_cli(
            deployment, 'execution-create', 'fanout_join',
            json.dumps({'msg': 'hi'}), '-f', 'value', '-c', 'ID').strip()
        execution = cloud.wait_for_execution(deployment['mistral'],
                                             execution_id)
    assert execution.state == 'SUCCESS', execution.state_info
    assert json.loads(execution.output)['joined'] == 'left hi and slept'


def test_joins_after_with_items_all_succeed(deployment, joins_rounds):
    joins_rounds(deployment, 'bookworm, 1 unit', ['mistral/0'])


def test_cron_trigger_fires(deployment, phase):
    mistral_cli(deployment, 'cron-trigger-create', '--pattern', '* * * * *',
                'bookworm_tick', 'tick', '{}')
    try:
        with phase('bookworm: cron trigger fires'):
            done = cloud.wait_for_cron_runs(deployment['mistral'], 'tick', 1,
                                            timeout=150)
    finally:
        mistral_cli(deployment, 'cron-trigger-delete', 'bookworm_tick')
    assert done and {e.state for e in done} == {'SUCCESS'}, done
