"""The three users' stories of examples/, run as their READMEs say, on one
Mistral unit (Debian forky, Mistral 23): SSH maintenance on two other machines
of the model, an environment through Keystone actions, a report graph.

Part of `make test` (on the deployment test_single_unit shares);
`make examples_test` runs them alone and ends with the EXAMPLES line.
"""

import json
import os
import time

import pytest

import mistral_cloud as cloud
from localcloud.machines import aptcache, get_provider

SERIES = 'forky'
MISTRAL_UNIT = 'mistral/0'
# two machines of the model with no unit, std.ssh's targets; the second
# is the one stopped
SSH_MACHINES = 2
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'examples')
RESULT = '/var/lib/localcloud/examples-result.txt'


def example(name, filename):
    with open(os.path.join(EXAMPLES, name, filename)) as f:
        return f.read()


def load(client, name):
    """The example's workflows, created or updated."""
    definition = example(name, 'workflow.yaml')
    try:
        return client.workflows.create(definition)
    except Exception:
        return client.workflows.update(definition)


@pytest.fixture(scope='module')
def figures():
    """What each example did, for the EXAMPLES line."""
    found = {'ssh': '-/-', 'keystone-actions': 'fail',
             'report-graph': 'fail', 'seconds': {}}
    yield found
    line = 'EXAMPLES: ssh {}, keystone-actions {}, report-graph {}'.format(
        found['ssh'], found['keystone-actions'], found['report-graph'])
    with open(RESULT, 'w') as f:
        f.write(line + '\n')
        for name, seconds in sorted(found['seconds'].items()):
            f.write('  {}: {:.0f} s\n'.format(name, seconds))


def empty_machines():
    """{machine id: address} of the model's machines that hold no unit."""
    st = cloud.status()
    used = {u['machine'] for app in st['applications'].values()
            for u in (app.get('units') or {}).values()}
    return {mid: m['dns-name'] for mid, m in sorted(st['machines'].items())
            if mid not in used}


@pytest.fixture(scope='module')
def ssh_hosts(deployment):
    """{machine id: address} of SSH_MACHINES machines of the model, each
    with the charm's public key authorised for root and sshd running."""
    missing = SSH_MACHINES - len(empty_machines())
    if missing > 0:
        cloud.localjuju('add-machine', '-n', str(missing),
                        '--series', deployment['series'])
    targets = dict(list(empty_machines().items())[:SSH_MACHINES])
    out = cloud.localjuju('run', MISTRAL_UNIT, 'ssh-public-key',
                          '--format', 'json')
    key = json.loads(out)[MISTRAL_UNIT]['results']['public-key']
    assert key.startswith('ssh-rsa ')
    for machine in targets:
        cloud.localjuju(
            'ssh', machine, '--', 'sh', '-c',
            'command -v sshd >/dev/null || '
            'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq '
            'openssh-server >/dev/null; mkdir -p -m 700 /root/.ssh; '
            'grep -qxF "{0}" /root/.ssh/authorized_keys 2>/dev/null'
            ' || echo "{0}" >> /root/.ssh/authorized_keys; '
            'systemctl start ssh'.format(key))
    return targets


@pytest.fixture(scope='module')
def openstack_actions(deployment):
    """mistral-extra installed as the README says: the machines reach PyPI
    only through the model's https proxy (the local cloud's download cache,
    which tunnels to PyPI alone), as an air-gapped cloud would."""
    cloud.localjuju('model-config',
                    'juju-https-proxy={}'.format(aptcache.PROXY_URL))
    cloud.localjuju('config', 'mistral', 'openstack-actions=true')
    cloud.wait(workload='active')
    out = cloud.localjuju('run', MISTRAL_UNIT, 'openstack-actions',
                          '--format', 'json')
    return json.loads(out)[MISTRAL_UNIT]['results']


def ssh_input(hosts):
    """The example's input, run on the `hosts` {machine: address}."""
    return dict(json.loads(example('ssh-maintenance', 'input.json')),
                hosts=sorted(hosts.values()), username='root',
                cmd='hostname')


def test_the_ssh_example_runs_on_schedule_and_reports_each_host(
        deployment, ssh_hosts, figures):
    client = deployment['mistral']
    load(client, 'ssh-maintenance')
    trigger = client.cron_triggers.create(
        'examples-maintenance', 'maintenance_nightly', ssh_input(ssh_hosts),
        pattern='* * * * *')
    start = time.time()
    try:
        runs = cloud.wait_for_cron_runs(client, 'maintenance_nightly', 1,
                                        timeout=150, trigger=trigger)
    finally:
        client.cron_triggers.delete(trigger.name)
    assert runs, 'the cron trigger started no execution in 150 s'
    execution = cloud.wait_for_execution(client, runs[0].id)
    figures['seconds']['ssh (cron, 2 hosts)'] = time.time() - start
    assert execution.state == 'SUCCESS', execution.state_info
    output = json.loads(execution.output)
    reported = [r['host'] for r in output['report'] if r['ok']]
    figures['ssh'] = '{}/{}'.format(len(reported), output['hosts'])
    assert sorted(reported) == sorted(ssh_hosts.values()), output
    assert all(r['output'] for r in output['report'])


def test_a_stopped_host_fails_with_a_reason_and_the_others_report(
        deployment, ssh_hosts, figures):
    client = deployment['mistral']
    load(client, 'ssh-maintenance')
    machine, stopped = list(ssh_hosts.items())[-1]
    provider = get_provider()
    provider.stop(machine, kill=True)
    try:
        start = time.time()
        # a host that hangs is given up after 30 s, not the default 120
        execution = cloud.run_workflow(
            client, 'maintenance_nightly',
            dict(ssh_input(ssh_hosts), timeout=30), timeout=300)
        figures['seconds']['ssh (1 host stopped)'] = time.time() - start
    finally:
        provider.start(machine)
    assert execution.state == 'SUCCESS', execution.state_info
    report = {r['host']: r for r in json.loads(execution.output)['report']}
    assert [h for h, r in report.items() if r['ok']] == [
        h for h in ssh_hosts.values() if h != stopped]
    assert not report[stopped]['ok']
    # ssh's own error, or the task's timeout when the connection hangs
    # (a killed host's address may take no time or minutes to refuse)
    assert report[stopped]['output'].startswith(stopped + ' ')
    failed = [t for t in client.tasks.list()
              if t.name == 'run' and t.state == 'ERROR' and
              (stopped in (t.state_info or '') or
               'timed out' in (t.state_info or ''))]
    assert failed, 'no run task in ERROR for {}'.format(stopped)


def test_the_keystone_example_creates_and_removes_a_project(
        deployment, openstack_actions, figures):
    assert 'installed' in openstack_actions['mistral-extra'], (
        openstack_actions)
    client = deployment['mistral']
    # `mistral action-list` knows them (one by one: the list is paged)
    for name in ('keystone.projects_create', 'keystone.projects_delete',
                 'keystone.users_create', 'keystone.users_delete'):
        assert client.actions.get(name).name == name
    load(client, 'keystone-environment')
    workflow_input = dict(json.loads(
        example('keystone-environment', 'input.json')),
        project_name='examples-{}'.format(int(time.time())))
    start = time.time()
    execution = cloud.run_workflow(client, 'keystone_environment',
                                   workflow_input)
    figures['seconds']['keystone-actions'] = time.time() - start
    assert execution.state == 'SUCCESS', execution.state_info
    output = json.loads(execution.output)
    assert output['project']['name'] == workflow_input['project_name']
    assert output['cleaned_up'] is True
    projects = cloud.keystone_session(deployment['env']).get(
        '/projects', params={'name': workflow_input['project_name']},
        endpoint_filter={'service_type': 'identity',
                         'interface': 'public'}).json()['projects']
    assert projects == [], 'the example left its project behind'
    figures['keystone-actions'] = 'ok'


@pytest.mark.parametrize('fail_once', [False, True])
def test_the_report_graph_returns_the_expected_report(
        deployment, figures, fail_once):
    client = deployment['mistral']
    load(client, 'report-graph')
    workflow_input = dict(json.loads(example('report-graph', 'input.json')),
                          fail_transform_once=fail_once)
    start = time.time()
    created = client.executions.create(
        'report_graph', workflow_input=workflow_input,
        task_name='report')
    execution = cloud.wait_for_execution(client, created.id)
    figures['seconds']['report-graph{}'.format(
        ' (transform fails once)' if fail_once else '')] = (
            time.time() - start)
    assert execution.state == 'SUCCESS', execution.state_info
    assert json.loads(execution.output) == json.loads(
        example('report-graph', 'expected-output.json'))
    transform, = [t for t in client.tasks.list(
        workflow_execution_id=execution.id) if t.name == 'transform']
    attempts = client.action_executions.list(task_execution_id=transform.id)
    assert sorted(a.state for a in attempts) == (
        ['ERROR', 'SUCCESS'] if fail_once else ['SUCCESS'])
    # ok once both runs gave the report (the plain one runs first)
    figures['report-graph'] = 'ok' if (
        not fail_once or figures.pop('report-graph-plain', False)) else 'fail'
    if not fail_once:
        figures['report-graph-plain'] = True
