import os
import unittest

import yaml

from unit_tests.fake_juju import charm_defaults

import config_checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


HOSTS = {
    'jammy': {'DISTRIB_ID': 'Ubuntu', 'DISTRIB_CODENAME': 'jammy'},
    'noble': {'DISTRIB_ID': 'Ubuntu', 'DISTRIB_CODENAME': 'noble'},
    'bookworm': {'DISTRIB_ID': 'Debian', 'DISTRIB_CODENAME': 'bookworm'},
    'trixie': {'DISTRIB_ID': 'Debian', 'DISTRIB_CODENAME': 'trixie'},
    'forky': {'DISTRIB_ID': 'Debian', 'DISTRIB_CODENAME': 'forky'},
}
UCA = 'http://ubuntu-cloud.archive.canonical.com/ubuntu'
# Every form config.yaml documents, and where it works: the series it
# installs a supported release on; everywhere else it blocks.
ORIGINS = {
    'distro': set(HOSTS),
    'distro-proposed': {'jammy', 'noble'},
    'cloud:jammy-zed': {'jammy'},
    'cloud:jammy-caracal': {'jammy'},
    'cloud:jammy-bobcat/updates': {'jammy'},
    'cloud:jammy-antelope/proposed': {'jammy'},
    'cloud:jammy-caracal/staging': {'jammy'},
    'cloud:noble-dalmatian': {'noble'},
    'cloud:noble-epoxy/proposed': {'noble'},
    'cloud:noble-gazpacho': {'noble'},
    'ppa:ubuntu-cloud-archive/epoxy-staging': {'jammy', 'noble'},
    'deb {} noble-updates/flamingo main'.format(UCA): {'jammy', 'noble'},
    'deb {} noble-updates/flamingo main|ABCDEF12'.format(UCA):
        {'jammy', 'noble'},
    # never: no release named, the wrong series, not in the Cloud Archive,
    # older than the charm, not a documented form
    'ppa:team/stuff': set(),
    'deb http://example.com/debian bookworm main': set(),
    'cloud:focal-yoga': set(),
    'cloud:jammy-yoga': set(),
    'cloud:jammy-epoxy': set(),
    'cloud:noble-caracal': set(),
    'cloud:noble-zebra': set(),
    'cloud:epoxy': set(),
    'deb http://example.com/ubuntu noble-updates/ussuri main': set(),
    'epoxy': set(),
    'latest': set(),
    '': set(),
}


class TestConfigError(unittest.TestCase):

    def error(self, series='bookworm', **options):
        cfg = charm_defaults()
        # option names with '-' as keyword arguments with '_'; ssl_* and
        # vip_* keep it
        cfg.update({k if k.startswith(('ssl_', 'vip_')) else
                    k.replace('_', '-'): v
                    for k, v in options.items()})
        return config_checks.config_error(cfg, host=HOSTS[series])

    def test_defaults_are_good_on_every_series(self):
        for series in HOSTS:
            self.assertIsNone(self.error(series), series)

    def test_every_documented_origin_works_or_blocks_naming_the_option(self):
        for origin, works_on in ORIGINS.items():
            for series in HOSTS:
                error = self.error(series, openstack_origin=origin)
                if series in works_on:
                    self.assertIsNone(error, (origin, series))
                else:
                    self.assertTrue(error.startswith('openstack-origin: '),
                                    (origin, series, error))

    def test_origin_messages_say_what_is_wrong(self):
        self.assertEqual(
            self.error('jammy', openstack_origin='cloud:jammy-epoxy'),
            'openstack-origin: the Cloud Archive has no epoxy for jammy '
            '(jammy ships yoga: use distro; the Cloud Archive has zed, '
            'antelope, bobcat, caracal)')
        self.assertEqual(
            self.error('jammy', openstack_origin='cloud:focal-yoga'),
            "openstack-origin: 'cloud:focal-yoga' is the Cloud Archive of "
            "focal, this unit runs jammy")
        self.assertIn("names no OpenStack release", self.error(
            'noble', openstack_origin='ppa:team/stuff'))
        self.assertIn("needs Ubuntu", self.error(
            'trixie', openstack_origin='cloud:noble-epoxy'))
        self.assertIn("unknown OpenStack release 'zebra'", self.error(
            'noble', openstack_origin='cloud:noble-zebra'))
        self.assertIn('the charm supports yoga and later', self.error(
            'noble', openstack_origin='deb http://example.com/ubuntu '
            'noble-updates/ussuri main'))
        self.assertTrue(self.error(openstack_origin='latest').startswith(
            "openstack-origin: 'latest' is not one of distro, "))

    def test_every_documented_form_is_in_config_yaml(self):
        with open(os.path.join(ROOT, 'config.yaml')) as f:
            text = yaml.safe_load(f)['options']['openstack-origin'][
                'description']
        for form in ('distro', 'distro-proposed', 'cloud:<series>-<release>',
                     '/updates', '/proposed', '/staging',
                     'ppa:<owner>/<name>', 'deb <url> <suite> <components>',
                     '|<key>'):
            self.assertIn(form, text)

    def test_numbers_name_option_bound_and_value(self):
        self.assertEqual(
            self.error(worker_multiplier=-1.0),
            'worker-multiplier: must be at least 0 (worker processes per '
            'CPU), got -1.0')
        self.assertEqual(
            self.error(ha_mcastport=70000),
            'ha-mcastport: must be from 1 to 65535 (a port), got 70000')
        self.assertIsNone(self.error(execution_field_size_limit_kb=-1))
        self.assertTrue(self.error(
            execution_field_size_limit_kb=-2).startswith(
                'execution-field-size-limit-kb'))
        self.assertTrue(self.error(action_heartbeat_interval=0).startswith(
            'action-heartbeat-interval'))

    def test_empty_names(self):
        self.assertEqual(self.error(rabbit_vhost=' '),
                         'rabbit-vhost: must not be empty')

    def test_vips(self):
        self.assertIsNone(self.error(vip='10.0.0.100 2001:db8::100'))
        self.assertEqual(self.error(vip='10.0.0.100 10.0.0.x'),
                         "vip: '10.0.0.x' is not an IP address")
        self.assertEqual(self.error(vip='10.0.0.100 10.0.0.100'),
                         "vip: '10.0.0.100' is listed twice")
        self.assertEqual(self.error(vip='10.0.0.100', vip_cidr=64),
                         'vip_cidr: 64 is longer than an IPv4 netmask '
                         '(vip 10.0.0.100)')
        self.assertIsNone(self.error(vip='2001:db8::100', vip_cidr=64))
        self.assertEqual(self.error(vip='10.0.0.100', dns_ha=True),
                         'vip and dns-ha: set one of them, not both')
        self.assertTrue(self.error(dns_ha=True).startswith('dns-ha: needs'))
        self.assertIsNone(self.error(dns_ha=True,
                                     os_public_hostname='m.example.com'))

    def test_networks(self):
        self.assertIsNone(self.error(os_public_network='10.5.0.0/16'))
        self.assertEqual(self.error(os_admin_network='10.5.0.0/33'),
                         "os-admin-network: '10.5.0.0/33' is not a network "
                         "in CIDR form")

    def test_a_line_break_in_a_rendered_option_is_refused(self):
        for value in ('One\n[pecan]\nauth_enable = False', 'One\r',
                      'One\x0bTwo', 'One\u2028Two'):
            with self.subTest(value=value):
                self.assertEqual(self.error(region=value),
                                 'region: contains a line break; refused')

    def test_wrapped_base64_certificates_are_no_line_break_problem(self):
        self.assertIsNone(self.error(ssl_ca='Zm9v\nYmFy\n'))
