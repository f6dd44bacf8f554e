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
            if os.path.basename(path) not in exclude:
                with open(path) as f:
                    found.append(f.read())
    return '\n'.join(found)


OPTIONS = yaml.safe_load(text('config.yaml'))['options']
# config_checks.py checks every value: checking is not consuming
CHARM_CODE = text('hooks/*.py', 'actions/*.py', exclude={'config_checks.py'})
TEMPLATES = text('templates/*')

CONTEXT = 'contrib/openstack/context.py'
HA_UTILS = 'contrib/openstack/ha/utils.py'
OS_IP = 'contrib/openstack/ip.py'
CLUSTER = 'contrib/hahelpers/cluster.py'
# option -> (charmhelpers file that reads it, the name of the charmhelpers
# code the charm calls to get there, the template key carrying the value, or
# None when it ends in relation data, a port or an nrpe check)
THROUGH_CHARMHELPERS = {
    'debug': (CONTEXT, 'LogLevelContext', 'debug'),
    'use-syslog': (CONTEXT, 'SyslogContext', 'use_syslog'),
    'use-internal-endpoints': (CONTEXT, 'InternalEndpointContext',
                               'use_internal_endpoints'),
    'worker-multiplier': (CONTEXT, 'WorkerConfigContext', 'workers'),
    'haproxy-server-timeout': (CONTEXT, 'HAProxyContext',
                               'haproxy_server_timeout'),
    'haproxy-client-timeout': (CONTEXT, 'HAProxyContext',
                               'haproxy_client_timeout'),
    'haproxy-queue-timeout': (CONTEXT, 'HAProxyContext',
                              'haproxy_queue_timeout'),
    'haproxy-connect-timeout': (CONTEXT, 'HAProxyContext',
                                'haproxy_connect_timeout'),
    'prefer-ipv6': ('contrib/network/ip.py', 'get_relation_ip', None),
    'os-public-hostname': (OS_IP, 'canonical_url', None),
    'os-internal-hostname': (OS_IP, 'canonical_url', None),
    'os-admin-hostname': (OS_IP, 'canonical_url', None),
    'os-public-network': (OS_IP, 'canonical_url', None),
    'os-internal-network': (OS_IP, 'canonical_url', None),
    'os-admin-network': (OS_IP, 'canonical_url', None),
    'vip_iface': (HA_UTILS, 'generate_ha_relation_data', None),
    'vip_cidr': (HA_UTILS, 'generate_ha_relation_data', None),
    'ha-bindiface': (CLUSTER, 'generate_ha_relation_data', None),
    'ha-mcastport': (CLUSTER, 'generate_ha_relation_data', None),
    # https() moves the API's port
    'ssl_cert': (CLUSTER, 'determine_api_port', None),
    'ssl_key': (CLUSTER, 'determine_api_port', None),
    'nagios_context': ('contrib/charmsupport/nrpe.py', 'NRPE', None),
    'nagios_servicegroups': ('contrib/charmsupport/nrpe.py', 'NRPE', None),
}
# Options known to have no consumer yet, with the reason; each must still be
# dead (the entry goes when it is wired)
NOT_WIRED = {
    'ssl_ca': 'TLS is not served yet: nothing reads the CA',
}


def read_by_charm(option):
    return re.search(r"""['"]{}['"]""".format(re.escape(option)),
                     CHARM_CODE) is not None


class TestOptionsHaveConsumers(unittest.TestCase):

    def test_every_option_has_a_consumer(self):
        dead = [name for name in OPTIONS
                if not read_by_charm(name) and
                name not in THROUGH_CHARMHELPERS and name not in NOT_WIRED]
        self.assertEqual(dead, [], 'options nothing reads: remove or wire')

    def test_charmhelpers_consumers_read_the_option_and_reach_a_template(
            self):
        for option, (module, name, key) in THROUGH_CHARMHELPERS.items():
            with self.subTest(option=option):
                self.assertIn(option, OPTIONS)
                source = text(os.path.join('charmhelpers', module))
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
                self.assertNotIn(option, THROUGH_CHARMHELPERS)
