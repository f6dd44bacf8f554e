"""`make suites_check`: the real-Juju suites import and their bundles hold
together, offline, with the suites' venv python (zaza, amulet from PyPI).

- imports tests.zaza_mistral.tests and basic_deployment (amulet asks
  `juju version` on import: tests/localcloud/bin/juju answers);
- every bundle (each release with its HA and TLS overlays, zaza's overlay
  templates, the Mojo spec's, the local cloud's) names charms whose
  endpoints exist, and relates endpoints of one interface, provider to
  requirer;
- the Mojo manifest parses into phases Mojo has, naming scripts that
  exist; the Mojo bundle is what suite_bundles.py writes.
"""
import glob
import os
import sys
import tempfile

import yaml

TESTS = os.path.dirname(os.path.abspath(__file__))
CHARM = os.path.dirname(TESTS)
sys.path[:0] = [CHARM, TESTS, os.path.join(TESTS, 'mojo')]

import run_local  # noqa: E402
import suite_bundles  # noqa: E402

# Endpoints of the partner charms the bundles name, from their
# metadata.yaml (openstack/charm-keystone, charm-mysql-router,
# charm-mysql-innodb-cluster, charm-rabbitmq-server, charm-hacluster,
# charm-vault): {charm: {endpoint: (role, interface)}}
PARTNERS = {
    'keystone': {'shared-db': ('requires', 'mysql-shared'),
                 'identity-service': ('provides', 'keystone'),
                 'certificates': ('requires', 'tls-certificates'),
                 'ha': ('requires', 'hacluster')},
    'mysql-router': {'shared-db': ('provides', 'mysql-shared'),
                     'db-router': ('requires', 'mysql-router')},
    'mysql-innodb-cluster': {'db-router': ('provides', 'mysql-router'),
                             'certificates': ('requires', 'tls-certificates')},
    'rabbitmq-server': {'amqp': ('provides', 'rabbitmq')},
    'hacluster': {'ha': ('provides', 'hacluster')},
    'vault': {'shared-db': ('requires', 'mysql-shared'),
              'certificates': ('provides', 'tls-certificates')},
}
MOJO_PHASES = {'script', 'verify', 'juju-check-wait', 'bundle', 'deploy',
               'collect', 'sleep'}


def endpoints_of(metadata):
    out = {}
    for role in ('provides', 'requires', 'peers'):
        for name, spec in (metadata.get(role) or {}).items():
            out[name] = (role, spec['interface'])
    return out


def charm_endpoints(ref, bundle_dir):
    """Endpoints of a bundle's charm: ours (a .charm or the tree), a local
    stand-in by path, or a Charmhub partner."""
    if ref.endswith('.charm') or os.path.basename(ref.rstrip('/')) == \
            os.path.basename(CHARM) or ref in ('../..', CHARM):
        path = os.path.join(CHARM, 'metadata.yaml')
    elif ref.startswith(('.', '/')):
        path = os.path.join(bundle_dir, ref, 'metadata.yaml')
    else:
        return PARTNERS[ref]
    with open(path) as f:
        return endpoints_of(yaml.safe_load(f))


def check_bundle(label, bundle, bundle_dir):
    problems = []
    apps = bundle['applications']
    eps = {name: charm_endpoints(spec['charm'], bundle_dir)
           for name, spec in apps.items()}
    for pair in bundle.get('relations') or []:
        ends = []
        for word in pair:
            app, _, ep = word.partition(':')
            if app not in eps or ep not in eps[app]:
                problems.append('{}: {} names no endpoint'.format(label, word))
            else:
                ends.append(eps[app][ep])
        if len(ends) == 2:
            roles = sorted(e[0] for e in ends)
            if ends[0][1] != ends[1][1] or roles != ['provides', 'requires']:
                problems.append('{}: {} joins {}'.format(label, pair, ends))
    return problems


def bundles():
    """(label, bundle dict, dir its relative charm paths start from)."""
    for release in suite_bundles.RELEASES:
        yield (release + ' +ha +tls', suite_bundles.merged(
            release, ha=True, tls=True, vip='10.0.0.100'), CHARM)
        zaza_overlay = suite_bundles._render(
            suite_bundles.OVERLAYS, release + '.yaml.j2',
            {'TEST_VIP00': '10.0.0.100'})
        docs = list(yaml.safe_load_all(zaza_overlay))
        assert len(docs) == 2, 'zaza overlay {}: {} documents'.format(
            release, len(docs))
    docs = list(yaml.safe_load_all(suite_bundles.mojo_bundle()))
    yield ('mojo mistral-ha', suite_bundles.overlay(*docs),
           suite_bundles.MOJO_SPEC)
    for path in sorted(glob.glob(os.path.join(TESTS, 'bundles', '*.yaml'))):
        with open(path) as f:
            yield (os.path.relpath(path, CHARM), yaml.safe_load(f),
                   os.path.dirname(path))


def main():
    problems = []
    os.environ['PATH'] = os.path.join(TESTS, 'localcloud', 'bin') + \
        os.pathsep + os.environ['PATH']
    os.environ['LOCALCLOUD_HOME'] = tempfile.mkdtemp()
    import basic_deployment  # noqa: F401
    import tests.zaza_mistral.tests as zaza_tests
    print('imported: tests.zaza_mistral.tests.MistralTest ({} tests), '
          'basic_deployment.MistralBasicDeployment'.format(
              len([n for n in dir(zaza_tests.MistralTest)
                   if n.startswith('test_')])))
    checked = 0
    for label, bundle, bundle_dir in bundles():
        problems += check_bundle(label, bundle, bundle_dir)
        checked += 1
    print('bundles: {} checked'.format(checked))
    with open(os.path.join(suite_bundles.MOJO_SPEC, 'manifest')) as f:
        steps = run_local.phases(f.read())
    for phase, config, _ in steps:
        if phase not in MOJO_PHASES:
            problems.append('manifest: unknown phase {}'.format(phase))
        if config and not os.path.exists(
                os.path.join(suite_bundles.MOJO_SPEC, config)):
            problems.append('manifest: {} is missing'.format(config))
    with open(suite_bundles.MOJO_BUNDLE) as f:
        if f.read() != suite_bundles.mojo_bundle():
            problems.append('{} is stale: python3 tests/suite_bundles.py '
                            '--write'.format(suite_bundles.MOJO_BUNDLE))
    print('mojo manifest: {} phases'.format(len(steps)))
    for p in problems:
        print('PROBLEM ' + p)
    print('suites_check: {}'.format('FAILED' if problems else 'ok'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
