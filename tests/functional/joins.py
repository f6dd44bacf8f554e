"""Joins after with-items: rounds of with-items fan-outs interleaved with
join workflows, every execution held to a bound (issue: one with-items run
left every later join of the engine WAITING until mistral-engine
restarted; Mistral fix 0003)."""

import time

import mistral_cloud as cloud

# (items, concurrency) of each round's with-items workflow
ROUNDS = ((100, 10), (150, 50), (120, 25))
BRANCHES = (2, 5, 10, 20)
# Each execution must end within this many seconds of its start: well
# under the integrity check's 120 s, so fix 0004's rescue of a join left
# WAITING cannot hide a join that the scheduler failed to refresh.
BOUND = 90
ENGINE_LOG = '/var/log/mistral/mistral-engine.log'
DEADLOCK = 'Deadlock found when trying to get lock'
DETACHED = 'DetachedInstanceError'


def join_workflow(branches):
    """A start task fanned out to `branches` echo tasks, joined again."""
    names = ['b{}'.format(i) for i in range(branches)]
    lines = ["---", "version: '2.0'", "join_{}:".format(branches),
             "  tasks:", "    start:", "      action: std.noop",
             "      on-success: [{}]".format(', '.join(names))]
    for i, name in enumerate(names):
        lines += ["    {}:".format(name),
                  "      action: std.echo output={}".format(i),
                  "      on-success: [join]"]
    lines += ["    join:", "      join: all", "      action: std.noop"]
    return '\n'.join(lines) + '\n'


def ensure_workflows(client):
    cloud.ensure_workflow(client, 'items_fanout.yaml')
    known = {w.name for w in client.workflows.list()}
    for branches in BRANCHES:
        if 'join_{}'.format(branches) not in known:
            client.workflows.create(join_workflow(branches))


def log_count(units, text):
    """Lines of the engine logs of `units` holding `text`."""
    return sum(int(cloud.on_unit(unit, 'sh', '-c', 'grep -c "{}" {} || true'
                                 .format(text, ENGINE_LOG)).strip() or 0)
               for unit in units)


def engine_starts(units):
    """{unit: when mistral-engine last became active} (any restart, by
    systemd or by hand, moves it)."""
    return {unit: cloud.service_start_times(unit, ['mistral-engine'])
            for unit in units}


def wait_all(client, started):
    """{execution id: final state, or RUNNING when still running BOUND s
    after it started}."""
    states = {}
    while len(states) < len(started):
        for execution_id, start in started.items():
            if execution_id in states:
                continue
            state = client.executions.get(execution_id).state
            if state not in ('IDLE', 'RUNNING', 'PAUSED'):
                states[execution_id] = state
            elif time.time() > start + BOUND:
                states[execution_id] = 'RUNNING'
        time.sleep(1)
    return states


def why_failed(client, execution_id):
    """The workflow's name, its state_info and its failed tasks'."""
    execution = client.executions.get(execution_id)
    tasks = client.tasks.list(workflow_execution_id=execution_id)
    return [execution.workflow_name, execution.state_info] + [
        '{}: {}'.format(t.name, t.state_info) for t in tasks
        if t.state == 'ERROR']


def run_rounds(client, units, rounds=ROUNDS):
    """Run the rounds; the figures of the JOINS line."""
    ensure_workflows(client)
    before = {'deadlocks': log_count(units, DEADLOCK),
              'detached': log_count(units, DETACHED),
              'engines': engine_starts(units)}
    started = {}

    def start(name, workflow_input=None):
        execution = client.executions.create(
            name, workflow_input=workflow_input or {})
        started[execution.id] = time.time()
        return execution.id

    for items, concurrency in rounds:
        fanout = start('items_fanout', {'count': items,
                                        'concurrency': concurrency})
        # joins while the fan-out runs, then once it is over
        for branches in BRANCHES:
            start('join_{}'.format(branches))
        wait_all(client, {fanout: started[fanout]})
        for branches in BRANCHES:
            start('join_{}'.format(branches))
    states = wait_all(client, started)
    return {
        'started': len(started),
        'succeeded': sum(s == 'SUCCESS' for s in states.values()),
        'stuck': sum(s == 'RUNNING' for s in states.values()),
        'failed': {i: why_failed(client, i) for i, s in states.items()
                   if s not in ('SUCCESS', 'RUNNING')},
        'deadlocks': log_count(units, DEADLOCK) - before['deadlocks'],
        'detached': log_count(units, DETACHED) - before['detached'],
        'engine-restarts': sum(
            before['engines'][u] != s for u, s in engine_starts(units).items()),
    }
