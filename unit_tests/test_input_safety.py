import os
import stat

from unit_tests import certs
from unit_tests.charm_case import READ_COMMITTED
from unit_tests.test_tls import TLSTestCase, config_cert

import mistral_utils

INJECTED = 'x\n[pecan]\nauth_enable = False'


class TestLineBreaks(TLSTestCase):

    def rendered(self):
        return {path: self.read(path) for path in (
            mistral_utils.MISTRAL_CONF, mistral_utils.HAPROXY_CONF,
            mistral_utils.MEMCACHED_CONF,
            mistral_utils.API_SYSTEMD_OVERRIDE)}

    def test_a_line_break_in_any_relation_value_never_reaches_a_file(self):
        self.deploy_ready()
        before = self.rendered()
        cases = [('identity-service:4', 'keystone/0', 'service_password'),
                 ('identity-service:4', 'keystone/0', 'auth_host'),
                 ('amqp:3', 'rabbitmq-server/0', 'password'),
                 ('shared-db:1', 'mysql/0', 'password'),
                 ('shared-db:1', 'mysql/0', 'db_host')]
        for rid, unit, key in cases:
            with self.subTest(key=key):
                good = self.juju.relations[rid]['units'][unit][key]
                self.juju.remote_set(rid, unit, **{key: good + INJECTED})
                self.run_hook(rid.split(':')[0] + '-relation-changed', rid,
                              unit)
                self.assertEqual(self.juju.status, (
                    'blocked', '{}: {} from {} contains a line break; '
                    'refused'.format(rid.split(':')[0], key, unit)))
                self.assertEqual(self.rendered(), before)
                self.juju.remote_set(rid, unit, **{key: good})
        self.run_hook('config-changed')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_line_break_in_a_config_value_never_reaches_a_file(self):
        self.deploy_ready()
        before = self.rendered()
        for option in ('region', 'rabbit-user', 'database-user',
                       'os-public-hostname', 'nagios_context'):
            with self.subTest(option=option):
                good = self.juju.config[option]
                self.set_config(**{option: 'RegionOne' + INJECTED})
                self.assertEqual(self.juju.status, (
                    'blocked',
                    '{}: contains a line break; refused'.format(option)))
                self.assertEqual(self.rendered(), before)
                self.juju.config[option] = good

    def test_passwords_are_quoted_in_urls(self):
        self.add_all_relations()
        self.juju.remote_set('amqp:3', 'rabbitmq-server/0',
                             password='r@b/b:i%t?')
        self.juju.remote_set('shared-db:1', 'mysql/0', password='d@b/#:')
        self.run_hook('install')
        self.run_hook('config-changed')
        conf = self.mistral_conf()
        self.assertIn('transport_url = rabbit://mistral:r%40b%2Fb%3Ai%25t%3F'
                      '@10.0.0.22:5672/openstack\n', conf)
        self.assertIn('connection = mysql+pymysql://mistral:d%40b%2F%23%3A'
                      '@10.0.0.20/mistral?' + READ_COMMITTED + '\n', conf)


class TestFiles(TLSTestCase):

    def mode(self, path):
        st = os.lstat(self.path(path) if not path.startswith(self.tmp)
                      else path)
        return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)

    def test_owners_and_modes(self):
        # (in this test the group of every file is the test's own)
        self.deploy_ready()
        self.set_config(**config_cert())
        gid = os.getgid()
        for path, mode in [(mistral_utils.MISTRAL_CONF, 0o640),
                           (mistral_utils.HAPROXY_CONF, 0o640),
                           ('/etc/haproxy/mistral.pem', 0o640),
                           (mistral_utils.MEMCACHED_CONF, 0o644),
                           (mistral_utils.API_SYSTEMD_OVERRIDE, 0o644),
                           ('/etc/mistral/tls', 0o750)]:
            with self.subTest(path=path):
                self.assertEqual(self.mode(path)[2], mode)
                self.assertEqual(self.mode(path)[:2],
                                 (0, gid if mode != 0o644 else 0))

    def test_a_symlink_in_place_of_a_file_is_replaced_not_followed(self):
        self.deploy_ready()
        victim = os.path.join(self.tmp, 'victim')
        with open(victim, 'w') as f:
            f.write('untouched')
        os.unlink(mistral_utils.MISTRAL_CONF)
        os.symlink(victim, mistral_utils.MISTRAL_CONF)
        self.run_hook('config-changed')
        self.assertFalse(os.path.islink(mistral_utils.MISTRAL_CONF))
        self.assertIn('[keystone_authtoken]', self.mistral_conf())
        with open(victim) as f:
            self.assertEqual(f.read(), 'untouched')

    def test_no_secret_in_the_log_or_status(self):
        options = config_cert()
        self.juju.config.update(options)
        self.deploy_ready()
        self.juju.config['region'] = 'bad\nregion'
        self.run_hook('config-changed')
        told = '\n'.join(self.juju.logs + [m for _, m in self.juju.statuses])
        key_body = certs.b64(options['ssl_key'])[:40]
        for secret in ('dbpass', 'rbpass', 'kspass', options['ssl_key'][:40],
                       key_body, 'PRIVATE KEY'):
            self.assertNotIn(secret, told)
