"""What mistral.conf and haproxy.cfg carry on each release: the API's
health check, and the options only some releases have."""

import configparser
import os
from urllib.parse import parse_qs, urlsplit

from charmhelpers.contrib.openstack import utils as os_utils

import mistral_db_check
import mistral_patches
from unit_tests import charm_case, fake_mistral
from unit_tests.test_mistral_hooks import HookTestCase


class ReleaseTestCase(HookTestCase):

    def on_release(self, release):
        """The installed Mistral is `release`'s."""
        self.patch(os_utils, 'os_release', lambda *a, **k: release)

    def conf(self):
        # [DEFAULT] read as a section of its own, not merged into the others
        parser = configparser.ConfigParser(interpolation=None,
                                           default_section='-')
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
        # clients of the public port do not reach it
        frontend = cfg.split('frontend tcp-in_mistral_api')[1].split(
            'backend')[0]
        self.assertIn('    tcp-request content reject if { req.proto_http } '
                      '{ path /healthcheck }\n', frontend)

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
            self.assertNotIn('tcp-request', self.haproxy_cfg())

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


# what mistral/config.py names in a release with every hardening option
# (23.0.0), in its own spelling (EXPRESSIONS_GROUP in double quotes)
CONFIG_PY_23 = '''
ACTION_PROVIDERS_GROUP = 'action_providers'
action_providers_opts = [cfg.ListOpt('allowlist'), cfg.ListOpt('denylist')]
action_std_http_opts = [cfg.ListOpt('allowed_hosts'),
                        cfg.ListOpt('denied_cidrs')]
expression_opts = [cfg.ListOpt('allowed_languages')]
EXPRESSIONS_GROUP = "expressions"
ACTION_STD_HTTP_GROUP = 'action_std_http'
'''
# 20.0.0's: none of them
CONFIG_PY_20 = '''
LEGACY_ACTION_PROVIDER_GROUP = 'legacy_action_provider'
api_opts = [cfg.BoolOpt('allow_action_execution_deletion')]
'''
HARDENED = {
    'action-provider-allowlist': 'legacy, adhoc',
    'action-provider-denylist': 'dynamic',
    'std-http-allowed-hosts': 'example.com,api.example.org',
    'std-http-denied-cidrs': '127.0.0.0/8 169.254.0.0/16,10.0.0.0/8',
    'expression-languages': 'yaql',
}


class TestReleaseOptions(ReleaseTestCase):

    def install_config_py(self, text):
        path = self.tmp + '/dist-packages/mistral/config.py'
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)

    def test_safe_defaults_render_no_hardening_section(self):
        self.install_config_py(CONFIG_PY_23)
        self.deploy_ready()
        conf = self.conf()
        self.assertEqual(conf['api']['allow_action_execution_deletion'],
                         'False')
        for section in ('action_providers', 'action_std_http',
                        'expressions', 'execution_expiration_policy'):
            self.assertNotIn(section, conf)

    def test_action_execution_deletion_when_allowed(self):
        self.juju.config['allow-action-execution-deletion'] = True
        self.deploy_ready()
        self.assertEqual(
            self.conf()['api']['allow_action_execution_deletion'], 'True')

    def test_expired_executions_are_deleted_in_batches(self):
        self.juju.config.update({'execution-expiration-older-than': 60,
                                 'execution-expiration-batch-size': 500})
        self.deploy_ready()
        policy = self.conf()['execution_expiration_policy']
        self.assertEqual(dict(policy), {
            'evaluation_interval': '60', 'older_than': '60',
            'batch_size': '500'})

    def test_hardening_options_render_where_the_code_has_them(self):
        self.install_config_py(CONFIG_PY_23)
        self.juju.config.update(HARDENED)
        self.deploy_ready()
        conf = self.conf()
        self.assertEqual(dict(conf['action_providers']), {
            'allowlist': 'legacy,adhoc', 'denylist': 'dynamic'})
        self.assertEqual(dict(conf['action_std_http']), {
            'allowed_hosts': 'example.com,api.example.org',
            'denied_cidrs': '127.0.0.0/8,169.254.0.0/16,10.0.0.0/8'})
        self.assertEqual(dict(conf['expressions']),
                         {'allowed_languages': 'yaql'})

    def test_code_without_them_gets_none_and_a_warning(self):
        self.install_config_py(CONFIG_PY_20)
        self.juju.config.update(HARDENED)
        self.deploy_ready()
        conf = self.conf()
        for section in ('action_providers', 'action_std_http',
                        'expressions'):
            self.assertNotIn(section, conf)
        self.assertEqual(self.juju.status[0], 'active')
        self.assertTrue(any(
            'std-http-denied-cidrs: the installed Mistral has no '
            '[action_std_http] denied_cidrs' in line
            for line in self.juju.logs))

    def test_a_package_upgrade_bringing_them_renders_them(self):
        self.install_config_py(CONFIG_PY_20)
        self.juju.config.update(HARDENED)
        self.deploy_ready()
        self.install_config_py(CONFIG_PY_23)
        self.run_hook('config-changed')
        self.assertIn('expressions', self.conf())


class TestBadOptionValues(ReleaseTestCase):

    def test_each_bad_value_blocks_naming_the_option(self):
        self.deploy_ready()
        good = self.mistral_conf()
        for option, value, message in [
                ('execution-expiration-batch-size', -1,
                 'execution-expiration-batch-size: must be at least 0'),
                ('action-provider-allowlist', 'legacy,openstack',
                 "action-provider-allowlist: 'openstack' is not one of "
                 'legacy, adhoc, dynamic'),
                ('action-provider-denylist', 'std',
                 "action-provider-denylist: 'std' is not one of"),
                ('std-http-allowed-hosts', 'Example.com',
                 "std-http-allowed-hosts: 'Example.com' is not a lowercase "
                 'host name'),
                ('std-http-allowed-hosts', 'http://example.com',
                 "std-http-allowed-hosts: 'http://example.com' is not"),
                ('std-http-denied-cidrs', '10.0.0.0/33',
                 "std-http-denied-cidrs: '10.0.0.0/33' is not a network in "
                 'CIDR form'),
                ('expression-languages', 'yaql,python',
                 "expression-languages: 'python' is not one of yaql, "
                 'jinja')]:
            self.juju.config[option] = value
            self.run_hook('config-changed')
            state, message_seen = self.juju.status
            self.assertEqual(state, 'blocked', option)
            self.assertTrue(message_seen.startswith(message), message_seen)
            self.assertEqual(self.mistral_conf(), good, option)
            self.juju.config[option] = HARDENED.get(option, 0)


class TestQuorumQueues(ReleaseTestCase):

    def rabbit(self):
        return dict(self.conf()['oslo_messaging_rabbit'])

    def test_classic_queues_by_default(self):
        self.deploy_ready()
        self.assertEqual(self.rabbit(), {})

    def test_quorum_queues_on_every_release_when_asked(self):
        self.juju.config['rabbit-quorum-queues'] = True
        for release in ('yoga', 'epoxy', 'hibiscus'):
            self.on_release(release)
            self.deploy_ready()
            self.assertEqual(self.rabbit(), {'rabbit_quorum_queue': 'True'},
                             release)

    def test_quorum_queues_never_come_with_mirrored_ones(self):
        self.juju.config['rabbit-quorum-queues'] = True
        self.deploy_ready()
        # what rabbitmq-server charms before 3.0.1 brokers sent
        self.juju.remote_set('amqp:3', 'rabbitmq-server/0', ha_queues='True')
        self.run_hook('amqp-relation-changed', 'amqp:3', 'rabbitmq-server/0')
        self.assertEqual(self.rabbit(), {'rabbit_quorum_queue': 'True'})
        self.assertEqual(set(self.juju.local_data('amqp:3')),
                         {'username', 'vhost'})

    def test_switching_restarts_mistral_and_not_haproxy(self):
        self.deploy_ready()
        self.juju.config['rabbit-quorum-queues'] = True
        self.run_hook('config-changed')
        self.assertEqual(sorted(self.machine.restarts()), [
            'mistral-api', 'mistral-engine', 'mistral-engine@2',
            'mistral-executor'])


class TestIsolationCheck(ReleaseTestCase):
    """A Mistral database session says which isolation it runs in."""

    def answer(self, level):
        """What the check's Python, run as a Mistral session, prints."""
        asked = []
        fake = charm_case.FakeSubprocess(self.machine)

        def check_output(cmd, *args, **kwargs):
            asked.append(cmd)
            return level + '\n'
        fake.check_output = check_output
        self.patch(mistral_db_check, 'subprocess', fake)
        return asked

    def test_a_session_not_read_committed_blocks_the_unit(self):
        asked = self.answer('REPEATABLE-READ')
        self.deploy_ready()
        self.assertEqual(asked[0][1:], [
            '-c', mistral_db_check.SCRIPT,
            self.path('/etc/mistral/mistral.conf')])
        self.assertEqual(self.juju.status, (
            'blocked', 'Mistral database sessions run REPEATABLE-READ, not '
            'READ COMMITTED (MySQL)'))

    def test_a_read_committed_session_leaves_the_unit_active(self):
        self.answer('READ-COMMITTED')
        self.deploy_ready()
        self.assertEqual(self.juju.status[0], 'active')
        self.assertIn('Mistral database sessions run READ-COMMITTED',
                      self.juju.logs)

    def test_asked_again_only_when_mistral_conf_or_code_changes(self):
        asked = self.answer('READ-COMMITTED')
        self.deploy_ready()
        before = len(asked)
        self.juju.config['haproxy-client-timeout'] = 60000
        self.run_hook('config-changed')
        self.assertEqual(len(asked), before)
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(len(asked), before + 1)
        fake_mistral.install(mistral_patches.TARGET_DIR)  # code to fix
        self.run_hook('upgrade-charm')
        self.assertEqual(len(asked), before + 2)
