"""Mistral 21 (flamingo) and later: what their mistral.conf leaves out
against epoxy's, from the per-release templates (templates/<release>/,
the newest not newer than the installed release); and Mistral 23's
periodic server, which runs the cron triggers instead of the API."""

import os

from unit_tests import fake_juju, fake_mistral
from unit_tests.test_mistral_hooks import HookTestCase

import mistral_patches
import mistral_utils
from mistral_constants import PERIODIC_SERVER_CODE, PERIODIC_UNIT

actions = fake_juju.import_in_model('actions')

# the installed mistral-common of each release, as the distributions
# version it (Ubuntu's Cloud Archive for noble; Debian forky)
NEWEST = {
    'flamingo': '21.0.0-0ubuntu1~cloud0',
    'gazpacho': '22.0.0-0ubuntu1~cloud0',
    'hibiscus': '23.0.0-4',
}


class NewestReleaseCase(HookTestCase):

    def deploy_release(self, release):
        self.machine.version = NEWEST[release]
        self.deploy_ready()
        return self.mistral_conf()


class TestApiWorkers(NewestReleaseCase):

    def test_mistral_21_and_later_render_no_api_workers(self):
        for release in NEWEST:
            with self.subTest(release=release):
                conf = self.deploy_release(release)
                self.assertIn('[api]\nhost = 0.0.0.0\nport = 8979\n', conf)
                self.assertNotIn('api_workers', conf.replace(
                    '# no api_workers', ''))

    def test_epoxy_still_sets_api_workers_from_the_worker_multiplier(self):
        self.machine.version = '20.0.0-2+deb13u1'
        self.juju.config['worker-multiplier'] = 3
        self.deploy_ready()
        self.assertIn('\napi_workers = 6\n', self.mistral_conf())


def systemd_unit(text):
    """{(section, key): value} of a unit file."""
    unit, section = {}, None
    for line in text.splitlines():
        if line.startswith('['):
            section = line
        elif '=' in line and not line.startswith('#'):
            key, _, value = line.partition('=')
            unit[(section, key)] = value
    return unit


def install_mistral_23(machine):
    """Mistral 23 (Debian forky) on the fake machine: its code has the
    periodic server."""
    machine.version = NEWEST['hibiscus']
    code = os.path.join(mistral_patches.TARGET_DIR, PERIODIC_SERVER_CODE)
    os.makedirs(os.path.dirname(code), exist_ok=True)
    with open(code, 'w') as f:
        f.write('class PeriodicServer: pass\n')


class PeriodicCase(NewestReleaseCase):

    def install_mistral_23(self):
        install_mistral_23(self.machine)

    def deploy_23(self):
        self.install_mistral_23()
        self.deploy_ready()

    def periodic_unit(self):
        return systemd_unit(self.read(PERIODIC_UNIT))


class TestPeriodicServer(PeriodicCase):

    def test_a_ready_mistral_23_unit_runs_the_periodic_server_enabled(self):
        self.deploy_23()
        self.assertIn('mistral-periodic', self.machine.running)
        self.assertIn('mistral-periodic', self.machine.enabled)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_its_unit_runs_mistral_server_periodic_as_mistral(self):
        self.deploy_23()
        unit = self.periodic_unit()
        self.assertEqual(
            unit[('[Service]', 'ExecStart')],
            '/usr/bin/mistral-server --config-file=/etc/mistral/mistral.conf'
            ' --server periodic --log-file=/var/log/mistral/'
            'mistral-periodic.log')
        self.assertEqual(unit[('[Service]', 'User')], 'mistral')
        self.assertEqual(unit[('[Service]', 'Restart')], 'on-failure')
        self.assertEqual(unit[('[Install]', 'WantedBy')],
                         'multi-user.target')
        self.assertEqual(
            os.stat(self.path(PERIODIC_UNIT)).st_mode & 0o777, 0o644)

    def test_the_api_leaves_cron_triggers_to_the_periodic_server(self):
        self.deploy_23()
        self.assertRegex(self.mistral_conf(),
                         r'\n\[cron_trigger\]\nenabled = True\n(#.*\n)?'
                         r'run_in_api = False\n')

    def test_a_new_mistral_conf_restarts_the_periodic_server_too(self):
        self.deploy_23()
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(sorted(self.machine.restarts()),
                         ['mistral-api', 'mistral-engine', 'mistral-executor',
                          'mistral-periodic'])

    def test_a_changed_unit_file_restarts_the_periodic_server_alone(self):
        self.deploy_23()
        with open(self.path(PERIODIC_UNIT), 'a') as f:
            f.write('# edited\n')
        self.run_hook('config-changed')
        self.assertEqual(self.machine.restarts(), ['mistral-periodic'])
        self.assertIn(('daemon-reload', None), self.machine.events)

    def test_the_admin_role_fix_restarts_the_periodic_server_too(self):
        self.install_mistral_23()
        path = fake_mistral.install(mistral_patches.TARGET_DIR)[
            'admin-role-any-case']
        with open(path) as f:
            package = f.read()
        self.deploy_ready()
        with open(path, 'w') as f:  # a package upgrade outside the charm
            f.write(package)
        self.run_hook('update-status')
        self.assertEqual(sorted(self.machine.restarts()),
                         ['mistral-api', 'mistral-engine', 'mistral-executor',
                          'mistral-periodic'])

    def test_a_hook_with_nothing_to_do_restarts_nothing(self):
        self.deploy_23()
        self.run_hook('config-changed')
        self.assertEqual(self.machine.restarts(), [])

    def test_a_stopped_periodic_server_blocks_the_unit_naming_it(self):
        self.deploy_23()
        self.machine.running.discard('mistral-periodic')
        self.run_hook('update-status')
        self.assertEqual(self.juju.status[0], 'blocked')
        self.assertIn('mistral-periodic', self.juju.status[1])

    def test_pause_stops_and_masks_it_and_resume_starts_it_again(self):
        self.deploy_23()
        self.run_action('pause')
        self.assertNotIn('mistral-periodic', self.machine.running)
        self.assertIn('mistral-periodic', self.machine.masked)
        self.run_action('resume')
        self.assertIn('mistral-periodic', self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_the_stop_hook_stops_it(self):
        self.deploy_23()
        self.run_hook('stop')
        self.assertNotIn('mistral-periodic', self.machine.running)

    def test_a_series_upgrade_to_mistral_23_starts_it_in_the_same_hook(
            self):
        self.machine.version = '20.0.0-2+deb13u1'
        self.deploy_ready()
        self.run_hook('pre-series-upgrade')
        self.move_origin('distro', 'hibiscus')
        # the packages of the new series, installed by the hook itself
        self.apt.side_effect = lambda *args, **kwargs: \
            self.install_mistral_23()
        self.run_hook('post-series-upgrade')
        self.assertTrue({'mistral-api', 'mistral-periodic'} <=
                        self.machine.running)
        self.assertIn('run_in_api = False', self.mistral_conf())
        self.assertEqual(self.periodic_unit()[('[Service]', 'User')],
                         'mistral')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def run_action(self, name):
        fake_juju.forget_hook_state()
        actions.main(['actions/' + name])


class TestNoPeriodicServer(NewestReleaseCase):

    def test_mistral_22_has_no_periodic_server_and_cron_stays_in_the_api(
            self):
        self.deploy_release('gazpacho')
        self.assertFalse(os.path.exists(self.path(PERIODIC_UNIT)))
        self.assertNotIn('run_in_api', self.mistral_conf())
        self.assertNotIn('mistral-periodic', self.machine.running)
        self.assertNotIn(PERIODIC_UNIT, mistral_utils.restart_map())
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
