import unittest

from unit_tests.fake_juju import charm_defaults

import config_checks


class TestConfigError(unittest.TestCase):

    def error(self, distro='Debian', **options):
        cfg = charm_defaults()
        # option names with '-' as keyword arguments with '_'; ssl_* and
        # vip_* keep it
        cfg.update({k if k.startswith(('ssl_', 'vip_')) else
                    k.replace('_', '-'): v
                    for k, v in options.items()})
        return config_checks.config_error(cfg, distro_id=distro)

    def test_defaults_are_good_on_debian_and_ubuntu(self):
        self.assertIsNone(self.error('Debian'))
        self.assertIsNone(self.error('Ubuntu'))

    def test_cloud_archive_only_on_ubuntu(self):
        self.assertIsNone(self.error('Ubuntu',
                                     openstack_origin='cloud:jammy-bobcat'))
        self.assertIn('exists only on Ubuntu', self.error(
            'Debian', openstack_origin='cloud:jammy-bobcat'))

    def test_cloud_archive_release_must_be_known(self):
        self.assertIn("unknown OpenStack release 'zebra'", self.error(
            'Ubuntu', openstack_origin='cloud:jammy-zebra'))

    def test_other_origin_forms(self):
        for origin in ('distro', 'distro-proposed', 'ppa:team/stuff',
                       'deb http://example.com/debian bookworm main',
                       'cloud:noble-epoxy/proposed'):
            self.assertIsNone(self.error('Ubuntu', openstack_origin=origin),
                              origin)
        self.assertTrue(self.error(openstack_origin='latest').startswith(
            "openstack-origin: 'latest' is not"))

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
