"""One Mistral unit on Debian forky (Mistral 23, the newest release) with
MariaDB, RabbitMQ 4 and Keystone, TLS everywhere (certificates from the vault stand-in): real
services, real clients."""

import json
import os
import re
import ssl
import time
import urllib.request

import pytest

import cron_ticks
import mistral_cloud as cloud
from bench import benchmark as bench

SERIES = 'forky'
MISTRAL_UNIT = 'mistral/0'


def test_unit_is_active_with_mistral_23(deployment):
    assert cloud.unit_status(MISTRAL_UNIT) == {
        'current': 'active', 'message': 'Unit is ready',
        'since': cloud.unit_status(MISTRAL_UNIT)['since']}
    version = cloud.status()['applications']['mistral']['version']
    assert version.startswith('23.')
    # each fix applied, or found in Mistral already (23 has one)
    fixes, states = cloud.mistral_fixes(MISTRAL_UNIT)
    assert fixes and set(states) == set(fixes), states
    assert set(states.values()) <= {'applied', 'upstream'}, states


def test_catalog_holds_the_workflowv2_endpoints(deployment):
    url = 'https://{}:8989/v2'.format(deployment['address'])
    assert cloud.catalog_endpoints(deployment['env'], 'workflowv2') == {
        'public': url, 'internal': url, 'admin': url}


def test_health_check_answers_the_unit_and_haproxy_not_clients(deployment):
    probe = ('import urllib.request; print(urllib.request.urlopen('
             '"http://127.0.0.1:8979/healthcheck", timeout=10).status)')
    assert cloud.on_unit(MISTRAL_UNIT, 'python3', '-c', probe).strip() == \
        '200'
    haproxy_cfg = cloud.on_unit(MISTRAL_UNIT, 'cat', '/etc/haproxy/haproxy.cfg')
    assert 'option httpchk GET /healthcheck' in haproxy_cfg
    # the backend passes that HTTP check: haproxy serves the API
    cafile = deployment['cafile']
    assert cloud.api_up(deployment['address'], cafile=cafile)
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    with pytest.raises(OSError):
        urllib.request.urlopen(
            cloud.api_url(deployment['address'], cafile) + 'healthcheck',
            timeout=10, context=context)


def test_mistral_database_sessions_run_read_committed(deployment):
    log = cloud.localjuju('debug-log', '--replay', '-n', '100000',
                          '--include', MISTRAL_UNIT)
    levels = re.findall(r'Mistral database sessions run (\S+)', log)
    assert levels and levels[-1] == 'READ-COMMITTED', levels


@pytest.fixture(scope='module')
def every_minute(deployment):
    """A cron trigger firing `tick` each minute, created early so that the
    tests between count its minutes (deleted by the cron test)."""
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'tick.yaml')
    trigger = client.cron_triggers.create('every_minute', 'tick', {},
                                          pattern='* * * * *')
    yield trigger
    if trigger.name in {t.name for t in client.cron_triggers.list()}:
        client.cron_triggers.delete(trigger.name)


def test_fanout_and_join_workflow_succeeds(deployment, phase, every_minute):
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'fanout_join.yaml')
    with phase(SERIES + ': workflow'):
        execution = cloud.run_workflow(client, 'fanout_join',
                                       {'msg': 'world'})
    assert execution.state == 'SUCCESS', execution.state_info
    assert json.loads(execution.output) == {
        'left': 'left world', 'right': 'slept',
        'joined': 'left world and slept'}
    tasks = client.tasks.list(workflow_execution_id=execution.id)
    assert sorted(t.name for t in tasks) == ['join', 'left', 'right',
                                             'start']
    assert {t.state for t in tasks} == {'SUCCESS'}


def test_joins_after_with_items_all_succeed(deployment, joins_rounds):
    joins_rounds(deployment, SERIES + ', 1 unit', [MISTRAL_UNIT])


def test_cron_fires_every_minute(deployment, phase, every_minute):
    client = deployment['mistral']
    try:
        with phase(SERIES + ': cron trigger fires twice'):
            done = cloud.wait_for_cron_runs(client, 'tick', 2, timeout=200,
                                            trigger=every_minute)
    finally:
        client.cron_triggers.delete(every_minute.name)
    assert len(done) >= 2, [(e.id, e.state) for e in done]
    assert len(done) == len({cron_ticks.tick(e) for e in done}), [
        (e.id, e.created_at) for e in done]
    assert {e.state for e in done} == {'SUCCESS'}


def action(unit, name, *params):
    """A charm action's results (localjuju run, as juju 3 prints them)."""
    out = cloud.localjuju('run', unit, name, *params, '--format', 'json')
    return json.loads(out)[unit]['results']


def test_expire_executions_deletes_old_finished_ones_only(deployment):
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'long_sleep.yaml')
    running = client.executions.create('long_sleep', workflow_input={})
    try:
        dry = action(MISTRAL_UNIT, 'expire-executions', 'older-than=1m')
        assert (dry['dry-run'], dry['deleted']) == ('True', '0')
        assert int(dry['found']) >= 1  # the fan-out's, a minute ago at least
        done = action(MISTRAL_UNIT, 'expire-executions', 'older-than=1m',
                      'dry-run=false')
        assert done['deleted'] == done['found'], done
        cutoff = time.time() - 90
        old = [e.id for e in client.executions.list(limit=-1)
               if e.state in ('SUCCESS', 'ERROR', 'CANCELLED') and
               cloud.updated_at(e) < cutoff]
        assert old == []
        assert client.executions.get(running.id).state == 'RUNNING'
    finally:
        client.executions.update(running.id, 'CANCELLED')


def test_the_security_checklist_passes_with_tls_everywhere(deployment):
    results = action(MISTRAL_UNIT, 'security-checklist')
    checks = {k: v for k, v in results.items() if k.startswith('validate-')}
    assert len(checks) >= 5 and set(checks.values()) == {'PASS'}, results


def test_config_change_without_effect_restarts_nothing(deployment):
    services = cloud.unit_services(MISTRAL_UNIT)
    before = cloud.service_start_times(MISTRAL_UNIT, services)
    # a new value that no rendered file uses: config-changed runs, idle
    cloud.localjuju('config', 'mistral', 'nagios_context=juju-tests')
    cloud.wait()
    assert cloud.service_start_times(MISTRAL_UNIT, services) == before


def test_debug_restarts_exactly_the_mistral_services(deployment):
    services = cloud.unit_services(MISTRAL_UNIT)
    assert cloud.PERIODIC_SERVICE in services
    before = cloud.service_start_times(MISTRAL_UNIT, services)
    cloud.localjuju('config', 'mistral', 'debug=true')
    cloud.wait(workload='active')
    after = cloud.service_start_times(MISTRAL_UNIT, services)
    assert 'debug = True' in cloud.on_unit(
        MISTRAL_UNIT, 'cat', '/etc/mistral/mistral.conf')
    restarted = {s for s in services if after[s] != before[s]}
    assert restarted == set(cloud.mistral_services_of(MISTRAL_UNIT))
    cloud.localjuju('config', 'mistral', 'debug=false')
    cloud.wait(workload='active')


@pytest.mark.parametrize('option, value, words', [
    ('worker-multiplier', '-1', 'must be at least 0'),
    ('openstack-origin', 'cloud:nowhere', "'cloud:nowhere' is not"),
    ('vip', '10.211.77.999', 'is not an IP address'),
])
def test_bad_config_blocks_and_keeps_serving(deployment, option, value,
                                             words):
    conf = '/etc/mistral/mistral.conf'
    before = cloud.on_unit(MISTRAL_UNIT, 'cat', conf)
    cloud.localjuju('config', 'mistral', '{}={}'.format(option, value))
    cloud.wait()
    status = cloud.unit_status(MISTRAL_UNIT)
    assert status['current'] == 'blocked'
    assert status['message'].startswith(option + ':')
    assert words in status['message']
    assert cloud.on_unit(MISTRAL_UNIT, 'cat', conf) == before
    assert cloud.api_up(deployment['address'], cafile=deployment['cafile'])
    cloud.localjuju('config', 'mistral', '--reset', option)
    cloud.wait()
    cloud.wait_for_status(MISTRAL_UNIT, 'active', 'Unit is ready')
    cloud.wait_for_api(deployment['address'], cafile=deployment['cafile'])


def test_losing_rabbitmq_names_the_relation_and_recovers(deployment, phase):
    with phase(SERIES + ': remove and re-add amqp'):
        cloud.localjuju('remove-relation', 'mistral', 'rabbitmq-server')
        cloud.wait()
        assert cloud.unit_status(MISTRAL_UNIT)['message'] == (
            'Missing relations: messaging')
        cloud.localjuju('add-relation', 'mistral', 'rabbitmq-server')
        cloud.wait(workload='active')
    execution = cloud.run_workflow(deployment['mistral'], 'fanout_join')
    assert execution.state == 'SUCCESS', execution.state_info


def test_the_benchmark_runs_at_a_small_size(deployment, phase):
    # make bench's code, on this deployment, a few executions per cell;
    # nothing is asserted about speed
    with phase(SERIES + ': benchmark, small'):
        lines = bench.run('small', ['current'])
    assert lines[-1].startswith('BENCH: update-status '), lines[-1]
    assert ' exec/s 1u ' in lines[-1] and '-' not in lines[-1].split(
        'exec/s 1u ')[1].split(' 3u')[0], lines[-1]
    assert os.path.getsize(os.path.join(bench.RESULTS, 'bench.png')) > 0
    assert any(line.startswith('Where the engines of mistral/0 spent')
               for line in lines), lines


def test_postgresql_in_place_of_mysql(deployment, phase):
    with phase(SERIES + ': switch to postgresql'):
        cloud.localjuju('deploy', cloud.POSTGRESQL_CHARM, '--to', '1')
        cloud.localjuju('remove-relation', 'mistral', 'mysql')
        cloud.localjuju('add-relation', 'mistral:pgsql-db', 'postgresql:db')
        cloud.wait(workload='active')
    conf = cloud.on_unit(MISTRAL_UNIT, 'cat', '/etc/mistral/mistral.conf')
    assert 'connection = postgresql://' in conf
    client = deployment['mistral']
    # a fresh database: the workflows are uploaded again
    cloud.ensure_workflow(client, 'fanout_join.yaml')
    execution = cloud.run_workflow(client, 'fanout_join', {'msg': 'pg'})
    assert execution.state == 'SUCCESS', execution.state_info
