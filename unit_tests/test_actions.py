from charmhelpers.contrib.openstack import utils as os_utils

from unit_tests import fake_juju
from unit_tests.test_mistral_hooks import HookTestCase, MISTRAL

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
