"""Mistral 21 (flamingo) and later: what their mistral.conf leaves out
against epoxy's, from the per-release templates (templates/<release>/,
the newest not newer than the installed release); Mistral 23's periodic
server, which runs the cron triggers instead of the API; and its API,
which runs under uWSGI."""

import http.server
import os
import threading
import unittest
from unittest import mock

from unit_tests import fake_juju, fake_mistral
from unit_tests.test_mistral_hooks import HookTestCase

import mistral_context
import mistral_patches
import mistral_utils
from mistral_constants import (
    API_UWSGI_INI,
    PACKAGES,
    PERIODIC_SERVER_CODE,
    PERIODIC_UNIT,
    UWSGI_PACKAGES,
)

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
                         ['mistral-api', 'mistral-engine', 'mistral-engine@2',
                          'mistral-executor', 'mistral-periodic'])

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
                         ['mistral-api', 'mistral-engine', 'mistral-engine@2',
                          'mistral-executor', 'mistral-periodic'])

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

    def test_mistral_22_is_ready_when_its_api_listens(self):
        asked = []
        self.patch(mistral_utils, 'api_answers', asked.append)
        self.deploy_release('gazpacho')
        self.assertEqual(asked, [])
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_mistral_21_and_22_keep_the_api_as_mistral_server(self):
        for release in ('flamingo', 'gazpacho'):
            with self.subTest(release=release):
                self.deploy_release(release)
                override = self.read(mistral_utils.API_SYSTEMD_OVERRIDE)
                self.assertIn('\nExecStart=/usr/bin/mistral-server '
                              '--config-file=/etc/mistral/mistral.conf '
                              '--server api ', override)
                self.assertNotIn('uwsgi', override)
                self.assertFalse(os.path.exists(self.path(API_UWSGI_INI)))
                self.assertNotIn(mistral_utils.API_UWSGI_INI,
                                 mistral_utils.restart_map())
                self.assertFalse(set(UWSGI_PACKAGES) & set(self.installed))


def uwsgi_ini(text):
    """{option: value} of a uWSGI ini (each option once)."""
    options = {}
    for line in text.splitlines():
        if '=' in line and not line.startswith('#'):
            key, _, value = line.partition('=')
            options[key.strip()] = value.strip()
    return options


class TestApiUnderUwsgi(PeriodicCase):

    def ini(self):
        return uwsgi_ini(self.read(API_UWSGI_INI))

    def test_the_api_runs_under_uwsgi_over_either_packaged_unit(self):
        self.deploy_23()
        self.assert_api_runs('/usr/bin/uwsgi-core --ini ' + API_UWSGI_INI)
        self.assertIn('mistral-api', self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_unit_is_ready_once_the_api_answers_not_when_uwsgi_listens(
            self):
        asked = []

        def loading(path):
            asked.append(path)
            return False
        self.patch(mistral_utils, 'api_answers', loading)
        self.deploy_23()
        self.assertEqual(self.juju.status, (
            'blocked', 'Not listening: 8979 (mistral-api: no answer at '
            '/healthcheck)'))
        self.patch(mistral_utils, 'api_answers', self.api_answers)
        self.run_hook('update-status')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        self.assertEqual(set(asked), {'/healthcheck'})

    def test_uwsgi_serves_mistral_wsgi_where_haproxy_forwards(self):
        self.deploy_23()
        ini = self.ini()
        for key, value in [
                ('plugins', 'python3'),
                ('module', 'mistral.wsgi:application'),
                ('env', 'MISTRAL_CONFIG_FILE=/etc/mistral/mistral.conf'),
                ('http-socket', '0.0.0.0:8979'),
                # worker-multiplier unset: two per CPU (two), at most four
                ('processes', '4'), ('threads', '4'),
                ('master', 'true'), ('lazy-apps', 'true'),
                ('need-app', 'true'), ('die-on-term', 'true'),
                ('logto', '/var/log/mistral/mistral-api.log')]:
            self.assertEqual(ini.get(key), value, key)
        self.assertIn('server mistral-0 10.0.0.10:8979 check',
                      self.read(mistral_utils.HAPROXY_CONF))
        # the health check haproxy polls: Mistral 23 serves it itself
        self.assertIn('option httpchk GET /healthcheck',
                      self.read(mistral_utils.HAPROXY_CONF))
        self.assertIn('\n[healthcheck]\nenabled = True\n',
                      self.mistral_conf())

    def test_its_ini_holds_no_secret_and_is_world_readable(self):
        self.deploy_23()
        text = self.read(API_UWSGI_INI)
        for secret in ('dbpass', 'rbpass', 'kspass'):
            self.assertNotIn(secret, text)
        st = os.stat(self.path(API_UWSGI_INI))
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (0, 0o644))

    def test_worker_multiplier_sets_its_processes_and_restarts_the_api(
            self):
        self.deploy_23()
        self.juju.config['worker-multiplier'] = 3
        self.run_hook('config-changed')
        self.assertEqual(self.ini()['processes'], '6')
        self.assertEqual(self.machine.restarts(), ['mistral-api'])
        self.assertNotIn(('daemon-reload', None), self.machine.events)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_changed_ini_restarts_the_api_alone(self):
        self.deploy_23()
        self.assertEqual(mistral_utils.restart_map()[
            mistral_utils.API_UWSGI_INI], ['mistral-api'])
        with open(self.path(API_UWSGI_INI), 'a') as f:
            f.write('# edited\n')
        self.run_hook('config-changed')
        self.assertEqual(self.machine.restarts(), ['mistral-api'])

    def test_with_prefer_ipv6_it_listens_on_every_ipv6_address(self):
        self.juju.config['prefer-ipv6'] = True
        self.assertEqual(mistral_context.UwsgiSocketContext()(),
                         {'api_http_socket': '[::]:8979'})

    def test_the_install_hook_installs_uwsgi_once_mistral_23_is_in(self):
        calls = []

        def apt_install(packages, options=None, fatal=False):
            calls.append(list(packages))
            self.installed.extend(packages)
            self.install_mistral_23()   # the code comes with the packages
        self.patch(mistral_utils, 'apt_install', apt_install)
        self.run_hook('install')
        self.assertEqual(calls, [PACKAGES, UWSGI_PACKAGES])
        self.assertEqual(self.machine.running, set())

    def test_a_package_apt_leaves_missing_is_asked_for_once_more_only(self):
        calls = []

        def apt_install(packages, options=None, fatal=False):
            calls.append(list(packages))
            self.installed.extend(p for p in packages if p != 'uwsgi-core')
            self.install_mistral_23()
        self.patch(mistral_utils, 'apt_install', apt_install)
        self.run_hook('install')
        self.assertEqual(calls, [PACKAGES, UWSGI_PACKAGES, ['uwsgi-core']])

    def test_a_charm_upgrade_moves_a_mistral_23_api_to_uwsgi(self):
        self.deploy_23()
        # as the charm before left it (Ubuntu: no uWSGI installed)
        with open(mistral_utils.API_SYSTEMD_OVERRIDE, 'w') as f:
            f.write('[Service]\nExecStart=\nExecStart=/usr/bin/'
                    'mistral-server --server api\n')
        os.unlink(self.path(API_UWSGI_INI))
        for pkg in UWSGI_PACKAGES:
            self.installed.remove(pkg)
        self.run_hook('upgrade-charm')
        self.assertTrue(set(UWSGI_PACKAGES) <= set(self.installed))
        self.assertEqual(self.machine.restarts(), ['mistral-api'])
        self.assertLess(self.machine.events.index(('daemon-reload', None)),
                        self.machine.events.index(('restart', 'mistral-api')))
        self.assertEqual(self.ini()['module'], 'mistral.wsgi:application')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_series_upgrade_to_mistral_23_moves_the_api_to_uwsgi(self):
        self.machine.version = '20.0.0-2+deb13u1'
        self.deploy_ready()
        self.run_hook('pre-series-upgrade')
        self.move_origin('distro', 'hibiscus')
        self.apt.side_effect = lambda packages, **kwargs: (
            self.installed.extend(packages), self.install_mistral_23())
        self.run_hook('post-series-upgrade')
        self.assertEqual(self.apt.call_args_list, [
            mock.call(PACKAGES, options=mistral_utils.APT_OPTIONS,
                      fatal=True),
            mock.call(UWSGI_PACKAGES, options=mistral_utils.APT_OPTIONS,
                      fatal=True)])
        self.assertIn('/usr/bin/uwsgi-core --ini', self.read(
            mistral_utils.API_SYSTEMD_OVERRIDE))
        self.assertEqual(self.ini()['http-socket'], '0.0.0.0:8979')
        self.assertTrue({'mistral-api', 'mistral-periodic'} <=
                        self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))


class TestApiAnswers(unittest.TestCase):
    """api_answers() against a real HTTP server on the loopback."""

    def serve(self, status):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status if self.path == '/healthcheck'
                                   else 404)
                self.end_headers()

            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1]

    def answers(self, port, path='/healthcheck'):
        with mock.patch.object(mistral_utils, 'API_BACKEND_PORT', port), \
                mock.patch.object(mistral_utils, 'config',
                                  lambda key: False):
            return mistral_utils.api_answers(path)

    def test_200_answers(self):
        self.assertTrue(self.answers(self.serve(200)))

    def test_an_error_status_or_another_path_does_not(self):
        self.assertFalse(self.answers(self.serve(503)))
        self.assertFalse(self.answers(self.serve(200), path='/v2'))

    def test_nothing_listening_does_not(self):
        port = self.serve(200)
        self.doCleanups()
        self.assertFalse(self.answers(port))
