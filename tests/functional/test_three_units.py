"""Three Mistral units on Debian forky (Mistral 23): the one-unit
deployment of test_single_unit.py scaled out at its end. Every unit runs
the periodic server; a cron trigger's tick goes to whichever claims it
first in the database, so it fires once a minute across the units, and
still does when a unit's machine dies."""

import time

import pytest

import cron_ticks
import mistral_cloud as cloud
import recovery

SERIES = 'forky'
UNITS = 3
TRIGGER = 'forky_every_minute'


@pytest.fixture(scope='module')
def three_units(deployment, phase):
    """The deployment with UNITS mistral units, each active, and a client
    through the catalog as it is now."""
    missing = UNITS - len(cloud.mistral_units())
    if missing > 0:
        with phase('{}: {} more units'.format(SERIES, missing)):
            cloud.localjuju('add-unit', 'mistral', '-n', str(missing))
            cloud.wait(workload='active')
    return dict(deployment, mistral=cloud.mistral(deployment['env']))


@pytest.fixture(scope='module')
def trigger(three_units):
    """A trigger firing `tick` every minute, for this module's tests."""
    client = three_units['mistral']
    cloud.ensure_workflow(client, 'tick.yaml')
    created = client.cron_triggers.create(TRIGGER, 'tick', {},
                                          pattern='* * * * *')
    yield created
    cloud.mistral(three_units['env']).cron_triggers.delete(TRIGGER)


def watch_ticks(client, trigger, minutes, during=()):
    """Run `during` (callables) while the trigger's next `minutes` ticks
    come; then {tick: [execution ids]} of exactly those ticks."""
    first = (int(time.time()) // 60 + 1) * 60
    for step in during:
        step()
    last = first + 60 * (minutes - 1)
    time.sleep(max(0, last + 20 - time.time()))   # the last run has ended
    wanted = {cron_ticks.minute(t) for t in range(first, last + 1, 60)}
    fired = [e for e in client.executions.list(workflow_name='tick')
             if trigger.id in (e.description or '')]
    return {tick: ids for tick, ids in cron_ticks.per_tick(fired).items()
            if tick in wanted}


def test_three_units_each_run_the_periodic_server(three_units):
    units = cloud.mistral_units()
    assert len(units) == UNITS
    for unit in units:
        assert cloud.unit_status(unit)['message'] == 'Unit is ready'
        assert cloud.on_unit(unit, 'systemctl', 'is-active',
                             cloud.PERIODIC_SERVICE).strip() == 'active'
    # each unit's haproxy sends requests to every unit's API
    haproxy = cloud.on_unit(units[0], 'cat', '/etc/haproxy/haproxy.cfg')
    for unit in units:
        assert 'server {} '.format(unit.replace('/', '-')) in haproxy


def off_the_minute_kill(unit):
    """The crash, away from a tick: a cron run the dying engine was
    starting would be lost with it (Mistral's periodic server starts a
    run by an RPC call after it has claimed the tick)."""
    while not 10 <= time.gmtime().tm_sec <= 45:
        time.sleep(1)
    recovery.kill_engine_and_executor(unit)


def test_cron_fires_once_per_minute_for_five_minutes_through_the_api_suite_and_a_killed_engine(
        three_units, trigger, release, run_tempest):
    # Mistral's Tempest API suite, then 20 executions through an engine
    # and executor killed on one unit, all in the trigger's five minutes
    client = three_units['mistral']
    suite, crash = {}, {}

    def tempest():
        suite['result'] = run_tempest(three_units)

    def kill():
        victim = cloud.mistral_units()[-1]
        crash['result'] = recovery.crash_during_executions(
            three_units, off_the_minute_kill, victim)
    ticks = watch_ticks(client, trigger, 5, during=(tempest, kill))
    release['cron'] = (sum(map(len, ticks.values())), 5)
    succeeded, _, unfinished = crash['result']
    recovery.record(release, succeeded)
    assert suite['result'].trouble() is None, suite['result'].trouble()
    assert not unfinished, unfinished
    assert len(ticks) == 5 and all(
        len(ids) == 1 for ids in ticks.values()), ticks


def test_cron_still_fires_once_per_minute_when_a_unit_dies(
        three_units, trigger, release):
    # the unit that is not the catalog's (clients keep their endpoint)
    endpoint = cloud.catalog_endpoints(three_units['env'], 'workflowv2')
    victim = next(u for u in reversed(cloud.mistral_units())
                  if cloud.unit_address(u) not in endpoint['public'])
    client = three_units['mistral']
    try:
        cloud.hard_stop(victim)
        ticks = watch_ticks(client, trigger, 2)
    finally:
        cloud.restart(victim)
    fired, minutes = release['cron']
    release['cron'] = (fired + sum(map(len, ticks.values())), minutes + 2)
    assert len(ticks) == 2 and all(
        len(ids) == 1 for ids in ticks.values()), ticks
