"""Every option in config.yaml has a consumer: a dead option fails here.

An option is consumed when the charm's code reads it by name, or when the
charm calls the charmhelpers code that reads it and, for a template
context, a template uses the value.
"""

import glob
import os
import re
import unittest

import yaml

from unit_tests import CHARM_ROOT


def text(*patterns, exclude=()):
    found = []
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(CHARM_ROOT, pattern))):
            if os.path.isfile(path) and \
                    os.path.basename(path) not in exclude:
                with open(path) as f:
                    found.append(f.read())
    return '\n'.join(found)


OPTIONS = yaml.safe_load(text('config.yaml'))['options']
# config_checks.py checks every value: checking is not consuming
CHARM_CODE = text('hooks/*.py', 'actions/*.py', exclude={'config_checks.py'})
# the base templates and the per-release ones (templates/<release>/)
TEMPLATES = text('templates/*', 'templates/*/*')

CONTEXT = 'contrib/openstack/context.py'
HA_UTILS = 'contrib/openstack/ha/utils.py'
OS_IP = 'contrib/openstack/ip.py'
CLUSTER = 'contrib/hahelpers/cluster.py'
# (charmhelpers file that reads the options, the name of the charmhelpers
# code the charm calls to get there, {option: the template key carrying its
# value, or None when it ends in relation data, a port or an nrpe check})
THROUGH_CHARMHELPERS = [
    (CONTEXT, 'LogLevelContext', {'debug': 'debug'}),
    (CONTEXT, 'SyslogContext', {'use-syslog': 'use_syslog'}),
    (CONTEXT, 'InternalEndpointContext',
     {'use-internal-endpoints': 'use_internal_endpoints'}),
    (CONTEXT, 'WorkerConfigContext', {'worker-multiplier': 'workers'}),
    (CONTEXT, 'HAProxyContext', {
        'haproxy-{}-timeout'.format(kind): 'haproxy_{}_timeout'.format(kind)
        for kind in ('server', 'client', 'queue', 'connect')}),
    ('contrib/network/ip.py', 'get_relation_ip', {'prefer-ipv6': None}),
    (OS_IP, 'canonical_url', dict.fromkeys(
        'os-{}-{}'.format(endpoint, what)
        for endpoint in ('public', 'internal', 'admin')
        for what in ('hostname', 'network'))),
    (HA_UTILS, 'generate_ha_relation_data',
     dict.fromkeys(['vip_iface', 'vip_cidr'])),
    (CLUSTER, 'generate_ha_relation_data',
     dict.fromkeys(['ha-bindiface', 'ha-mcastport'])),
    ('contrib/charmsupport/nrpe.py', 'NRPE',
     dict.fromkeys(['nagios_context', 'nagios_servicegroups'])),
]
VIA_CHARMHELPERS = {option for _, _, options in THROUGH_CHARMHELPERS
                    for option in options}
# Options known to have no consumer yet, with the reason; each must still be
# dead (the entry goes when it is wired)
NOT_WIRED = {}


def read_by_charm(option):
    return re.search(r"""['"]{}['"]""".format(re.escape(option)),
                     CHARM_CODE) is not None


class TestOptionsHaveConsumers(unittest.TestCase):

    def test_every_option_has_a_consumer(self):
        dead = [name for name in OPTIONS
                if not read_by_charm(name) and
                name not in VIA_CHARMHELPERS and name not in NOT_WIRED]
        self.assertEqual(dead, [], 'options nothing reads: remove or wire')

    def test_charmhelpers_consumers_read_the_option_and_reach_a_template(
            self):
        for module, name, options in THROUGH_CHARMHELPERS:
            source = text(os.path.join('charmhelpers', module))
            for option, key in options.items():
                with self.subTest(option=option):
                    self.assertIn(option, OPTIONS)
                    self.assertRegex(source, r"""['"]{}['"]""".format(
                        re.escape(option)))
                    self.assertRegex(CHARM_CODE, r'\b{}\b'.format(name))
                    if key:
                        self.assertTrue(re.search(
                            r'\{[{%%][^}]*\b%s\b' % key, TEMPLATES),
                            'no template uses {}'.format(key))

    def test_options_not_wired_are_still_dead(self):
        for option in NOT_WIRED:
            with self.subTest(option=option):
                self.assertIn(option, OPTIONS)
                self.assertFalse(read_by_charm(option))
                self.assertNotIn(option, VIA_CHARMHELPERS)
