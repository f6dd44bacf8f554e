"""Debian 12 (Mistral 15, zed): the same bundle, driven with the stock
`mistral` command line client under Keystone auth."""

import json
import os
import subprocess
import time

import cron_ticks
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
    assert fixes and states == dict.fromkeys(fixes, 'applied')


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


# ---- zed (Debian 12) to epoxy (Debian 13), one machine at a time ----------

UPGRADE_BASE = 'debian@13'
# what an operator runs between `upgrade-machine prepare` and `complete`:
# Debian's release upgrade, keeping the configuration files the charm wrote
DIST_UPGRADE = (
    "sed -i 's/bookworm/trixie/g' /etc/apt/sources.list.d/debian.sources && "
    "apt-get update -q && DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 "
    "apt-get full-upgrade -qy -o Dpkg::Options::=--force-confdef "
    "-o Dpkg::Options::=--force-confold >/var/log/dist-upgrade.log 2>&1 "
    "|| { tail -40 /var/log/dist-upgrade.log; exit 1; }")
FINISHED = ('SUCCESS', 'ERROR', 'CANCELLED')


def test_zed_to_epoxy_one_machine_at_a_time_keeps_everything(
        deployment, ops_figures, phase):
    client = deployment['mistral']
    with phase('bookworm: a second unit'):
        cloud.localjuju('add-unit', 'mistral')
        cloud.wait(workload='active')
    units = cloud.mistral_units()
    assert len(units) == 2
    for name in ('fanout_join.yaml', 'tick.yaml', 'sleep_rounds.yaml'):
        cloud.ensure_workflow(client, name)
    finished = [cloud.run_workflow(client, 'fanout_join', {'msg': 'zed'})
                for _ in range(3)]
    running = [client.executions.create('sleep_rounds',
                                        workflow_input={'rounds': 60})
               for _ in range(2)]
    trigger = client.cron_triggers.create('upgrade_tick', 'tick', {},
                                          pattern='* * * * *')
    workflows = {w.name for w in client.workflows.list()}
    executions = {e.id: e.state for e in client.executions.list(limit=-1)}
    migrations = cloud.log_count('Migrating the database', units)
    watch = cloud.ApiProbe([cloud.unit_address(u) for u in units],
                           deployment['cafile'])
    watch.start()
    leader = cloud.leader_of('mistral')
    try:
        # the leader first: it migrates, the other waits for the schema
        for unit in [leader] + [u for u in units if u != leader]:
            machine = cloud.machine_of(unit)
            with phase('bookworm->trixie: {} (machine {})'.format(
                    unit, machine)):
                cloud.localjuju('upgrade-machine', machine, 'prepare',
                                UPGRADE_BASE, '--yes')
                cloud.localjuju('ssh', machine, '--', 'sh', '-c',
                                DIST_UPGRADE, timeout=1800)
                cloud.localjuju('upgrade-machine', machine, 'complete')
        cloud.wait(workload='active')
        upgraded = time.time()
        ends = [cloud.wait_for_execution(client, e.id, timeout=900)
                for e in running]
        fired = len(cloud.wait_for_cron_runs(client, 'tick', 0, 0,
                                             trigger=trigger))
        ticks = cloud.wait_for_cron_runs(client, 'tick', fired + 1,
                                         timeout=150, trigger=trigger)
    finally:
        watch.stop()
        client.cron_triggers.delete(trigger.name)
    assert cloud.status()['applications']['mistral']['version'].startswith(
        '20.')
    for unit in units:
        fixes, states = cloud.mistral_fixes(unit)
        assert states == dict.fromkeys(fixes, 'applied'), (unit, states)
    after = {e.id: e for e in client.executions.list(limit=-1)}
    lost = [i for i in executions if i not in after]
    changed = [i for i, state in executions.items()
               if state in FINISHED and i in after and
               after[i].state != state]
    kept_workflows = workflows & {w.name for w in client.workflows.list()}
    ops_figures.update({
        'kept': '{}/{}'.format(len(kept_workflows),
                               len(executions) - len(lost)),
        'lost': len(lost) + len(changed) + len(workflows - kept_workflows),
        'api-outage-max': watch.longest_outage(),
        'migrations-upgrade': cloud.log_count('Migrating the database',
                                              units) - migrations})
    assert not lost and not changed and kept_workflows == workflows
    assert [json.loads(e.output) for e in finished][0]['joined']
    assert [e.state for e in ends] == ['SUCCESS'] * 2, [
        e.state_info for e in ends]
    assert [json.loads(e.output)['done'] for e in ends] == [60, 60]
    assert ops_figures['migrations-upgrade'] == 1
    # fired once per tick throughout, and still after the upgrade
    minutes = [cron_ticks.tick(e) for e in ticks]
    assert len(minutes) == len(set(minutes)), minutes
    assert cloud.updated_at(max(ticks, key=cloud.updated_at)) > upgraded - 5
