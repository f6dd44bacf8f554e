"""mistral-extra: installed for the release, off with its option, a failed
install harmless, the OpenStack actions configured and listed."""

import json
import os
import subprocess
from unittest import mock

from unit_tests import fake_juju
from unit_tests.test_mistral_hooks import HookTestCase, MISTRAL

import openstack_actions

actions = fake_juju.import_in_model('actions')


class ExtraTestCase(HookTestCase):

    def setUp(self):
        super().setUp()
        self.juju.config['openstack-actions'] = True   # off by default

    def pip_installs(self):
        return [c[-1] for c in self.machine.commands
                if c[1:4] == ['-m', 'pip', 'install']]

    def version_dir(self, version):
        return os.path.join(openstack_actions.MISTRAL_EXTRA_DIR, version)

    def pth(self):
        with open(openstack_actions.pth_path()) as f:
            return f.read().strip()

    def run_action(self, name):
        fake_juju.forget_hook_state()
        actions.main(['actions/' + name])


class TestInstall(ExtraTestCase):

    def test_nothing_is_fetched_from_pypi_by_default(self):
        self.juju.config = fake_juju.charm_defaults()
        self.deploy_ready()
        self.run_hook('config-changed')
        self.assertFalse(os.path.exists(openstack_actions.MISTRAL_EXTRA_DIR)
                         and os.listdir(openstack_actions.MISTRAL_EXTRA_DIR))
        self.assertFalse(os.path.exists(openstack_actions.pth_path()))

    def test_the_releases_version_goes_in_its_own_directory_on_the_path(self):
        self.deploy_ready()
        self.assertEqual(self.pip_installs(), [])  # deploy_ready cleared
        self.assertEqual(self.pth(), self.version_dir('15.0.0'))
        self.assertTrue(os.path.isdir(self.version_dir('15.0.0')))
        self.assertIn('python3-keystoneclient', self.installed)

    def test_pip_installs_the_pinned_version_without_dependencies(self):
        self.run_hook('install')
        self.add_all_relations()
        self.run_hook('config-changed')
        pip, = [c for c in self.machine.commands if c[1:3] == ['-m', 'pip']]
        self.assertEqual(pip[0], '/usr/bin/python3')
        self.assertEqual(pip[-1], 'mistral-extra==15.0.0')
        self.assertIn('--no-deps', pip)
        self.assertIn('--target', pip)

    def test_pip_goes_through_the_models_https_proxy(self):
        with mock.patch.dict(os.environ, {
                'JUJU_CHARM_HTTPS_PROXY': 'http://10.0.0.1:3128'}):
            self.run_hook('install')
            self.add_all_relations()
            self.run_hook('config-changed')
        self.assertEqual(self.machine.proxies,
                         {'/usr/bin/python3': 'http://10.0.0.1:3128'})

    def test_the_leader_registers_its_workflows_once_it_is_in(self):
        self.juju.config['openstack-actions'] = False
        self.deploy_ready()
        self.juju.config['openstack-actions'] = True
        self.run_hook('config-changed')
        self.assertEqual([c[3:] for c in self.machine.commands
                          if c[0] == 'mistral-db-manage'], [['populate']])
        self.machine.commands.clear()
        self.run_hook('config-changed')   # settled: not again
        self.assertNotIn('mistral-db-manage',
                         [c[0] for c in self.machine.commands])

    def test_another_unit_leaves_the_workflows_to_the_leader(self):
        self.juju.config['openstack-actions'] = False
        self.deploy_ready()
        self.juju.leader = False
        self.juju.config['openstack-actions'] = True
        self.run_hook('config-changed')
        self.assertNotIn('mistral-db-manage',
                         [c[0] for c in self.machine.commands])
        self.assertEqual(self.pth(), self.version_dir('15.0.0'))

    def test_a_settled_unit_installs_and_restarts_nothing(self):
        self.deploy_ready()
        self.run_hook('config-changed')
        self.assertEqual(self.pip_installs(), [])
        self.assertEqual(self.machine.restarts(), [])

    def test_the_actions_are_configured_with_endpoint_type_and_region(self):
        self.juju.config['openstack-actions-endpoint-type'] = 'internal'
        self.juju.config['region'] = 'RegionTwo'
        self.deploy_ready()
        conf = self.mistral_conf()
        self.assertIn('[legacy_action_provider]\n'
                      'load_action_generators = True\n', conf)
        self.assertIn('[openstack_actions]\n'
                      'os_actions_endpoint_type = internal\n'
                      'default_region = RegionTwo\n', conf)

    def test_turning_it_off_removes_it_and_restarts_mistral_once(self):
        self.deploy_ready()
        self.juju.config['openstack-actions'] = False
        self.run_hook('config-changed')
        self.assertFalse(os.path.exists(openstack_actions.pth_path()))
        self.assertFalse(os.path.exists(self.version_dir('15.0.0')))
        self.assertIn('load_action_generators = False', self.mistral_conf())
        self.assertNotIn('[openstack_actions]', self.mistral_conf())
        self.assertEqual(sorted(self.machine.restarts()), MISTRAL)

    def test_a_new_release_moves_to_its_version_and_drops_the_old(self):
        self.deploy_ready()
        self.assertEqual(openstack_actions.install('flamingo'),
                         [openstack_actions.CHANGED])
        self.assertEqual(self.pth(), self.version_dir('15.1.0'))
        self.assertEqual(os.listdir(openstack_actions.MISTRAL_EXTRA_DIR),
                         ['15.1.0'])

    def test_a_bad_endpoint_type_blocks_naming_the_option(self):
        self.deploy_ready()
        self.juju.config['openstack-actions-endpoint-type'] = 'private'
        self.run_hook('config-changed')
        self.assertEqual(self.juju.status, (
            'blocked', "openstack-actions-endpoint-type: 'private' is not "
            "one of public, internal, admin"))


class TestFailedInstall(ExtraTestCase):

    def deploy_without_pypi(self):
        self.machine.fail_commands.add('/usr/bin/python3')
        self.deploy_ready()

    def test_mistral_serves_without_it_and_says_why(self):
        self.deploy_without_pypi()
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertFalse(os.path.exists(openstack_actions.pth_path()))
        self.assertEqual(os.listdir(openstack_actions.MISTRAL_EXTRA_DIR), [])
        self.assertTrue(any('installing mistral-extra 15.0.0 failed' in line
                            for line in self.juju.logs))
        self.run_action('openstack-actions')
        self.assertIn('failed', self.juju.action_results['mistral-extra'])

    def test_it_is_tried_again_later_not_on_every_hook(self):
        self.deploy_without_pypi()
        self.run_hook('config-changed')
        self.assertEqual(self.pip_installs(), [])
        self.machine.fail_commands.clear()
        self.patch(openstack_actions, 'RETRY_AFTER', 0)
        self.run_hook('update-status')  # settled: converges not
        self.run_hook('config-changed')
        self.assertEqual(self.pip_installs(), ['mistral-extra==15.0.0'])
        self.assertEqual(self.pth(), self.version_dir('15.0.0'))


class TestAction(ExtraTestCase):

    def test_the_action_lists_the_namespaces_that_loaded(self):
        self.deploy_ready()
        counts = {'keystone': 120, 'nova': 250, 'zun': 0}
        self.patch(openstack_actions.subprocess, 'check_output',
                   lambda cmd, **kw: 'noise\n' + json.dumps(counts))
        self.run_action('openstack-actions')
        self.assertEqual(self.juju.action_results, {
            'mistral-extra': 'mistral-extra 15.0.0 installed',
            'namespaces': 'keystone nova', 'without-actions': 'zun',
            'actions': '370'})

    def test_the_action_says_when_nothing_imports(self):
        self.juju.config['openstack-actions'] = False
        self.deploy_ready()

        def fail(cmd, **kw):
            raise subprocess.CalledProcessError(1, cmd)
        self.patch(openstack_actions.subprocess, 'check_output', fail)
        self.run_action('openstack-actions')
        self.assertEqual(self.juju.action_results, {
            'mistral-extra': 'not installed: openstack-actions is false',
            'namespaces': 'none (mistral-extra does not import)'})
