"""What a hook asks the machine: the release from dpkg's record of
mistral-common (apt-cache takes a quarter of a second), asked once; the
services' states from one systemctl call; templates compiled once."""

import os
from unittest import mock

import jinja2

from charmhelpers.contrib.openstack import utils as os_utils

from unit_tests import fake_juju
from unit_tests.test_mistral_hooks import HookTestCase

import mistral_hooks
import mistral_utils
import quick_status
from mistral_constants import VERSION_PACKAGE


class TestInstalledRelease(HookTestCase):

    def setUp(self):
        super().setUp()
        self.patch(os_utils, 'apt_cache', mock.Mock(
            side_effect=AssertionError('apt-cache asked')))

    def test_the_release_is_the_one_of_the_installed_mistral_common(self):
        self.deploy_ready()
        for version, release in [('1:20.0.0-2+deb13u1', 'epoxy'),
                                 ('21.0.0-0ubuntu1~cloud0', 'flamingo'),
                                 ('14.0.0-0ubuntu1.1', 'yoga')]:
            self.machine.version = version
            self.run_hook('config-changed')
            self.assertEqual(mistral_hooks.CONFIGS.openstack_release,
                             release, version)

    def test_without_mistral_installed_the_release_is_openstack_origins(self):
        self.machine.version = None
        self.juju.config['openstack-origin'] = 'cloud:noble-flamingo'
        fake_juju.forget_hook_state()
        self.assertEqual(mistral_utils.register_configs().openstack_release,
                         'flamingo')

    def test_an_upgrade_is_available_when_the_origin_names_a_later_release(
            self):
        self.juju.config['openstack-origin'] = 'cloud:noble-flamingo'
        self.assertTrue(os_utils.openstack_upgrade_available(VERSION_PACKAGE))
        fake_juju.forget_hook_state()   # the next hook
        self.machine.version = '21.0.0-0ubuntu1~cloud0'
        self.assertFalse(
            os_utils.openstack_upgrade_available(VERSION_PACKAGE))

    def test_an_upgrade_reads_the_new_version_in_the_same_hook(self):
        self.deploy_ready()
        self.upgrade_available = True
        self.move_origin('cloud:noble-flamingo', 'flamingo')

        def apt_install(packages, options=None, fatal=False):
            self.machine.version = '21.0.0-0ubuntu1~cloud0'
        self.patch(mistral_utils, 'apt_install', apt_install)
        self.run_hook('config-changed')
        self.assertEqual(self.juju.app_version, '21.0.0')

    def test_a_package_removed_leaving_its_config_files_is_not_installed(
            self):
        fake_juju.forget_hook_state()
        self.patch(quick_status.subprocess, 'check_output',
                   lambda cmd, **kw: 'mistral-common rc  20.0.0-2\n')
        self.assertIsNone(quick_status.installed_version(VERSION_PACKAGE))


class TestServiceStates(HookTestCase):

    def test_status_names_the_stopped_services_from_one_systemctl_call(
            self):
        self.deploy_ready()
        self.machine.running -= {'mistral-engine', 'haproxy'}
        self.machine.state_queries = 0
        self.run_hook('update-status')
        self.assertEqual(self.juju.status, (
            'blocked', 'Services not running that should be: '
            'mistral-engine, haproxy'))
        self.assertEqual(self.machine.state_queries, 1)


class TestTemplateCache(HookTestCase):

    def test_templates_compiled_once_are_kept_where_root_alone_reads(self):
        self.deploy_ready()
        cache = mistral_utils.TEMPLATE_CACHE
        self.assertEqual(os.stat(cache).st_mode & 0o777, 0o700)
        compiled = sorted(os.listdir(cache))
        self.assertTrue(compiled)
        with mock.patch.object(jinja2.Environment, 'compile') as compile:
            self.run_hook('config-changed')
        compile.assert_not_called()
        self.assertEqual(sorted(os.listdir(cache)), compiled)


class TestListeningPorts(HookTestCase):

    def test_a_ready_unit_reads_the_listening_ports_once_a_hook(self):
        self.deploy_ready()
        reads = mock.Mock(side_effect=self.listening_ports)
        self.patch(mistral_utils, 'listening_ports', reads)
        self.juju.config['nagios_context'] = 'elsewhere'
        self.run_hook('config-changed')
        self.assertEqual(reads.call_count, 1)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
