import base64
import io
import json
import os
import re
import stat
import unittest
from unittest import mock

from unit_tests import certs
from unit_tests.charm_case import READ_COMMITTED
from unit_tests.test_mistral_hooks import MISTRAL, HookTestCase

import mistral_tls
import mistral_utils

CA = certs.CA()
OTHER_CA = certs.CA('Other CA')
PEM = '/etc/haproxy/mistral.pem'
TRUST = '/usr/local/share/ca-certificates/'
UNIT_KEY = 'mistral_0.processed_requests'
# the real one (CharmTestCase reads the ports from the rendered files)
LISTENING_PORTS = mistral_utils.listening_ports


def config_cert(ca=CA, **issue):
    cert, key = ca.issue(**issue)
    return {'ssl_cert': certs.b64(cert), 'ssl_key': certs.b64(key),
            'ssl_ca': certs.b64(ca.pem)}


class TLSTestCase(HookTestCase):

    def setUp(self):
        super().setUp()
        self.patch(mistral_tls, 'common_name', lambda: 'juju-mistral-0')
        # charmhelpers waits a minute for a new MySQL client certificate
        self.patch(mistral_utils.context.time, 'sleep', lambda s: None)

    def set_config(self, **options):
        self.juju.config.update(options)
        self.run_hook('config-changed')

    def vault_issues(self, ca=CA, **issue):
        if 'certificates:7' not in self.juju.relations:
            self.juju.relate('certificates:7')
            self.juju.remote_set('certificates:7', 'vault/0', ca=ca.pem,
                                 chain='')
            self.run_hook('certificates-relation-joined', 'certificates:7',
                          'vault/0')
        cert, key = ca.issue(cn='juju-mistral-0', **issue)
        self.juju.remote_set('certificates:7', 'vault/0', **{
            UNIT_KEY: json.dumps({'juju-mistral-0': {'cert': cert,
                                                     'key': key}})})
        self.run_hook('certificates-relation-changed', 'certificates:7',
                      'vault/0')
        return cert

    def served(self):
        """The certificate haproxy serves (first PEM block of its file)."""
        return self.read(PEM).split('-----END CERTIFICATE-----')[0]

    def update_ca_runs(self):
        return self.machine.commands.count(['update-ca-certificates'])

    def port_chain(self):
        """(haproxy's public binds, its backends' ports, the API's port)."""
        haproxy = self.read(mistral_utils.HAPROXY_CONF)
        binds = re.findall(r'^    bind \*:(\d+)(.*)$', haproxy, re.M)
        backends = set(re.findall(r'^    server \S+ \S+:(\d+) ', haproxy,
                                  re.M))
        api = re.search(r'^\[api\]\n(?:.*\n)*?port = (\d+)',
                        self.mistral_conf(), re.M).group(1)
        return binds, backends, api

    def endpoints(self):
        return {k: v for k, v in self.juju.local_data(
            'identity-service:4').items() if k.endswith('_url')}


class TestPortChain(TLSTestCase):

    def assert_chain(self, tls):
        binds, backends, api = self.port_chain()
        suffix = (' ssl crt {} ssl-min-ver TLSv1.2'.format(
            self.path(PEM)) if tls else '')
        self.assertEqual(binds, [('8989', suffix)])
        self.assertEqual(backends, {'8979'})
        self.assertEqual(api, '8979')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_the_chain_agrees_in_every_tls_state(self):
        self.deploy_ready()
        self.juju.relate('cluster:6', {'mistral/1': {
            'private-address': '10.0.0.11'}})
        self.run_hook('cluster-relation-changed', 'cluster:6', 'mistral/1')
        with self.subTest(state='none'):
            self.assert_chain(tls=False)
        with self.subTest(state='https keystone'):
            self.juju.remote_set('identity-service:4', 'keystone/0',
                                 auth_protocol='https',
                                 service_protocol='https',
                                 https_keystone='True',
                                 ca_cert=certs.b64(OTHER_CA.pem))
            self.run_hook('identity-service-relation-changed',
                          'identity-service:4', 'keystone/0')
            self.assert_chain(tls=False)
        with self.subTest(state='config certificate'):
            self.set_config(**config_cert())
            self.assert_chain(tls=True)
        with self.subTest(state='relation certificate'):
            self.vault_issues()
            self.assert_chain(tls=True)

    def test_a_port_nothing_listens_on_is_not_a_ready_unit(self):
        self.deploy_ready()
        listening = self.listening_ports
        self.patch(mistral_utils, 'listening_ports',
                   lambda: listening() - {8979})
        self.run_hook('config-changed')
        self.assertEqual(self.juju.status,
                         ('blocked', 'Not listening: 8979 (mistral-api)'))

    def test_the_wait_for_a_port_ends_when_its_service_fails(self):
        self.deploy_ready()
        listening = self.listening_ports
        self.patch(mistral_utils, 'listening_ports',
                   lambda: listening() - {8979})
        self.patch(mistral_utils, 'PORT_WAIT', 20)
        machine, slept = self.machine, []

        class Clock:
            def monotonic():
                return sum(slept)

            def sleep(seconds):
                slept.append(seconds)
                # the API gave up on a database that refuses it, and
                # systemd started it again
                machine.auto_restarts['mistral-api'] = 1
        self.patch(mistral_utils, 'time', Clock)
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(slept, [1])
        self.assertEqual(self.juju.status[0], 'blocked')


class TestConfigCertificate(TLSTestCase):

    def test_https_from_config_with_its_ca_trusted(self):
        self.deploy_ready()
        options = config_cert()
        self.set_config(**options)
        cert = base64.b64decode(options['ssl_cert']).decode()
        key = base64.b64decode(options['ssl_key']).decode()
        self.assertEqual(self.served(), cert.split(
            '-----END CERTIFICATE-----')[0])
        # the key, in PKCS#8 as haproxy reads it
        self.assertIn(key.strip(), self.read(PEM))
        st = os.stat(self.path(PEM))
        self.assertEqual((st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)),
                         (0, os.getgid(), 0o640))
        self.assertEqual(self.read(TRUST + 'mistral-charm-ssl_ca.crt'),
                         CA.pem)
        self.assertEqual(self.update_ca_runs(), 1)
        self.assertEqual(self.machine.restarts(), ['haproxy'])
        self.assertEqual(self.machine.reloads(), ['haproxy'])
        self.assertTrue(self.endpoints()['public_url'].startswith(
            'https://10.0.0.10:8989/'))

    def test_a_new_certificate_reloads_haproxy_only(self):
        self.deploy_ready()
        self.set_config(**config_cert())
        self.machine.events.clear()
        self.machine.commands.clear()
        self.set_config(**config_cert())
        self.assertEqual(self.machine.reloads(), ['haproxy'])
        self.assertEqual(self.machine.restarts(), ['haproxy'])
        self.assertEqual(self.update_ca_runs(), 0)  # same CA

    def test_removing_the_certificate_serves_plain_http_again(self):
        self.deploy_ready()
        self.set_config(**config_cert())
        self.set_config(ssl_cert='', ssl_key='', ssl_ca='')
        self.assertFalse(os.path.exists(self.path(PEM)))
        self.assertNotIn(' ssl ', self.read(mistral_utils.HAPROXY_CONF))
        self.assertFalse(os.listdir(self.path(TRUST)))
        self.assertTrue(self.endpoints()['public_url'].startswith('http:'))

    def test_wrapped_base64_is_accepted(self):
        self.deploy_ready()
        options = config_cert()
        wrapped = {k: re.sub('(.{76})', '\\1\n', v)
                   for k, v in options.items()}
        self.set_config(**wrapped)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        self.assertTrue(os.path.exists(self.path(PEM)))

    def test_a_chain_through_an_intermediate_ca_is_accepted(self):
        self.deploy_ready()
        intermediate = certs.CA('Intermediate', issuer=CA)
        cert, key = intermediate.issue()
        self.set_config(ssl_cert=certs.b64(cert + intermediate.pem),
                        ssl_key=certs.b64(key), ssl_ca=certs.b64(CA.pem))
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        self.assertIn(intermediate.pem, self.read(PEM))


class TestBadCertificates(TLSTestCase):

    def bad(self):
        good = config_cert()
        other_cert, other_key = CA.issue()
        expired = config_cert(days=1, starts_in_days=-3)
        future = config_cert(starts_in_days=2)
        return [
            (dict(good, ssl_cert='not base64!'),
             'ssl_cert: not base64-encoded'),
            (dict(good, ssl_key=certs.b64('hello')),
             'ssl_key: not a PEM private key (or one with a passphrase)'),
            (dict(good, ssl_cert=certs.b64('-----BEGIN CERTIFICATE-----\n'
                                           'AAAA\n-----END CERTIFICATE-----')),
             'ssl_cert: not a PEM certificate'),
            (dict(good, ssl_key=certs.b64(other_key)),
             'ssl_key: does not match ssl_cert'),
            (expired, 'ssl_cert: expired on {:%Y-%m-%d}'.format(
                certs.NOW - __import__('datetime').timedelta(days=2))),
            (future, re.compile(r'ssl_cert: not valid before \d{4}-')),
            (dict(good, ssl_ca=certs.b64(OTHER_CA.pem)),
             'ssl_ca: did not sign ssl_cert'),
            (dict(good, ssl_key=''),
             'ssl_cert and ssl_key: set both or neither (ssl_key is '
             'missing)'),
            (dict(good, ssl_cert=''),
             'ssl_cert and ssl_key: set both or neither (ssl_cert is '
             'missing)'),
            (dict(good, ssl_ca=certs.b64('no CA')),
             'ssl_ca: not a PEM certificate'),
        ]

    def test_each_bad_input_is_blocked_by_name_and_the_old_one_serves(self):
        self.deploy_ready()
        self.set_config(**config_cert())
        serving = self.read(PEM)
        haproxy = self.read(mistral_utils.HAPROXY_CONF)
        for options, message in self.bad():
            with self.subTest(message=str(message)):
                self.machine.events.clear()
                self.set_config(**options)   # the hook exits 0
                state, text = self.juju.status
                self.assertEqual(state, 'blocked')
                if isinstance(message, str):
                    self.assertEqual(text, message)
                else:
                    self.assertRegex(text, message)
                self.assertEqual(self.read(PEM), serving)
                self.assertEqual(self.read(mistral_utils.HAPROXY_CONF),
                                 haproxy)
                self.assertEqual(self.machine.restarts(), [])
        self.set_config(**config_cert())
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_an_expired_certificate_from_the_relation_is_blocked(self):
        self.deploy_ready()
        self.vault_issues(days=1, starts_in_days=-3)
        state, message = self.juju.status
        self.assertEqual(state, 'blocked')
        self.assertTrue(message.startswith('certificates cert: expired on'))
        self.assertFalse(os.path.exists(self.path(PEM)))

    def test_a_relation_certificate_its_ca_did_not_sign_is_blocked(self):
        self.deploy_ready()
        self.juju.relate('certificates:7')
        self.juju.remote_set('certificates:7', 'vault/0', ca=OTHER_CA.pem)
        self.vault_issues()
        self.assertEqual(self.juju.status, (
            'blocked', 'certificates ca: did not sign certificates cert'))


class TestCertificatesRelation(TLSTestCase):

    def test_the_request_names_every_address_and_host_name(self):
        self.juju.config.update({'vip': '10.0.0.100',
                                 'os-public-hostname': 'mistral.example.com'})
        self.deploy_ready()
        self.juju.relate('certificates:7', {'vault/0': {}})
        self.run_hook('certificates-relation-joined', 'certificates:7',
                      'vault/0')
        sent = self.juju.local_data('certificates:7')
        self.assertEqual(sent['unit_name'], 'mistral_0')
        self.assertEqual(json.loads(sent['cert_requests']), {
            'juju-mistral-0': {'sans': ['10.0.0.10', '10.0.0.100',
                                        'mistral.example.com']}})

    def test_an_issued_certificate_is_served_and_endpoints_turn_https(self):
        self.deploy_ready()
        self.run_hook('identity-service-relation-joined',
                      'identity-service:4', 'keystone/0')
        self.assertTrue(self.endpoints()['public_url'].startswith('http:'))
        cert = self.vault_issues()
        self.assertEqual(self.served(),
                         cert.split('-----END CERTIFICATE-----')[0])
        self.assertEqual(self.read(TRUST + 'mistral-charm-certificates.crt'),
                         CA.pem)
        self.assertEqual(set(self.endpoints().values()), {
            'https://10.0.0.10:8989/v2'})
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_reissued_certificate_reloads_haproxy_and_restarts_nothing(
            self):
        self.deploy_ready()
        self.vault_issues()
        self.machine.events.clear()
        self.machine.commands.clear()
        cert = self.vault_issues()
        self.assertEqual(self.served(),
                         cert.split('-----END CERTIFICATE-----')[0])
        self.assertEqual(self.machine.events, [('reload', 'haproxy')])
        self.assertEqual(self.update_ca_runs(), 0)

    def test_a_hook_checks_the_certificate_it_serves_once(self):
        self.deploy_ready()
        self.vault_issues()
        keys = mock.Mock(side_effect=mistral_tls._private_key)
        self.patch(mistral_tls, '_private_key', keys)
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(keys.call_count, 1)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_the_relation_certificate_wins_over_the_config_one(self):
        self.deploy_ready()
        self.set_config(**config_cert())
        cert = self.vault_issues()
        self.assertEqual(self.served(),
                         cert.split('-----END CERTIFICATE-----')[0])

    def test_the_relation_gone_serves_plain_http(self):
        self.deploy_ready()
        self.vault_issues()
        del self.juju.relations['certificates:7']
        self.run_hook('certificates-relation-broken', 'certificates:7')
        self.assertFalse(os.path.exists(self.path(PEM)))
        self.assertFalse(os.listdir(self.path(TRUST)))
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))


class TestClientTLS(TLSTestCase):

    def test_an_https_keystone_is_verified_with_its_ca(self):
        self.deploy_ready()
        self.juju.remote_set('identity-service:4', 'keystone/0',
                             auth_protocol='https', service_protocol='https',
                             https_keystone='True',
                             ca_cert=certs.b64(OTHER_CA.pem))
        self.run_hook('identity-service-relation-changed',
                      'identity-service:4', 'keystone/0')
        conf = self.mistral_conf()
        self.assertIn('auth_url = https://10.0.0.23:35357/v3', conf)
        self.assertIn('cafile = /etc/ssl/certs/ca-certificates.crt', conf)
        self.assertEqual(self.read(TRUST + 'mistral-charm-keystone.crt'),
                         OTHER_CA.pem)
        self.assertEqual(self.update_ca_runs(), 1)
        self.assertEqual(sorted(set(self.machine.restarts())), MISTRAL)

    def test_rabbitmq_over_tls_when_offered(self):
        self.deploy_ready()
        self.juju.remote_set('amqp:3', 'rabbitmq-server/0', ssl_port='5671',
                             ssl_ca=certs.b64(OTHER_CA.pem))
        self.run_hook('amqp-relation-changed', 'amqp:3', 'rabbitmq-server/0')
        conf = self.mistral_conf()
        ca_file = self.path('/etc/mistral/tls/rabbit-client-ca.pem')
        self.assertIn('transport_url = rabbit://mistral:rbpass@10.0.0.22:5671'
                      '/openstack\n', conf)
        self.assertIn('[oslo_messaging_rabbit]\nssl = True\nssl_ca_file = {}\n'
                      .format(ca_file), conf)
        self.assertEqual(self.read(ca_file), OTHER_CA.pem)

    def test_mysql_over_tls_with_a_client_certificate(self):
        self.deploy_ready()
        cert, key = OTHER_CA.issue(cn='mistral')
        self.juju.remote_set('shared-db:1', 'mysql/0',
                             ssl_ca=certs.b64(OTHER_CA.pem),
                             ssl_cert=certs.b64(cert), ssl_key=certs.b64(key))
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        tls = self.path('/etc/mistral/tls')
        self.assertIn(
            'connection = mysql+pymysql://mistral:dbpass@10.0.0.20/mistral'
            '?ssl_ca={0}%2Fdb-client.ca&ssl_cert={0}%2Fdb-client.cert'
            '&ssl_key={0}%2Fdb-client.key&{1}\n'.format(
                tls.replace('/', '%2F'), READ_COMMITTED), self.mistral_conf())
        for path in (tls + '/db-client.key', tls):
            st = os.stat(path)
            self.assertEqual(stat.S_IMODE(st.st_mode) & 0o007, 0, path)
        self.assertEqual(self.read(tls + '/db-client.key'), key)

    def test_a_keystone_ca_that_is_no_certificate_is_blocked(self):
        self.deploy_ready()
        for value, message in (('%%%', 'not base64-encoded'),
                               (certs.b64('junk'), 'not a PEM certificate')):
            with self.subTest(message=message):
                self.juju.remote_set('identity-service:4', 'keystone/0',
                                     ca_cert=value)
                self.run_hook('identity-service-relation-changed',
                              'identity-service:4', 'keystone/0')
                self.assertEqual(self.juju.status, (
                    'blocked', 'identity-service ca_cert: ' + message))


class TestListeningPorts(unittest.TestCase):

    def test_listening_sockets_are_read_from_proc(self):
        tables = {
            '/proc/net/tcp': (
                '  sl  local_address rem_address   st\n'
                '   0: 00000000:231D 00000000:0000 0A 0\n'      # 8989 LISTEN
                '   1: 0100007F:22B8 0100007F:9C40 01 0\n'),    # 8888 ESTAB.
            '/proc/net/tcp6': (
                '  sl  local_address rem_address   st\n'
                '   0: 00000000000000000000000000000000:2313 '
                '00000000000000000000000000000000:0000 0A 0\n'),  # 8979
        }
        with mock.patch.object(mistral_utils, 'open', create=True,
                               side_effect=lambda path: io.StringIO(
                                   tables[path])):
            self.assertEqual(LISTENING_PORTS(), {8989, 8979})
