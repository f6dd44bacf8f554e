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
import tempest_suite

SERIES = 'forky'
UNITS = 3
TRIGGER = 'forky_every_minute'


@pytest.fixture(scope='module')
def three_units(deployment, phase):
    """The deployment with UNITS mistral units, each active, and a client
    through the catalog as it is now."""
    missing = UNITS - len(cloud.mistral_units())
    if missing > 0:
        # the Tempest suite's options while one unit restarts for them;
        # the new units install with them
        tempest_suite.configure()
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


def test_cron_fires_once_per_minute_through_the_api_suite_a_killed_engine_and_a_dead_unit(
        three_units, trigger, release, run_tempest):
    # Mistral's Tempest API suite; then one unit's machine stopped and 20
    # executions through another unit's killed engine and executor. The
    # trigger fires once a minute throughout: five minutes at least, two
    # of them after the stop
    client = three_units['mistral']
    units = cloud.mistral_units()
    # the dead unit is not the catalog's (clients keep their endpoint)
    endpoint = cloud.catalog_endpoints(three_units['env'], 'workflowv2')
    dead = next(u for u in reversed(units)
                if cloud.unit_address(u) not in endpoint['public'])
    crashed = next(u for u in reversed(units) if u != dead)
    first = cron_ticks.next_tick(time.time())
    # the last test on this deployment: the suite's options stay
    suite = run_tempest(three_units, reset=False)
    stopped = time.time()
    try:
        cloud.hard_stop(dead)
        succeeded, _, unfinished = recovery.crash_during_executions(
            three_units, off_the_minute_kill, crashed)
        last = max(first + 4 * 60, cron_ticks.next_tick(stopped) + 60)
        ticks = cron_ticks.runs_per_tick(client, trigger, last)
    finally:
        cloud.restart(dead)
    release['cron'] = cron_ticks.tally(ticks, first, last)
    recovery.record(release, succeeded)
    assert suite.trouble() is None, suite.trouble()
    assert not unfinished, unfinished
    assert cron_ticks.once_each(ticks, first, last), ticks
