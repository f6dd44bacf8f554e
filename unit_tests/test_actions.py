import os

from charmhelpers.contrib.openstack import utils as os_utils

from unit_tests import fake_juju, fake_mistral
from unit_tests.test_mistral_hooks import HookTestCase, MISTRAL

import mistral_patches
import mistral_utils

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

    def test_a_paused_unit_restarts_nothing_on_config_change(self):
        self.deploy_ready()
        self.run_action('pause')
        self.machine.events.clear()
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(self.machine.running, set())
        self.assertEqual(self.machine.events, [])
        self.assertIn('debug = True', self.mistral_conf())

    def test_resume_brings_the_unit_back(self):
        self.deploy_ready()
        self.run_action('pause')
        self.run_action('resume')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_openstack_upgrade_migrates_and_restarts_mistral_once(self):
        self.deploy_ready()
        self.juju.config['action-managed-upgrade'] = True
        self.juju.config['openstack-origin'] = 'cloud:noble-epoxy'
        self.patch(os_utils, 'openstack_upgrade_available',
                   lambda package: True)
        self.patch(mistral_utils, 'get_os_codename_install_source',
                   lambda source: 'epoxy')
        self.patch(mistral_utils.config_checks, 'lsb_release',
                   lambda: {'DISTRIB_ID': 'Ubuntu',
                            'DISTRIB_CODENAME': 'noble'})
        self.run_action('openstack-upgrade')
        self.assertEqual(self.juju.action_results['outcome'],
                         'success, upgrade completed')
        self.assertEqual([c[3:] for c in self.machine.commands
                          if c[0] == 'mistral-db-manage'],
                         [['upgrade', 'head'], ['populate']])
        self.assertEqual(sorted(self.machine.restarts()), sorted(MISTRAL))

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
            'heartbeat-checker-project-context': 'pending: mistral-14',
            'integrity-check-completes-finished-workflow':
                'pending: mistral-14',
            'integrity-check-refreshes-waiting-tasks': 'pending: mistral-14',
            'scheduler-keeps-unshared-in-memory-jobs':
                'not-needed: mistral/scheduler/default_scheduler.py does '
                'not exist',
            'summary': '1 not-needed, 3 pending'})
        for path, text in texts.items():
            with open(path) as f:
                self.assertEqual(f.read(), text)
        self.assertEqual(self.machine.events, [])

    def test_recovery_fixes_after_install(self):
        fake_mistral.install(mistral_patches.TARGET_DIR)
        self.deploy_ready()
        self.run_action('recovery-fixes')
        results = self.juju.action_results
        self.assertEqual(results['summary'], '4 applied')
        self.assertEqual(results['scheduler-keeps-unshared-in-memory-jobs'],
                         'applied: mistral-23')

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

    def test_unknown_action_fails(self):
        self.run_action('frobnicate')
        self.assertEqual(self.juju.action_failures,
                         ['Action frobnicate is not defined'])
