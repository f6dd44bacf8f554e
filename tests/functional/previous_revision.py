"""The HA deployment as an operator upgrading the charm has it: deployed
from the charm's revision before the day-2 work (issue 13), with work in
flight, then refreshed to this tree's .charm (issue 13: "upgrade the charm
from the revision before this issue to the new one").

That revision is packed from git history, once per machine; a tree
without that history (an unpacked tarball) deploys this tree's charm
straight away, and the test of the upgrade says so.
"""

import os
import subprocess
import tempfile

import yaml

import mistral_cloud as cloud

REVISION = '4b447d1'
CACHE = '/var/cache/charm-mistral/previous-charm'
SLEEP_ROUNDS = 12   # 5 s each: running before, during and after the refresh


def charm():
    """The previous revision's ubuntu@24.04 .charm, or None without the
    git history holding it."""
    out = os.path.join(CACHE, REVISION)
    packed = os.path.join(out, 'mistral_ubuntu@24.04-amd64.charm')
    if os.path.exists(packed):
        return packed
    has = subprocess.run(['git', '-C', cloud.CHARM, 'cat-file', '-e',
                          REVISION + '^{commit}'], capture_output=True)
    if has.returncode:
        return None
    with tempfile.TemporaryDirectory() as tree:
        archive = subprocess.run(
            ['git', '-C', cloud.CHARM, 'archive', REVISION],
            check=True, capture_output=True).stdout
        subprocess.run(['tar', '-x', '-C', tree], input=archive, check=True)
        os.makedirs(out, exist_ok=True)
        cloud.build_charm(root=tree, out=out)
    return packed


def bundle(path, previous):
    """A copy of the bundle at `path` deploying `previous` as mistral (the
    other charms' paths made absolute: the copy lives elsewhere)."""
    with open(path) as f:
        data = yaml.safe_load(f)
    for app in data['applications'].values():
        app['charm'] = os.path.normpath(os.path.join(
            os.path.dirname(path), app['charm']))
    data['applications']['mistral']['charm'] = previous
    copy = os.path.join(os.path.dirname(previous), os.path.basename(path))
    with open(copy, 'w') as f:
        yaml.safe_dump(data, f)
    return copy


def refresh_with_work(env, charm_path, units):
    """Start work, refresh mistral to `charm_path`; what it kept and did:
    {'executions': (kept, before), 'migrations': n, 'in-flight': state,
    'restarted': {unit: services}}."""
    client = cloud.mistral(env)
    cloud.ensure_workflow(client, 'fanout_join.yaml')
    cloud.ensure_workflow(client, 'sleep_rounds.yaml')
    cloud.run_workflow(client, 'fanout_join')
    running = client.executions.create(
        'sleep_rounds', workflow_input={'rounds': SLEEP_ROUNDS})
    before = {e.id for e in client.executions.list(limit=-1)}
    started = {u: cloud.service_start_times(u, cloud.UNIT_SERVICES) for u in units}
    migrations = cloud.log_count('Migrating the database', units)
    cloud.localjuju('refresh', 'mistral', '--path', charm_path)
    cloud.wait(workload='active')
    # a client of its own: the refresh restarted what served the old one
    client = cloud.mistral(env)
    after = {e.id for e in client.executions.list(limit=-1)}
    try:
        finished = cloud.wait_for_execution(client, running.id, timeout=300)
    except cloud.CloudError as error:
        # where the work stopped, for the next look (seen once in CI)
        raise cloud.CloudError('{}; its last tasks: {}'.format(
            error, last_tasks(client, running.id)))
    return {
        'executions': (len(before & after), len(before)),
        'migrations': cloud.log_count('Migrating the database', units) -
        migrations,
        'in-flight': (finished.state, finished.output),
        'restarted': {u: sorted(
            svc for svc, t in cloud.service_start_times(u, cloud.UNIT_SERVICES).items()
            if t != started[u][svc]) for u in units},
    }


def last_tasks(client, execution_id, count=3):
    """The execution's newest tasks, each with its state, when it last
    changed and its action runs' states."""
    tasks = sorted(client.tasks.list(workflow_execution_id=execution_id),
                   key=lambda t: t.created_at)[-count:]
    return ['{} {} {} {} actions {}'.format(
        t.name, t.state, t.updated_at, t.state_info or '',
        [a.state for a in client.action_executions.list(
            task_execution_id=t.id)]) for t in tasks]
