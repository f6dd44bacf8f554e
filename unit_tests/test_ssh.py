"""The executors' SSH key: made once by the leader, shared, or the
operator's own; written where std.ssh looks; never logged."""

import base64
import os
import stat
from unittest import mock

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from unit_tests import fake_juju
from unit_tests.test_mistral_hooks import HookTestCase, MISTRAL

import mistral_ssh

actions = fake_juju.import_in_model('actions')

SETTING = mistral_ssh.SSH_PRIVATE_KEY_SETTING


def rsa_pem(fmt=serialization.PrivateFormat.TraditionalOpenSSL,
            encoding=serialization.Encoding.PEM, password=None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    algorithm = (serialization.BestAvailableEncryption(password) if password
                 else serialization.NoEncryption())
    return key.private_bytes(encoding, fmt, algorithm).decode()


def key_lines(pem):
    """The lines of a PEM key that hold key material."""
    return [line for line in pem.splitlines()
            if line and not line.startswith('-----')]


class SSHTestCase(HookTestCase):

    def setUp(self):
        super().setUp()
        self.home = os.path.join(self.tmp, 'var/lib/mistral')
        os.makedirs(self.home)
        self.patch(mistral_ssh, 'mistral_home', lambda: self.home)

    def ssh_file(self, name):
        return os.path.join(self.home, '.ssh', name)

    def key_file(self):
        with open(self.ssh_file('id_rsa')) as f:
            return f.read()

    def run_action(self, name):
        fake_juju.forget_hook_state()
        actions.main(['actions/' + name])

    def assert_nothing_secret_told(self, pem):
        told = '\n'.join(self.juju.logs + [
            m for _, m in self.juju.statuses] + [
            str(v) for v in self.juju.action_results.values()] +
            self.juju.action_failures)
        for line in key_lines(pem):
            self.assertNotIn(line, told)


class TestSharedKey(SSHTestCase):

    def test_the_leader_makes_one_key_and_keeps_it(self):
        self.deploy_ready()
        pem = self.juju.leader_settings[SETTING]
        self.assertIn('BEGIN RSA PRIVATE KEY', pem)
        self.run_hook('config-changed')
        self.run_hook('leader-elected')
        self.assertEqual(self.juju.leader_settings[SETTING], pem)
        self.assertEqual(self.key_file(), pem)

    def test_the_key_is_the_mistral_users_alone(self):
        self.deploy_ready()
        for name, mode in (('', 0o700), ('id_rsa', 0o600),
                           ('id_rsa.pub', 0o644)):
            st = os.stat(self.ssh_file(name))
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, name)
        with open(self.ssh_file('id_rsa.pub')) as f:
            self.assertTrue(f.read().startswith('ssh-rsa '))

    def test_a_non_leader_uses_the_leaders_key_and_makes_none(self):
        self.juju.leader = False
        self.deploy_ready()
        self.assertFalse(os.path.exists(self.ssh_file('id_rsa')))
        pem = rsa_pem()
        self.juju.leader_settings[SETTING] = pem
        self.run_hook('leader-settings-changed')
        self.assertEqual(self.key_file(), pem)
        self.assertEqual(self.juju.leader_settings, {SETTING: pem})

    def test_writing_the_key_restarts_nothing(self):
        self.deploy_ready()
        os.unlink(self.ssh_file('id_rsa'))
        self.run_hook('config-changed')
        self.assertTrue(os.path.exists(self.ssh_file('id_rsa')))
        self.assertEqual(self.machine.restarts(), [])

    def test_no_key_material_reaches_the_log_status_or_actions(self):
        self.deploy_ready()
        self.run_action('ssh-public-key')
        self.assert_nothing_secret_told(self.juju.leader_settings[SETTING])
        self.assertTrue(self.juju.action_results['public-key'].startswith(
            'ssh-rsa '))

    def test_the_action_prints_the_public_key_written_on_disk(self):
        self.deploy_ready()
        self.run_action('ssh-public-key')
        with open(self.ssh_file('id_rsa.pub')) as f:
            self.assertEqual(f.read().strip(),
                             self.juju.action_results['public-key'])

    def test_the_action_fails_before_the_leader_shared_a_key(self):
        self.juju.leader = False
        self.deploy_ready()
        self.run_action('ssh-public-key')
        self.assertIn('leader', self.juju.action_failures[0])


class TestSuppliedKey(SSHTestCase):

    def test_a_supplied_pem_key_replaces_the_shared_one(self):
        self.deploy_ready()
        pem = rsa_pem()
        self.juju.config['ssh-private-key'] = pem
        self.run_hook('config-changed')
        self.assertEqual(self.key_file(), pem)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        self.assert_nothing_secret_told(pem)

    def test_a_hook_loads_a_key_only_to_check_or_change_it(self):
        self.deploy_ready()
        loads = mock.Mock(side_effect=mistral_ssh._load)
        self.patch(mistral_ssh, '_load', loads)
        self.run_hook('config-changed')
        self.assertEqual(loads.call_count, 0)  # the leader's, in place
        self.juju.config['ssh-private-key'] = rsa_pem()
        self.run_hook('config-changed')
        self.assertEqual(loads.call_count, 2)  # checked, its public half
        loads.reset_mock()
        self.run_hook('config-changed')
        self.assertEqual(loads.call_count, 1)  # checked
        os.unlink(self.ssh_file('id_rsa.pub'))
        self.run_hook('config-changed')
        self.assertTrue(os.path.exists(self.ssh_file('id_rsa.pub')))

    def test_base64_and_pkcs8_and_openssh_forms_are_accepted(self):
        self.deploy_ready()
        for fmt in (serialization.PrivateFormat.PKCS8,
                    serialization.PrivateFormat.OpenSSH):
            with self.subTest(fmt=fmt):
                pem = rsa_pem(fmt)
                self.juju.config['ssh-private-key'] = base64.b64encode(
                    pem.encode()).decode()
                self.run_hook('config-changed')
                self.assertIn('BEGIN RSA PRIVATE KEY', self.key_file())
                self.assertEqual(self.juju.status[0], 'active')
                self.assert_nothing_secret_told(pem)

    def test_a_bad_key_blocks_naming_the_option_and_keeps_the_last(self):
        self.deploy_ready()
        good = self.key_file()
        ed = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        cases = {
            'garbage!': 'neither PEM text nor base64',
            base64.b64encode(b'not a key').decode(): 'not a private key',
            rsa_pem(serialization.PrivateFormat.PKCS8,
                    password=b'secret'): 'passphrase',
            ed: 'an RSA key is needed',
        }
        for value, reason in cases.items():
            with self.subTest(reason=reason):
                self.juju.config['ssh-private-key'] = value
                self.run_hook('config-changed')
                state, message = self.juju.status
                self.assertEqual(state, 'blocked')
                self.assertTrue(message.startswith('ssh-private-key: '))
                self.assertIn(reason, message)
                self.assertEqual(self.key_file(), good)
                self.assert_nothing_secret_told(value)
        self.assertTrue(set(MISTRAL) <= self.machine.running)


class TestGenerate(SSHTestCase):

    def test_a_new_key_is_rsa_of_the_configured_size_without_passphrase(self):
        self.patch(mistral_ssh, 'SSH_KEY_BITS', 2048)
        key = serialization.load_pem_private_key(
            mistral_ssh.generate.__wrapped__().encode(),  # uncached
            password=None)
        self.assertIsInstance(key, rsa.RSAPrivateKey)
        self.assertEqual(key.key_size, 2048)
