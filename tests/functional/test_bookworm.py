"""Debian 12 (Mistral 15, zed): a smoke test of the same bundle."""

import cloud

SERIES = 'bookworm'


def test_active_with_mistral_15(deployment):
    assert cloud.unit_status('mistral/0')['message'] == 'Unit is ready'
    version = cloud.status()['applications']['mistral']['version']
    assert version.startswith('15.')


def test_workflow_runs(deployment, phase):
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'fanout_join.yaml')
    with phase('bookworm: workflow'):
        execution = cloud.run_workflow(client, 'fanout_join', {'msg': 'hi'})
    assert execution.state == 'SUCCESS', execution.state_info
