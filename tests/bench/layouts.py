"""The deployments the benchmark measures, deployed when missing.

'single': the one-unit bundle, with Debian's packaged Mistral (the
mistral-packaged stand-in) on the services' machine, wired to the same
database server, broker and Keystone; 'ha': the three-unit bundle.
Both on Debian trixie, or on the series SERIES names (as `make
deploy-local`).
"""

import os

import mistral_cloud as cloud

PACKAGED = 'mistral-packaged'
PACKAGED_CHARM = os.path.join(cloud.TESTS, 'charms', PACKAGED)
LAYOUTS = {'single': (cloud.BUNDLE, 1), 'ha': (cloud.HA_BUNDLE, 3)}
SERIES = os.environ.get('SERIES', 'trixie')


def deployed(series=None):
    """The layout deployed (on `series`, if given), or None."""
    if series and cloud.deployed_series() != series:
        return None
    units = cloud.deployed_units()
    return next((name for name, (_, n) in LAYOUTS.items() if n == units),
                None)


def order(wanted):
    """The layouts to measure, the one deployed first."""
    if 'current' in wanted:
        return [deployed() or 'single']
    now = deployed(SERIES)
    return sorted(wanted, key=lambda layout: layout != now)


def ensure(layout, packaged=True, series=SERIES):
    """Deploy `layout` on `series` unless it is up (series None: on any);
    what to measure on it: {'hooks': unit (single only), 'loads': {target:
    endpoint}}, with Debian's packaged Mistral beside the single unit if
    `packaged`."""
    bundle, units = LAYOUTS[layout]
    if deployed(series) != layout:
        cloud.localjuju('destroy', '-y')
        cloud.localjuju('deploy', bundle, '--series', series or SERIES,
                        timeout=3600)
    cloud.wait(workload='active')
    mistral = sorted(u for u in cloud.all_units() if u.startswith('mistral/'))
    loads = {'1 unit' if units == 1 else '{} units'.format(units): {
        'url': None, 'units': mistral}}
    if layout != 'single':
        return {'loads': loads}
    if packaged:
        ensure_packaged()
        unit = '{}/0'.format(PACKAGED)
        loads['packaged'] = {'url': 'http://{}:{}/v2'.format(
            cloud.unit_address(unit), cloud.API_PORT), 'units': [unit]}
    return {'hooks': mistral[0], 'loads': loads}


def ensure_packaged():
    if PACKAGED in cloud.status()['applications']:
        return
    cloud.localjuju('deploy', PACKAGED_CHARM, '--to',
                    cloud.machine_of('mysql/0'))
    for endpoint, provider in (('shared-db', 'mysql'),
                               ('amqp', 'rabbitmq-server'),
                               ('identity-service', 'keystone')):
        cloud.localjuju('integrate', '{}:{}'.format(PACKAGED, endpoint),
                        provider)
    cloud.wait(workload='active')
