import os
import unittest
from unittest import mock

from charmhelpers.contrib.openstack import context
from charmhelpers.contrib.openstack import utils as os_utils
from charmhelpers.core import hookenv, unitdata

from unit_tests import fake_juju

import hook_tools


class TestHookTools(unittest.TestCase):

    def setUp(self):
        self.juju = fake_juju.FakeJuju()
        self.tmp = self.tmpdir()
        fake_juju.install(self, self.juju, self.tmp)
        hook_tools.install()
        self.juju.relate('amqp:3', {'rabbitmq-server/0': {
            'hostname': '10.0.0.22', 'password': 'rbpass'}})

    def tmpdir(self):
        import tempfile
        import shutil
        path = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, path)
        return path

    def test_keys_of_a_unit_come_from_one_read(self):
        get = hook_tools.relation_get
        self.assertEqual(get('hostname', 'rabbitmq-server/0', 'amqp:3'),
                         '10.0.0.22')
        self.assertEqual(get('password', 'rabbitmq-server/0', 'amqp:3'),
                         'rbpass')
        self.assertIsNone(get('ssl_ca', 'rabbitmq-server/0', 'amqp:3'))
        self.assertEqual(self.juju.calls, {'relation-get': 1})

    def test_the_hooks_relation_and_remote_unit_by_default(self):
        env = {'JUJU_RELATION_ID': 'amqp:3',
               'JUJU_REMOTE_UNIT': 'rabbitmq-server/0'}
        with mock.patch.dict(os.environ, env):
            self.assertEqual(hook_tools.relation_get('hostname'), '10.0.0.22')
            self.assertEqual(hook_tools.relation_get(
                'password', 'rabbitmq-server/0', 'amqp:3'), 'rbpass')
        self.assertEqual(self.juju.calls, {'relation-get': 1})

    def test_outside_a_relation_hook_no_relation_is_read(self):
        self.assertIsNone(hook_tools.relation_get('access-network'))
        self.assertEqual(self.juju.calls, {})

    def test_this_units_data_is_read_again_once_it_sets_some(self):
        get = hook_tools.relation_get
        self.assertIsNone(get('username', 'mistral/0', 'amqp:3'))
        hookenv.relation_set('amqp:3', username='mistral')
        self.assertEqual(get('username', 'mistral/0', 'amqp:3'), 'mistral')
        self.assertEqual(get(unit='mistral/0', rid='amqp:3'),
                         {'username': 'mistral'})

    def test_a_leader_setting_is_read_once_until_set(self):
        self.assertIsNone(hook_tools.leader_get('k'))
        self.assertIsNone(hook_tools.leader_get('k'))
        hook_tools.leader_set({'k': 'v'})
        self.assertEqual(hook_tools.leader_get('k'), 'v')
        self.assertEqual(self.juju.calls, {'leader-get': 2, 'leader-set': 1})

    def test_every_leader_setting_comes_from_one_read(self):
        self.juju.leader_settings.update(a='1', b='2')
        self.assertEqual(hook_tools.leader_get('a'), '1')
        self.assertEqual(hook_tools.leader_get('b'), '2')
        self.assertEqual(hook_tools.leader_get(), {'a': '1', 'b': '2'})
        self.assertEqual(self.juju.calls, {'leader-get': 1})

    def test_an_address_is_asked_once_per_binding(self):
        for binding in ('admin', 'admin', 'public'):
            hook_tools.network_get_primary_address(binding)
        self.assertEqual(self.juju.calls, {'network-get': 2})

    def test_charmhelpers_logs_only_warnings_and_errors(self):
        hook_tools.library_log('Rendering from template: x', hookenv.DEBUG)
        hook_tools.library_log('Registered config file: x')
        hook_tools.library_log('amqp relation is missing', 'WARN')
        hook_tools.library_log('Config not registered', hookenv.ERROR)
        self.assertEqual(self.juju.logs, ['amqp relation is missing',
                                          'Config not registered'])

    def test_charmhelpers_modules_use_them_and_hookenv_keeps_its_own(self):
        self.assertIs(context.relation_get, hook_tools.relation_get)
        self.assertIs(context.log, hook_tools.library_log)
        self.assertIs(os_utils.juju_log, hook_tools.library_log)
        self.assertIsNot(hookenv.relation_get, hook_tools.relation_get)
        self.assertIsNot(hookenv.log, hook_tools.library_log)

    def test_unit_state_without_a_scan_of_every_relation(self):
        unitdata.kv().set('unit-paused', True)
        self.assertTrue(os_utils.is_unit_paused_set())
        self.assertFalse(os_utils.is_unit_upgrading_set())
        self.assertEqual(self.juju.calls, {})

    def test_reading_the_unit_state_writes_nothing(self):
        store = unitdata.kv()
        before = store.conn.total_changes
        for _ in range(3):
            os_utils.is_unit_paused_set()
        self.assertEqual(store.conn.total_changes, before)

    def test_unit_state_set_is_committed_and_a_failure_rolls_it_back(self):
        os_utils.set_unit_paused()
        with self.assertRaises(RuntimeError), \
                unitdata.HookData()() as (store, _, _):
            store.set('unit-upgrading', True)
            raise RuntimeError
        unitdata._KV = None   # the next hook opens the store afresh
        self.assertTrue(os_utils.is_unit_paused_set())
        self.assertFalse(os_utils.is_unit_upgrading_set())

    def test_relation_set_needs_no_help(self):
        hookenv.relation_set('amqp:3', vhost='openstack')
        self.assertEqual(self.juju.calls, {'relation-set': 1})
