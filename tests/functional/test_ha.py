"""Three Mistral units behind a VIP on real corosync/pacemaker, and the
work of a crashed node finished by the others.  The bundle has TLS on
(test_tls.py runs next on the same deployment): the API is https."""

import hashlib
import re
import time

import pytest

import cron_ticks
import mistral_cloud as cloud
import previous_revision
import recovery

SERIES = 'trixie'
BUNDLE = cloud.HA_BUNDLE
VIP = '10.211.77.200'
OTHER_VIP = '10.211.77.201'   # the VIP range is 10.211.77.200-250


def vip_holders(vip=VIP):
    return [unit for unit in cloud.mistral_units() if ' {}/'.format(vip) in cloud.on_unit(
        unit, 'ip', '-4', '-o', 'addr', 'show')]


def vip_holder():
    holders = vip_holders()
    return holders[0] if holders else None


def vip_resource(vip):
    """The pacemaker resource charmhelpers names after a VIP."""
    return 'res_mistral_{}_vip'.format(
        hashlib.sha1(vip.encode()).hexdigest()[:7])


def vip_probe(cafile):
    """The API through the VIP, asked every 0.2 s (https, verified)."""
    return cloud.ApiProbe([VIP], cafile, interval=0.2, timeout=1)


def crm_status():
    return cloud.on_unit('mistral/0', 'crm', 'status')


def wait_for_cluster(nodes=3, timeout=180):
    deadline = time.time() + timeout
    while True:
        status = crm_status()
        online = re.search(r'Online:\s*\[([^\]]*)\]', status)
        if online and len(online.group(1).split()) >= nodes and \
                'Stopped' not in status:
            return status
        if time.time() > deadline:
            raise cloud.CloudError('cluster not whole:\n' + status)
        time.sleep(3)


def test_three_units_active_behind_the_vip(deployment):
    for unit in cloud.mistral_units():
        assert cloud.unit_status(unit)['message'] == 'Unit is ready'
    status = wait_for_cluster()
    assert re.search(r'res_mistral_\w+_vip\s.*Started', status), status
    assert 'cl_mistral_haproxy' in status
    url = 'https://{}:8989/v2'.format(VIP)
    assert cloud.catalog_endpoints(deployment['env'], 'workflowv2') == {
        'public': url, 'internal': url, 'admin': url}


def test_joins_after_with_items_all_succeed(deployment, joins_rounds):
    joins_rounds(deployment, 'trixie, 3 units', cloud.mistral_units())


def test_vip_moves_when_its_machine_dies(deployment, ha_figures):
    holder = vip_holder()
    poller = vip_probe(deployment['cafile'])
    poller.start()
    time.sleep(2)
    stopped = time.time()
    cloud.hard_stop(holder)
    try:
        deadline = time.time() + 60
        while poller.recovered_after(stopped) is None and \
                time.time() < deadline:
            time.sleep(0.5)
    finally:
        poller.stop()
        cloud.restart(holder)
    outage = poller.recovered_after(stopped)
    assert outage is not None, 'the API never came back through the VIP'
    ha_figures['vip-failover'] = outage
    assert vip_holder() not in (None, holder)
    wait_for_cluster()
    assert outage < 10


def _crash_during_executions(deployment, crash, release):
    """recovery.crash_during_executions on a unit not holding the VIP: every
    run ends SUCCESS (recorded for the RELEASE line). Returns the longest
    delay the crash added."""
    victim = next(u for u in cloud.mistral_units() if u != vip_holder())
    succeeded, delay, unfinished = recovery.crash_during_executions(
        deployment, crash, victim)
    recovery.record(release, succeeded)
    assert not unfinished, unfinished
    return delay


def test_killed_engine_and_executor_work_is_finished(
        deployment, ha_figures, release):
    delay = _crash_during_executions(
        deployment, recovery.kill_engine_and_executor, release)
    ha_figures['recovery-delay'] = delay
    for unit in cloud.mistral_units():   # systemd may have restarted them already
        cloud.on_unit(unit, 'systemctl', 'start', 'mistral-engine',
                      'mistral-executor')


def test_dead_machine_work_is_finished(deployment, ha_figures, release):
    stopped = []

    def stop(unit):
        cloud.hard_stop(unit)
        stopped.append(unit)
    try:
        delay = _crash_during_executions(deployment, stop, release)
    finally:
        for unit in stopped:
            cloud.restart(unit)
    ha_figures['recovery-delay'] = max(delay,
                                       ha_figures.get('recovery-delay', 0))
    wait_for_cluster()


def test_without_retry_a_lost_action_fails_with_a_reason(deployment):
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'long_sleep.yaml')
    execution = client.executions.create('long_sleep', workflow_input={})
    time.sleep(8)
    for unit in cloud.mistral_units():
        cloud.on_unit(unit, 'pkill', '-9', '-f',
                      'mistral-server.*--server executor')
    time.sleep(2)
    for unit in cloud.mistral_units():
        cloud.on_unit(unit, 'systemctl', 'start', 'mistral-executor')
    done = cloud.wait_for_execution(client, execution.id, timeout=240)
    assert done.state == 'ERROR'
    task, = client.tasks.list(workflow_execution_id=done.id)
    assert task.state == 'ERROR'
    assert 'eartbeat' in (task.state_info or ''), task.state_info


def test_cron_fires_once_per_minute_across_units_while_the_api_suite_passes(
        deployment, ha_figures, release, run_tempest):
    # Mistral's Tempest API suite runs through the VIP in the trigger's
    # minutes (three at least): the suite must pass, the trigger fire once
    # a minute across the units meanwhile
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'tick.yaml')
    trigger = client.cron_triggers.create('ha_every_minute', 'tick', {},
                                          pattern='* * * * *')
    # the ticks wholly inside the suite's run, the first after the trigger
    # was made to the last before the suite ended
    first = cron_ticks.next_tick(time.time())
    try:
        suite = run_tempest(deployment)
        last = max(first + 2 * 60, cron_ticks.next_tick(time.time()) - 60)
        ticks = cron_ticks.runs_per_tick(client, trigger, last)
    finally:
        client.cron_triggers.delete(trigger.name)
    ha_figures['cron'] = release['cron'] = cron_ticks.tally(ticks, first,
                                                            last)
    assert cron_ticks.once_each(ticks, first, last), ticks
    assert suite.trouble() is None, suite.trouble()


def test_remove_and_add_a_unit_behind_the_vip(deployment):
    client = deployment['mistral']
    poller = vip_probe(deployment['cafile'])
    poller.start()
    try:
        before = cloud.mistral_units()
        leaving = next(u for u in reversed(before) if u != vip_holder())
        cloud.localjuju('remove-unit', leaving)
        cloud.wait()
        cloud.localjuju('add-unit', 'mistral')
        cloud.wait(workload='active')
    finally:
        poller.stop()
    # a request in flight to the unit being removed may be cut (haproxy
    # notices within 4 s and stops sending it any); the API never stops
    # answering: no two probes in a row fail
    assert poller.failures_in_a_row() <= 1, poller.failure_times()
    new, = set(cloud.mistral_units()) - set(before)
    assert cloud.unit_status(new)['message'] == 'Unit is ready'
    haproxy = cloud.on_unit('mistral/0', 'cat', '/etc/haproxy/haproxy.cfg')
    assert 'server {} '.format(new.replace('/', '-')) in haproxy
    wait_for_cluster()
    log = cloud.localjuju('debug-log', '--replay', '-n', '100000')
    assert log.count('Migrating the database') == 1
    execution = cloud.run_workflow(client, 'steps_and_fanout')
    assert execution.state == 'SUCCESS', execution.state_info


def set_vip(vip, cafile):
    """config vip; until every unit is active and the API answers there."""
    cloud.localjuju('config', 'mistral', 'vip=' + vip)
    cloud.wait(workload='active')
    cloud.wait_for_api(vip, timeout=120, cafile=cafile)


def assert_served_on(deployment, vip, gone):
    """Only `vip` is configured, held and registered; `gone` is nowhere."""
    status = wait_for_cluster()
    assert re.search(vip_resource(vip) + r'\s.*Started', status), status
    assert vip_resource(gone) not in status, status
    group = cloud.on_unit('mistral/0', 'crm', 'configure', 'show',
                          'grp_mistral_vips')
    assert vip_resource(vip) in group and vip_resource(gone) not in group
    assert len(vip_holders(vip)) == 1
    assert vip_holders(gone) == []
    assert not cloud.api_up(gone, timeout=2, cafile=deployment['cafile'])
    url = cloud.api_url(vip, deployment['cafile']) + 'v2'
    assert cloud.catalog_endpoints(deployment['env'], 'workflowv2') == {
        'public': url, 'internal': url, 'admin': url}


# last in the module: it changes the VIP every test above uses (and puts
# it back)
def test_a_changed_vip_replaces_the_old_one(deployment):
    try:
        set_vip(OTHER_VIP, deployment['cafile'])
        assert_served_on(deployment, OTHER_VIP, gone=VIP)
    finally:
        set_vip(VIP, deployment['cafile'])
    assert_served_on(deployment, VIP, gone=OTHER_VIP)


# ---- day 2 on the HA bundle: a charm refresh, a paused unit ---------------

def subordinate(unit, app):
    subs = cloud.status()['applications']['mistral']['units'][unit].get(
        'subordinates') or {}
    return next(name for name in subs if name.startswith(app + '/'))


def test_an_upgrade_from_the_previous_revision_keeps_work_and_migrates_nothing(
        deployment, ops_figures):
    """The deployment came up on the charm's previous revision, with work
    running when it was refreshed to this one (conftest)."""
    upgrade = deployment['upgrade']
    if upgrade is None:
        pytest.skip('deployed before this session (KEEP_DEPLOYMENT=1) or '
                    'no git history: not from revision {}'.format(
                        previous_revision.REVISION))
    ops_figures['migrations'] = upgrade['migrations']
    kept, before = upgrade['executions']
    assert (kept, upgrade['migrations']) == (before, 0), upgrade
    assert upgrade['in-flight'][0] == 'SUCCESS', upgrade
    # mistral.conf changed between the revisions: the Mistral services
    # restart; haproxy reloads (its start time stays); memcached's file
    # did not change
    assert all(set(restarted) <= set(cloud.MISTRAL_SERVICES)
               for restarted in upgrade['restarted'].values()), upgrade


def test_a_charm_refresh_keeps_data_and_migrates_and_restarts_nothing(
        deployment, packed_charm):
    # a client of its own: the shared one's connections to the VIP died
    # when the VIP moved (the test before)
    client = cloud.mistral(deployment['env'])
    executions = {e.id for e in client.executions.list(limit=-1)}
    units = cloud.mistral_units()
    started = {u: cloud.service_start_times(u, cloud.UNIT_SERVICES) for u in units}
    migrations = cloud.log_count('Migrating the database', units)
    # the .charm the bundle deployed, packed again from this tree
    cloud.localjuju('refresh', 'mistral', '--path', cloud.bundle_charm(BUNDLE))
    cloud.wait(workload='active')
    assert cloud.mistral_units() == units
    assert cloud.log_count('Migrating the database', units) == migrations
    assert {u: cloud.service_start_times(u, cloud.UNIT_SERVICES)
            for u in units} == started
    assert executions <= {e.id for e in client.executions.list(limit=-1)}


def test_a_paused_unit_stays_down_while_the_vip_answers(deployment,
                                                        ops_figures):
    paused = vip_holder()
    hacluster = subordinate(paused, 'hacluster')
    poller = vip_probe(deployment['cafile'])
    poller.start()
    try:
        cloud.localjuju('run', hacluster, 'pause')
        cloud.localjuju('run', paused, 'pause')
        assert cloud.unit_status(paused)['current'] == 'maintenance'
        # hooks of every kind leave it down ('failed': a service that
        # exited non-zero when stopped is down too)
        cloud.localjuju('config', 'mistral', 'nagios_context=paused')
        cloud.localjuju('update-status', paused)
        states = cloud.on_unit(paused, 'sh', '-c', 'systemctl is-active {} '
                               '|| true'.format(' '.join(cloud.UNIT_SERVICES)))
        assert set(states.split()) <= {'inactive', 'failed'}, states
        assert cloud.unit_status(paused)['current'] == 'maintenance'
        assert vip_holder() not in (None, paused)
    finally:
        # resumed whatever happened: test_tls.py runs on this deployment
        cloud.localjuju('run', paused, 'resume')
        cloud.localjuju('run', hacluster, 'resume')
        cloud.wait(workload='active')
        wait_for_cluster()
        poller.stop()
        cloud.localjuju('config', 'mistral', '--reset', 'nagios_context')
    ops_figures['pause-outage'] = poller.longest_outage()
    assert cloud.unit_status(paused)['message'] == 'Unit is ready'
    assert ops_figures['pause-outage'] < 10, poller.failure_times()
