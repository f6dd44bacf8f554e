"""Fixtures of the functional tests: a deployment per bundle and series,
shared by the test modules that name the same (test_ha.py and test_tls.py
share the HA + TLS one), which run one after the other."""

import os
import sys
import time

import pytest
import yaml

import joins
import mistral_cloud as cloud
import previous_revision
import tempest_suite

PHASES = []   # (name, seconds), printed at the end of the session
HA_RESULT = '/var/lib/localcloud/ha-result.txt'   # `make ha_test` prints it
JOINS_RESULT = '/var/lib/localcloud/joins-result.txt'   # `make joins_test`
OPS_RESULT = '/var/lib/localcloud/ops-result.txt'   # `make ops_test`
RELEASE_RESULT = '/var/lib/localcloud/release-result.txt'  # `release_test`
HERE = os.path.dirname(os.path.abspath(__file__))


class Phase:
    """Times a step of the run for the closing report."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.start = time.time()
        sys.stderr.write('--- {} ...\n'.format(self.name))
        return self

    def __exit__(self, *exc):
        PHASES.append((self.name, time.time() - self.start))
        return False


@pytest.fixture(scope='session')
def packed_charm():
    """The .charm the bundles deploy, packed from this tree once per run."""
    with Phase('pack the charm'):
        return cloud.build_charm()


def deployment_key(module):
    return (getattr(module, 'SERIES', 'trixie'),
            getattr(module, 'BUNDLE', cloud.BUNDLE))


def pytest_collection_modifyitems(items):
    """Modules sharing a deployment run one after the other (in the order
    their first module came), other tests keep their places."""
    slots = [i for i, item in enumerate(items)
             if os.path.dirname(str(item.fspath)) == HERE]
    first = {}
    for i in slots:
        first.setdefault(deployment_key(items[i].module), len(first))
    ordered = sorted((items[i] for i in slots),
                     key=lambda item: first[deployment_key(item.module)])
    for i, item in zip(slots, ordered):
        items[i] = item


@pytest.fixture(scope='session')
def deployed():
    """{'key': (series, bundle)} of what this session deployed; removed at
    the end of the session (KEEP_DEPLOYMENT=1: reuse what is deployed and
    leave it up, for working on the tests; CI always starts afresh)."""
    keep = os.environ.get('KEEP_DEPLOYMENT') == '1'
    current = {'key': None}
    yield current
    if current['key'] and not keep:
        with Phase('{}: destroy'.format(current['key'][0])):
            cloud.localjuju('destroy', '-y')


@pytest.fixture(scope='module')
def deployment(request, deployed, packed_charm):
    """The module's BUNDLE on its SERIES, active: deployed afresh unless
    the module before used the same (or KEEP_DEPLOYMENT=1 finds it up)."""
    series, bundle = key = deployment_key(request.module)
    keep = os.environ.get('KEEP_DEPLOYMENT') == '1'
    fresh = deployed['key'] != key and not (
        keep and cloud.deployed_series() == series and
        cloud.deployed_units() == bundle_units(bundle))
    # the HA bundle comes up on the charm's previous revision, refreshed
    # to this one below (the charm upgrade an operator makes)
    previous = fresh and bundle == cloud.HA_BUNDLE and \
        previous_revision.charm()
    if fresh:
        with Phase('{}: clean leftovers'.format(series)):
            cloud.localjuju('destroy', '-y')
        with Phase('{}: deploy bundle until active'.format(series)):
            cloud.localjuju(
                'deploy', previous_revision.bundle(bundle, previous)
                if previous else bundle, '--series', series, timeout=3600)
            cloud.wait(workload='active')
    deployed['key'] = key
    cafile = cloud.fetch_ca()
    env = cloud.openrc(cloud.unit_address('keystone/0'), cafile)
    upgrade = None
    if previous:
        with Phase('{}: refresh from revision {}'.format(
                series, previous_revision.REVISION)):
            upgrade = previous_revision.refresh_with_work(
                env, cloud.bundle_charm(bundle), cloud.mistral_units())
    yield {'series': series, 'env': env, 'cafile': cafile,
           'mistral': cloud.mistral(env), 'upgrade': upgrade,
           'address': cloud.unit_address(cloud.mistral_units()[0])}


@pytest.fixture(scope='session')
def phase():
    return Phase


def bundle_units(path):
    with open(path) as f:
        return yaml.safe_load(f)['applications']['mistral']['num_units']


@pytest.fixture(scope='module')
def ha_figures():
    """What the HA tests measure; written for `make ha_test` to print."""
    figures = {}
    yield figures
    line = 'HA: vip-failover {} s, recovery-delay {} s, cron {}/{}'.format(
        _fmt(figures.get('vip-failover')), _fmt(figures.get('recovery-delay')),
        *figures.get('cron', ('-', '-')))
    with open(HA_RESULT, 'w') as f:
        f.write(line + '\n')
    PHASES.append((line, 0.0))


def ops_line(f):
    return ('OPS: zed->epoxy kept {}, lost {}, api-outage-max {} s; '
            'charm-upgrade migrations {}; pause outage {} s; '
            'nrpe ok/critical {}'.format(
                f.get('kept', '-/-'), f.get('lost', '-'),
                _fmt(f.get('api-outage-max')), f.get('migrations', '-'),
                _fmt(f.get('pause-outage')), f.get('nrpe', '-')))


@pytest.fixture(scope='session')
def ops_figures():
    """What the day-2 tests (upgrades, pause, nrpe) measure, in several
    modules; the OPS line for `make ops_test`."""
    if os.path.exists(OPS_RESULT):
        os.remove(OPS_RESULT)
    figures = {}
    yield figures
    if figures:
        with open(OPS_RESULT, 'w') as f:
            f.write(ops_line(figures) + '\n')
        PHASES.append((ops_line(figures), 0.0))


@pytest.fixture(scope='session')
def release_figures():
    """{series: figures} of each release's deployment (Tempest, cron ticks,
    work recovered after a crash); a RELEASE line each, for `make
    release_test`."""
    if os.path.exists(RELEASE_RESULT):
        os.remove(RELEASE_RESULT)
    figures = {}
    yield figures
    lines = [release_line(series, f) for series, f in figures.items()]
    if lines:
        with open(RELEASE_RESULT, 'w') as f:
            f.write(''.join(line + '\n' for line in lines))
        PHASES.extend((line, 0.0) for line in lines)


@pytest.fixture
def release(deployment, release_figures):
    """The figures of this module's release (its Debian series), with the
    Mistral version its units run."""
    figures = release_figures.setdefault(deployment['series'], {})
    figures.setdefault('version', cloud.status()['applications'][
        'mistral']['version'])
    return figures


@pytest.fixture
def run_tempest(release):
    """run(deployment, reset=True): Mistral's Tempest API suite against
    it, recorded for the RELEASE line; its tempest_suite.Result."""
    def run(deployment, reset=True):
        with Phase('{}: tempest'.format(deployment['series'])):
            result = tempest_suite.run(deployment, reset=reset)
        release['tempest'] = result.ratio
        PHASES.append(('{}: {}, {} skipped by the suite, {} excluded'.format(
            deployment['series'], result.summary(), len(result.skipped),
            len(result.excluded)), 0.0))
        for how, tests in (('skipped', result.skipped),
                           ('excluded', result.excluded)):
            PHASES.extend(('{}: tempest {} {}: {}'.format(
                deployment['series'], how, test.split('[')[0].rsplit('.', 1)[-1],
                why.splitlines()[0] if why else ''), 0.0)
                for test, why in sorted(tests.items()))
        return result
    return run


def release_line(series, f):
    def ratio(key):
        return '{}/{}'.format(*f[key]) if key in f else '-/-'
    return 'RELEASE {} mistral {}: tempest {}, cron {}, recovered {}'.format(
        series, f['version'], ratio('tempest'), ratio('cron'),
        ratio('recovered'))


@pytest.fixture(scope='session')
def joins_figures():
    """(deployment, figures) of each joins test (joins.run_rounds()), summed
    into the JOINS line for `make joins_test`."""
    if os.path.exists(JOINS_RESULT):
        os.remove(JOINS_RESULT)
    runs = []
    yield runs
    if not runs:
        return
    for name, figures in runs:
        PHASES.append(('{}: {}'.format(name, joins_line(figures)), 0.0))
    total = {key: sum(figures[key] for _, figures in runs)
             for key in runs[0][1] if key != 'failed'}
    line = joins_line(total)
    with open(JOINS_RESULT, 'w') as f:
        f.write(line + '\n')
    PHASES.append((line, 0.0))


@pytest.fixture
def joins_rounds(joins_figures):
    """run(deployment, name, units): joins.run_rounds() on those units,
    recorded under `name` for the JOINS line; every execution must end
    SUCCESS within its bound, with no DetachedInstanceError logged and no
    engine restarted."""
    def run(deployment, name, units):
        with Phase('{}: joins after with-items'.format(name)):
            figures = joins.run_rounds(deployment['mistral'], units)
        joins_figures.append((name, figures))
        assert figures['succeeded'] == figures['started'], figures
        assert (figures['detached'], figures['engine-restarts']) == (0, 0), \
            figures
    return run


def joins_line(figures):
    return ('JOINS: {}/{} executions, stuck {}, deadlocks-logged {}, '
            'engine-restarts {}'.format(
                figures['succeeded'], figures['started'], figures['stuck'],
                figures['deadlocks'], figures['engine-restarts']))


def _fmt(seconds):
    return '-' if seconds is None else '{:.1f}'.format(seconds)


def pytest_terminal_summary(terminalreporter):
    if not PHASES:
        return
    terminalreporter.section('time per phase')
    for name, seconds in PHASES:
        terminalreporter.write_line('{:>8.1f} s  {}'.format(seconds, name))
