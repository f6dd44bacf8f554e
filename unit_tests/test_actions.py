import os
from unittest import mock

from unit_tests import CHARM_ROOT, fake_juju, fake_mistral
from unit_tests.test_mistral_hooks import HookTestCase, MISTRAL

import mistral_patches
import mistral_utils
from mistral_constants import PACKAGES

actions = fake_juju.import_in_model('actions')


class TestPauseResume(HookTestCase):

    def run_action(self, name):
        fake_juju.forget_hook_state()
        actions.main(['actions/' + name])

    def test_pause_stops_everything_and_says_so(self):
        self.deploy_ready()
        self.run_action('pause')
        self.assertEqual(self.machine.running, set())
        self.assertEqual(self.juju.status[0], 'maintenance')
        self.assertIn('Paused', self.juju.status[1])

    def test_a_paused_unit_with_a_service_started_behind_its_back_says_so(
            self):
        self.deploy_ready()
        self.run_action('pause')
        self.machine.running.add('mistral-engine')
        self.run_hook('update-status')
        self.assertEqual(self.juju.status[0], 'blocked')
        self.assertIn('mistral-engine', self.juju.status[1])

    def test_a_paused_unit_restarts_nothing_on_config_change(self):
        self.deploy_ready()
        self.run_action('pause')
        self.machine.events.clear()
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(self.machine.running, set())
        self.assertEqual(self.machine.events, [])
        self.assertIn('debug = True', self.mistral_conf())

    def test_a_paused_unit_stays_down_across_every_hook(self):
        self.deploy_ready()
        self.juju.relate('cluster:6', {'mistral/1': {
            'private-address': '10.0.0.11'}})
        self.run_action('pause')
        hooks_dir = os.path.join(CHARM_ROOT, 'hooks')
        names = sorted(name for name in os.listdir(hooks_dir)
                       if '.' not in name and name not in (
                           'install', 'stop', 'post-series-upgrade'))
        ran = []
        for name in names:
            rid = remote = None
            if '-relation-' in name:
                rel = name.split('-relation-')[0]
                rids = [r for r in self.juju.relations
                        if r.startswith(rel + ':')]
                if not rids:
                    continue  # (pgsql-db: both databases would block)
                rid = rids[0]
                units = sorted(self.juju.relations.get(rid, {}).get(
                    'units', {}))
                remote = units[0] if units else None
            self.run_hook(name, rid, remote)
            self.assertEqual(self.machine.running, set(), name)
            # (pre-series-upgrade: blocked until the operator completes)
            self.assertIn(self.juju.status[0], ('maintenance', 'blocked'),
                          name)
            ran.append(name)
        self.assertGreater(len(ran), 20)

    def test_engines_added_while_paused_start_on_resume(self):
        self.deploy_ready()
        self.run_action('pause')
        self.juju.config['engine-workers'] = 3
        self.run_hook('config-changed')
        self.assertEqual(self.machine.running, set())
        self.run_action('resume')
        self.assertTrue(set(MISTRAL + ['mistral-engine@3']) <=
                        self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_engines_removed_while_paused_are_left_neither_masked_nor_on(
            self):
        self.deploy_ready()
        self.run_action('pause')
        self.assertIn('mistral-engine@2', self.machine.masked)
        self.juju.config['engine-workers'] = 1
        self.run_hook('config-changed')
        self.run_action('resume')
        self.assertNotIn('mistral-engine@2', self.machine.masked |
                         self.machine.running | self.machine.enabled)
        self.assertIn('mistral-engine', self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_paused_leader_does_not_migrate(self):
        self.run_hook('install')
        self.add_mysql(allowed=())
        self.add_rabbitmq()
        self.add_keystone()
        self.run_hook('config-changed')
        self.run_action('pause')
        self.add_mysql()  # the database lets this unit in now
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        self.assertNotIn('mistral-db-manage',
                         [c[0] for c in self.machine.commands])
        self.run_action('resume')
        self.assertIn('mistral-db-manage',
                      [c[0] for c in self.machine.commands])
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_config_changed_does_not_upgrade_a_paused_unit(self):
        self.deploy_ready()
        self.run_action('pause')
        self.upgrade_available = True
        self.juju.config['openstack-origin'] = 'cloud:noble-epoxy'
        self.patch(mistral_utils.config_checks, 'lsb_release',
                   lambda: {'DISTRIB_ID': 'Ubuntu',
                            'DISTRIB_CODENAME': 'noble'})
        apt = mock.Mock()
        self.patch(mistral_utils, 'apt_install', apt)
        self.run_hook('config-changed')
        apt.assert_not_called()
        self.assertEqual(self.machine.commands, [])
        self.assertEqual(self.machine.running, set())

    def test_resume_brings_the_unit_back(self):
        self.deploy_ready()
        self.run_action('pause')
        self.run_action('resume')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_recovery_fixes_lists_each_fix_and_changes_nothing(self):
        paths = fake_mistral.install(mistral_patches.TARGET_DIR)
        self.deploy_ready()
        fake_mistral.install(mistral_patches.TARGET_DIR, {
            'heartbeat-checker-project-context': 'mistral-14'})
        os.unlink(paths['scheduler-keeps-unshared-in-memory-jobs'])
        texts = {}
        for path in paths.values():
            if os.path.exists(path):
                with open(path) as f:
                    texts[path] = f.read()
        self.run_action('recovery-fixes')
        self.assertEqual(self.juju.action_results, {
            'admin-role-any-case': 'pending: mistral-14',
            'heartbeat-checker-project-context': 'pending: mistral-14',
            'integrity-check-completes-finished-workflow':
                'pending: mistral-14',
            'integrity-check-refreshes-waiting-tasks': 'pending: mistral-14',
            'integrity-check-starts-idle-tasks': 'pending: mistral-14',
            'one-database-transaction-per-process': 'pending: mistral-14',
            'reverse-workflow-starts-each-task-once': 'pending: mistral-14',
            'scheduler-keeps-unshared-in-memory-jobs':
                'not-needed: mistral/scheduler/default_scheduler.py does '
                'not exist',
            'summary': '1 not-needed, 7 pending'})
        for path, text in texts.items():
            with open(path) as f:
                self.assertEqual(f.read(), text)
        self.assertEqual(self.machine.events, [])

    def test_recovery_fixes_after_install(self):
        fake_mistral.install(mistral_patches.TARGET_DIR)
        self.deploy_ready()
        self.run_action('recovery-fixes')
        results = self.juju.action_results
        self.assertEqual(results['summary'], '8 applied')
        self.assertEqual(results['scheduler-keeps-unshared-in-memory-jobs'],
                         'applied: mistral-23')

    def test_unknown_action_fails(self):
        self.run_action('frobnicate')
        self.assertEqual(self.juju.action_failures,
                         ['Action frobnicate is not defined'])


class TestOpenstackUpgrade(HookTestCase):

    def run_action(self, name):
        fake_juju.forget_hook_state()
        actions.main(['actions/' + name])

    def new_origin(self, available=True):
        self.deploy_ready()
        self.juju.config['action-managed-upgrade'] = True
        self.move_origin()
        self.patch(actions, 'openstack_upgrade_available',
                   lambda package: available)
        self.patch(actions, 'os_release', lambda package: 'dalmatian')
        self.patch(actions, 'get_os_codename_install_source',
                   lambda source: 'epoxy')

    def test_migrates_restarts_once_and_reports_both_releases(self):
        self.new_origin()
        self.run_action('openstack-upgrade')
        self.assertEqual(self.juju.action_results, {
            'outcome': 'success, upgrade completed',
            'from-release': 'dalmatian', 'to-release': 'epoxy'})
        self.assertEqual([c[3:] for c in self.machine.commands
                          if c[0] == 'mistral-db-manage'],
                         [['upgrade', 'head'], ['populate']])
        self.assertEqual(sorted(self.machine.restarts()), sorted(MISTRAL))
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_relation_data_follows_the_upgrade(self):
        self.new_origin()
        self.juju.local_data('amqp:3').clear()
        self.run_action('openstack-upgrade')
        self.assertEqual(self.juju.local_data('amqp:3')['username'],
                         'mistral')

    def test_only_the_charms_packages_keeping_config_files(self):
        self.new_origin()
        self.run_action('openstack-upgrade')
        self.apt.assert_called_once_with(
            PACKAGES, options=mistral_utils.APT_OPTIONS,
            fatal=True)
        self.assertIn('--option=Dpkg::Options::=--force-confold',
                      mistral_utils.APT_OPTIONS)

    def test_a_failed_upgrade_fails_with_its_reason_and_a_true_status(self):
        self.new_origin()
        self.apt.side_effect = SystemExit(1)  # charmhelpers' fatal apt
        self.run_action('openstack-upgrade')
        self.assertEqual(self.juju.action_failures, [
            'Upgrade from dalmatian to epoxy failed: 1'])
        self.assertEqual(self.juju.action_results['outcome'],
                         'upgrade failed')
        self.assertNotIn('Upgrading', self.juju.status[1])
        self.assertEqual(self.machine.restarts(), [])

    def test_nothing_to_upgrade_says_so(self):
        self.new_origin(available=False)
        self.run_action('openstack-upgrade')
        self.assertEqual(self.juju.action_results, {
            'outcome': 'no upgrade available', 'from-release': 'dalmatian'})
        self.apt.assert_not_called()

    def test_without_action_managed_upgrade_it_fails_naming_the_option(self):
        self.new_origin()
        self.juju.config['action-managed-upgrade'] = False
        self.run_action('openstack-upgrade')
        self.assertTrue(self.juju.action_failures[0].startswith(
            'action-managed-upgrade: '))
        self.apt.assert_not_called()

    def test_a_paused_unit_is_not_upgraded(self):
        self.new_origin()
        self.run_action('pause')
        self.run_action('openstack-upgrade')
        self.assertEqual(self.juju.action_failures,
                         ['The unit is paused: resume it first'])
        self.apt.assert_not_called()

    def test_an_exit_without_a_message_still_fails_the_action(self):
        self.patch(actions, 'ACTIONS', {'x': mock.Mock(
            side_effect=SystemExit())})
        self.run_action('x')
        self.assertEqual(self.juju.action_failures, ['SystemExit'])

    def test_openstack_upgrade_fails_naming_a_bad_origin(self):
        self.deploy_ready()
        self.juju.config['action-managed-upgrade'] = True
        self.juju.config['openstack-origin'] = (
            'deb http://example.com/debian bookworm main')
        self.run_action('openstack-upgrade')
        self.assertEqual(len(self.juju.action_failures), 1)
        self.assertTrue(self.juju.action_failures[0].startswith(
            "openstack-origin: 'deb http://example.com/debian"))
        self.assertEqual(self.machine.restarts(), [])


class TestDispatchTable(HookTestCase):

    def test_every_declared_action_is_a_link_to_the_dispatcher_with_an_entry(
            self):
        import yaml
        with open(os.path.join(CHARM_ROOT, 'actions.yaml')) as f:
            declared = set(yaml.safe_load(f))
        actions_dir = os.path.join(CHARM_ROOT, 'actions')
        links = {name for name in os.listdir(actions_dir)
                 if os.path.islink(os.path.join(actions_dir, name))}
        self.assertEqual(declared, links)
        self.assertEqual(declared, set(actions.ACTIONS))
        for name in links:
            self.assertEqual(os.readlink(os.path.join(actions_dir, name)),
                             'actions.py', name)
