"""Work in flight when Mistral's engine and executor crash: every execution
finishes, and nothing that finished before the crash runs again. Shared by
the one-unit suite (the unit's own services restart) and the HA suite
(another unit takes over)."""

import time

import mistral_cloud as cloud

EXECUTIONS = 20
KILL = ('pkill', '-9', '-f', 'mistral-server.*--server (engine|executor)')


def kill_engine_and_executor(unit):
    cloud.on_unit(unit, *KILL)


def record(release, succeeded):
    """Adds a crash's runs to the RELEASE line's `recovered <n>/<n>`."""
    before = release.get('recovered', (0, 0))
    release['recovered'] = (before[0] + succeeded, before[1] + EXECUTIONS)


def crash_during_executions(deployment, crash, victim):
    """Start EXECUTIONS runs, crash(victim) mid-way and wait for every run.
    Returns (runs that ended SUCCESS, the longest delay the crash added);
    asserts that what finished before the crash did not run again."""
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'steps_and_fanout.yaml')
    baseline = cloud.run_workflow(client, 'steps_and_fanout')
    assert baseline.state == 'SUCCESS', baseline.state_info
    nominal = cloud.duration(baseline)
    ids = [client.executions.create(
        'steps_and_fanout', workflow_input={}).id for _ in range(EXECUTIONS)]
    time.sleep(6)
    crashed_at = cloud.server_now()
    crash(victim)
    finished = [cloud.wait_for_execution(client, i, timeout=420)
                for i in ids]
    for execution in finished:
        for task in client.tasks.list(workflow_execution_id=execution.id):
            if task.state == 'SUCCESS' and task.updated_at < crashed_at:
                runs = client.action_executions.list(task_execution_id=task.id)
                expected = 4 if task.name == 'fanout' else 1
                assert len(runs) == expected, (execution.id, task.name)
    succeeded = [e for e in finished if e.state == 'SUCCESS']
    unfinished = [(e.id, e.state, e.state_info) for e in finished
                  if e.state != 'SUCCESS']
    return len(succeeded), max(cloud.duration(e) for e in finished) - nominal, \
        unfinished
