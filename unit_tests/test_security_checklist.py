"""security-checklist: the Security Guide's checks on what the charm wrote;
each result set, a failure fails the action naming the check."""

import os

from charmhelpers.contrib.openstack.audits import (
    openstack_security_guide as guide,
)

from unit_tests import certs, fake_juju, test_tls
from unit_tests.test_mistral_hooks import HookTestCase

import mistral_audits

actions = fake_juju.import_in_model('actions')
CHECKS = ['validate-api-uses-tls', 'validate-auth-by-keystone',
          'validate-debug-disabled', 'validate-file-ownership',
          'validate-file-permissions', 'validate-keystone-over-tls',
          'validate-messaging-over-tls']


class TestSecurityChecklist(HookTestCase):

    def setUp(self):
        super().setUp()
        self.patch(mistral_audits, 'MISTRAL_CONF',
                   self.path('/etc/mistral/mistral.conf'))
        self.patch(mistral_audits, 'HAPROXY_PEM', self.path(test_tls.PEM))
        # stat as on a unit: the owners the charm gives (tests cannot
        # chown), the modes of the files written here
        self.owners = {}

        def stat(path):
            owner, group = self.owners.get(path, ('root', None))
            group = group or ('haproxy' if path.endswith('.pem')
                              else 'mistral')
            return guide.Ownership(owner, group,
                                   '%o' % (os.stat(path).st_mode & 0o777))
        self.patch(guide, '_stat', stat)

    def run_action(self):
        fake_juju.forget_hook_state()
        actions.main(['actions/security-checklist'])
        return self.juju.action_results

    def deploy_hardened(self):
        """Keystone and RabbitMQ over TLS, a certificate for the API."""
        self.juju.config.update(test_tls.config_cert())
        self.deploy_ready()
        self.juju.remote_set('identity-service:4', 'keystone/0',
                             auth_protocol='https', service_protocol='https')
        self.juju.remote_set('amqp:3', 'rabbitmq-server/0', ssl_port='5671',
                             ssl_ca=certs.b64(test_tls.OTHER_CA.pem))
        self.run_hook('identity-service-relation-changed',
                      'identity-service:4', 'keystone/0')
        self.run_hook('amqp-relation-changed', 'amqp:3', 'rabbitmq-server/0')

    def test_a_hardened_unit_passes_every_check(self):
        self.deploy_hardened()
        self.assertEqual(self.run_action(),
                         {name: 'PASS' for name in CHECKS})
        self.assertEqual(self.juju.action_failures, [])

    def test_a_plain_deployment_fails_naming_each_check_and_why(self):
        self.deploy_ready()
        results = self.run_action()
        self.assertEqual(results['validate-api-uses-tls'],
                         'FAIL: the API is served over plain HTTP: relate a '
                         'certificates provider or set ssl_cert and ssl_key')
        self.assertEqual(results['validate-keystone-over-tls'],
                         'FAIL: [keystone_authtoken] www_authenticate_uri is '
                         'not https')
        self.assertEqual(results['validate-messaging-over-tls'],
                         'FAIL: [oslo_messaging_rabbit] ssl is not True')
        self.assertEqual(results['validate-auth-by-keystone'], 'PASS')
        self.assertEqual(results['validate-file-permissions'], 'PASS')
        failure, = self.juju.action_failures
        self.assertTrue(failure.startswith(
            'Failed checks: validate-api-uses-tls (the API is served'))
        self.assertIn('; validate-keystone-over-tls ([keystone_authtoken] '
                      'www_authenticate_uri is not https); ', failure)

    def test_debug_on_fails_its_check(self):
        self.deploy_hardened()
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(
            self.run_action()['validate-debug-disabled'],
            'FAIL: [DEFAULT] debug is True: set the debug option to false')
        self.assertEqual(self.juju.action_failures, [
            'Failed checks: validate-debug-disabled ([DEFAULT] debug is '
            'True: set the debug option to false)'])

    def test_mistral_conf_readable_by_others_fails_the_mode_check(self):
        self.deploy_hardened()
        os.chmod(mistral_audits.MISTRAL_CONF, 0o644)
        self.assertEqual(
            self.run_action()['validate-file-permissions'],
            'FAIL: {} has an incorrect mode: 644 should be 640'.format(
                mistral_audits.MISTRAL_CONF))

    def test_mistral_conf_owned_by_mistral_fails_the_owner_check(self):
        self.deploy_hardened()
        self.owners[mistral_audits.MISTRAL_CONF] = ('mistral', 'mistral')
        self.assertEqual(
            self.run_action()['validate-file-ownership'],
            'FAIL: {} has an incorrect owner: mistral should be root'.format(
                mistral_audits.MISTRAL_CONF))

    def edit_conf(self, old, new):
        with open(mistral_audits.MISTRAL_CONF) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(mistral_audits.MISTRAL_CONF, 'w') as f:
            f.write(text.replace(old, new))

    def test_authentication_switched_off_fails_the_keystone_check(self):
        self.deploy_hardened()
        self.edit_conf('auth_enable = True', 'auth_enable = False')
        self.assertEqual(self.run_action()['validate-auth-by-keystone'],
                         'FAIL: [pecan] auth_enable is not True')

    def test_an_auth_type_other_than_keystone_fails_the_keystone_check(self):
        self.deploy_hardened()
        self.edit_conf('auth_type = keystone\n', 'auth_type = keycloak-oidc\n')
        self.assertEqual(self.run_action()['validate-auth-by-keystone'],
                         "FAIL: [DEFAULT] auth_type is 'keycloak-oidc', not "
                         "keystone")

    def test_keystone_unverified_fails_the_tls_check(self):
        self.deploy_hardened()
        with open(mistral_audits.MISTRAL_CONF, 'a') as f:
            f.write('[keystone_authtoken]\ninsecure = True\n')
        self.assertEqual(
            self.run_action()['validate-keystone-over-tls'],
            "FAIL: [keystone_authtoken] insecure is True: keystone's "
            "certificate is not verified")

    def test_no_mistral_conf_yet_fails_instead_of_a_traceback(self):
        self.run_hook('install')
        results = self.run_action()
        self.assertEqual(results['validate-auth-by-keystone'],
                         'FAIL: mistral.conf has no [pecan]')
        self.assertTrue(self.juju.action_failures)
