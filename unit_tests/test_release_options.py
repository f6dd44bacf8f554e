"""What mistral.conf and haproxy.cfg carry on each release: the API's
health check, and the options only some releases have."""

import configparser
from urllib.parse import parse_qs, urlsplit

from charmhelpers.contrib.openstack import utils as os_utils

from unit_tests.test_mistral_hooks import HookTestCase


class ReleaseTestCase(HookTestCase):

    def on_release(self, release):
        """The installed Mistral is `release`'s."""
        self.patch(os_utils, 'os_release', lambda *a, **k: release)

    def conf(self):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(self.mistral_conf())
        return parser

    def haproxy_cfg(self):
        return self.read('/etc/haproxy/haproxy.cfg')


class TestHealthcheck(ReleaseTestCase):

    def test_epoxy_api_answers_health_checks_which_haproxy_polls(self):
        self.deploy_ready()
        conf = self.conf()
        self.assertEqual(conf['healthcheck']['enabled'], 'True')
        self.assertEqual(conf['healthcheck']['detailed'], 'False')
        cfg = self.haproxy_cfg()
        self.assertIn('option httpchk GET /healthcheck\n', cfg)
        self.assertIn('http-check expect status 200\n', cfg)
        self.assertNotIn('option httpchk GET /\n', cfg)

    def test_every_release_from_caracal_has_it_but_gazpacho(self):
        for release in ('caracal', 'dalmatian', 'flamingo', 'hibiscus'):
            self.on_release(release)
            self.deploy_ready()
            self.assertIn('healthcheck', self.conf(), release)
            self.assertIn('GET /healthcheck\n', self.haproxy_cfg(), release)

    def test_before_caracal_haproxy_polls_the_version_document(self):
        for release in ('yoga', 'zed', 'bobcat'):
            self.on_release(release)
            self.deploy_ready()
            self.assertNotIn('healthcheck', self.conf(), release)
            self.assertIn('option httpchk GET /\n', self.haproxy_cfg())

    def test_gazpacho_whose_middleware_would_answer_every_path_has_none(self):
        self.on_release('gazpacho')
        self.deploy_ready()
        self.assertNotIn('healthcheck', self.conf())
        self.assertIn('option httpchk GET /\n', self.haproxy_cfg())

    def test_an_upgrade_to_caracal_turns_the_health_check_on(self):
        self.on_release('bobcat')
        self.deploy_ready()
        self.on_release('caracal')
        self.run_hook('config-changed')
        self.assertIn('GET /healthcheck\n', self.haproxy_cfg())
        self.assertIn('haproxy', self.machine.reloads())


class TestReadCommitted(ReleaseTestCase):

    def connection_parameters(self):
        url = urlsplit(self.conf()['database']['connection'])
        return url.scheme, parse_qs(url.query)

    def test_every_mysql_connection_starts_read_committed_on_every_release(
            self):
        for release in ('yoga', 'epoxy', 'gazpacho', 'hibiscus'):
            self.on_release(release)
            self.deploy_ready()
            scheme, params = self.connection_parameters()
            self.assertEqual(scheme, 'mysql+pymysql')
            self.assertEqual(params['init_command'], [
                'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'],
                release)

    def test_postgresql_gets_no_mysql_statement(self):
        self.run_hook('install')
        self.add_postgresql()
        self.add_rabbitmq()
        self.add_keystone()
        self.run_hook('config-changed')
        scheme, params = self.connection_parameters()
        self.assertEqual(scheme, 'postgresql')
        self.assertEqual(params, {})
