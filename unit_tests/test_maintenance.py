"""An upgrade drains running work through Mistral's maintenance mode: the
leader pauses the executions before its packages move and resumes them
once it runs the new code on the schema it published. Keystone and the
Mistral API are faked at the HTTP boundary (urllib's opener)."""

import io
import json
import os
import urllib.error
import urllib.request

from unit_tests import fake_juju
from unit_tests.test_upgrades import MIGRATION, MYSQL, SCHEMA, UpgradeCase

import mistral_maintenance
import mistral_utils
from mistral_constants import MAINTENANCE_CODE, MAINTENANCE_KEY

actions = fake_juju.import_in_model('actions')

DRAINING = ('maintenance', 'Draining running executions before the upgrade')
TOKEN = 'gAAAA-service-token'
KEYSTONE = 'http://10.0.0.23:35357/v3/auth/tokens'
API = 'http://localhost:8979/maintenance'
CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'


class FakeResponse(io.BytesIO):

    def __init__(self, body, headers=None):
        super().__init__(json.dumps(body).encode())
        self.headers = headers or {}


class FakeSSL:
    """ssl's default context, remembering the CA file it trusts."""

    @staticmethod
    def create_default_context(cafile=None):
        return ('context', cafile)


class FakeCloud:
    """Keystone and the local Mistral API, as urllib reaches them.

    `passes`: answers of PAUSING after PAUSED was asked before Mistral
    says PAUSED (None: tasks never end); `api_up`: the API answers;
    `fail_put`: the HTTP status a PUT gets instead of its answer."""

    def __init__(self, clock, timeline, machine):
        self.clock = clock
        self.timeline = timeline
        self.machine = machine
        self.state = 'RUNNING'
        self.passes = 1
        self.api_up = True
        self.keystone_up = True
        self.fail_put = None
        self.requests = []      # (method, url)
        self.token_requests = []

    def build_opener(self, *handlers):
        direct = any(isinstance(h, urllib.request.ProxyHandler) and
                     h.proxies == {} for h in handlers)
        contexts = [h._context for h in handlers
                    if isinstance(h, urllib.request.HTTPSHandler)]
        cloud = self

        class Opener:
            def open(self, request, timeout=None):
                if not direct:  # the model's proxy reaches neither
                    raise urllib.error.URLError('proxy: no route')
                if request.full_url.startswith('https:') and \
                        contexts != [('context', CA_BUNDLE)]:
                    raise urllib.error.URLError('certificate verify failed')
                return cloud.answer(request)
        return Opener()

    def answer(self, request):
        method, url = request.get_method(), request.full_url
        body = json.loads(request.data) if request.data else None
        if url.endswith('/v3/auth/tokens'):
            self.token_requests.append((url, body))
            if not self.keystone_up:
                raise urllib.error.URLError('connection refused')
            return FakeResponse({}, {'X-Subject-Token': TOKEN})
        self.requests.append((method, url))
        if not self.api_up or 'mistral-api' not in self.machine.running:
            raise urllib.error.URLError('connection refused')
        if request.get_header('X-auth-token') != TOKEN:
            raise urllib.error.HTTPError(url, 401, 'Unauthorized', {}, None)
        if method == 'PUT':
            self.timeline.append('PUT ' + body['status'])
            if self.fail_put:
                raise urllib.error.HTTPError(url, self.fail_put, 'Error', {},
                                             None)
            self.state = 'PAUSING' if body['status'] == 'PAUSED' else \
                body['status']
            return FakeResponse({'status': self.state})
        if self.state == 'PAUSING' and self.passes is not None:
            if self.passes == 0:
                self.state = 'PAUSED'
            self.passes -= 1
        return FakeResponse({'status': self.state})


class FakeClock:

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class MaintenanceCase(UpgradeCase):

    def setUp(self):
        super().setUp()
        self.timeline = []
        self.clock = FakeClock()
        self.cloud = FakeCloud(self.clock, self.timeline, self.machine)
        self.patch(mistral_maintenance.urllib.request, 'build_opener',
                   self.cloud.build_opener)
        self.patch(mistral_maintenance, 'ssl', FakeSSL)
        self.patch(mistral_maintenance, 'time', self.clock)
        run = self.machine.run

        def recorded(cmd):
            if cmd[0] == 'mistral-db-manage':
                self.timeline.append(' '.join(cmd[:1] + cmd[3:]))
            elif cmd[:2] == ['systemctl', 'restart']:
                self.timeline.append(' '.join(cmd))
            return run(cmd)
        self.patch(self.machine, 'run', recorded)
        self.install_migrations('002')

    def deploy_ready(self):
        super().deploy_ready()
        self.timeline.clear()

    def maintenance_code(self):
        """What the installed Mistral (17.0.0 and later) has."""
        path = os.path.join(mistral_utils.mistral_patches.TARGET_DIR,
                            MAINTENANCE_CODE)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write('class MaintenanceController: ...\n')

    def upgrade(self):
        """openstack-origin moves on: new packages, a newer schema."""
        self.move_origin()
        self.apt.side_effect = lambda *args, **kwargs: (
            self.timeline.append('apt install'),
            self.install_migrations('003'))
        self.upgrade_available = True
        self.run_hook('config-changed')
        self.upgrade_available = False

    def warned(self, text):
        """The log lines saying `text`."""
        return [line for line in self.juju.logs if text in line]


class TestDrain(MaintenanceCase):

    def test_the_leader_pauses_executions_before_the_upgrade_and_resumes_after(
            self):
        self.maintenance_code()
        self.deploy_ready()
        start = self.clock.now
        self.upgrade()
        self.assertLess(self.clock.now - start, 10)
        self.assertEqual(self.timeline, [
            'PUT PAUSED', 'apt install',
            'mistral-db-manage upgrade head', 'mistral-db-manage populate',
            'systemctl restart mistral-api mistral-engine mistral-engine@2 '
            'mistral-executor',
            'PUT RUNNING'])
        self.assertIn(DRAINING, self.juju.statuses)
        self.assertTrue(self.warned('Mistral paused its running executions'))
        self.assertTrue(self.warned('Mistral maintenance ended'))
        self.assertEqual(self.cloud.state, 'RUNNING')
        self.assertEqual(self.juju.leader_settings[SCHEMA], '003')
        self.assertNotIn(MAINTENANCE_KEY, self.juju.leader_settings)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_the_leader_asks_as_the_charms_service_user_in_its_project(self):
        self.maintenance_code()
        self.deploy_ready()
        self.upgrade()
        url, body = self.cloud.token_requests[0]
        self.assertEqual(url, KEYSTONE)
        domain = {'name': 'service_domain'}
        self.assertEqual(body, {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': 'mistral', 'domain': domain,
                'password': 'kspass'}}},
            'scope': {'project': {'name': 'services', 'domain': domain}}}})
        self.assertEqual({url for _, url in self.cloud.requests}, {API})

    def test_keystone_over_https_is_trusted_through_the_system_store(self):
        self.maintenance_code()
        self.deploy_ready()
        self.juju.remote_set('identity-service:4', 'keystone/0',
                             auth_protocol='https')
        self.upgrade()
        self.assertEqual(self.cloud.token_requests[0][0],
                         KEYSTONE.replace('http:', 'https:'))
        self.assertEqual(self.cloud.state, 'RUNNING')
        self.assertIn('PUT PAUSED', self.timeline)

    def test_the_upgrade_action_drains_too(self):
        self.maintenance_code()
        self.deploy_ready()
        self.juju.config['action-managed-upgrade'] = True
        self.move_origin()
        self.install_migrations('003')
        self.patch(actions, 'openstack_upgrade_available', lambda p: True)
        fake_juju.forget_hook_state()
        actions.main(['actions/openstack-upgrade'])
        self.assertEqual(self.timeline[0], 'PUT PAUSED')
        self.assertEqual(self.timeline[-1], 'PUT RUNNING')

    def test_a_release_without_the_maintenance_api_is_upgraded_unasked(self):
        self.deploy_ready()
        self.upgrade()
        self.assertEqual(self.cloud.requests, [])
        self.assertEqual(self.cloud.token_requests, [])
        self.assertEqual(self.migrations(), MIGRATION)
        self.assertNotIn(DRAINING, self.juju.statuses)

    def test_a_non_leader_never_asks_the_api(self):
        self.maintenance_code()
        self.juju.leader_settings.update({
            'mistral-db-initialised': MYSQL, SCHEMA: '002'})
        self.deploy_non_leader()
        self.upgrade()
        self.juju.leader_settings.update({SCHEMA: '003',
                                          MAINTENANCE_KEY: 'PAUSED'})
        self.run_hook('leader-settings-changed')
        self.assertTrue({'mistral-api', 'mistral-engine'} <=
                        self.machine.running)
        self.assertEqual(self.cloud.requests, [])
        self.assertEqual(self.cloud.token_requests, [])

    def test_tasks_running_past_the_deadline_warn_and_the_upgrade_goes_on(
            self):
        self.maintenance_code()
        self.deploy_ready()
        self.cloud.passes = None
        start = self.clock.now
        self.upgrade()
        self.assertGreaterEqual(self.clock.now - start, 300)
        self.assertLess(self.clock.now - start, 310)
        self.assertTrue(self.warned('still running after 300 s'))
        self.assertEqual(self.migrations(), MIGRATION)
        self.assertEqual(self.timeline[-1], 'PUT RUNNING')
        self.assertEqual(self.cloud.state, 'RUNNING')

    def test_an_api_error_warns_and_the_upgrade_goes_on(self):
        self.maintenance_code()
        self.deploy_ready()
        self.cloud.fail_put = 500
        self.upgrade()
        self.assertTrue(self.warned('Could not drain running executions'))
        self.assertEqual(self.migrations(), MIGRATION)
        self.assertEqual(self.juju.leader_settings[SCHEMA], '003')

    def test_keystone_unreachable_warns_and_asks_the_api_nothing(self):
        self.maintenance_code()
        self.deploy_ready()
        self.cloud.keystone_up = False
        self.upgrade()
        self.assertTrue(self.warned('connection refused'))
        self.assertEqual(self.cloud.requests, [])
        self.assertNotIn(MAINTENANCE_KEY, self.juju.leader_settings)
        self.assertEqual(self.migrations(), MIGRATION)

    def test_no_keystone_relation_warns_and_the_upgrade_goes_on(self):
        self.maintenance_code()
        self.deploy_ready()
        self.juju.relations.pop('identity-service:4')
        self.upgrade()
        self.assertTrue(self.warned('no keystone credentials yet'))
        self.assertEqual(self.cloud.token_requests, [])
        self.apt.assert_called_once()

    def test_an_api_not_running_here_warns_and_the_upgrade_goes_on(self):
        self.maintenance_code()
        self.deploy_ready()
        self.run_hook('pre-series-upgrade')
        self.move_origin()
        self.install_migrations('003')
        self.run_hook('post-series-upgrade')
        self.assertTrue(self.warned('mistral-api not running here'))
        self.assertEqual(self.cloud.token_requests, [])
        self.assertEqual(self.migrations(), MIGRATION)


class TestEnd(MaintenanceCase):

    def left_in_maintenance(self):
        """A leader whose upgrade hook died after the drain."""
        self.maintenance_code()
        self.deploy_ready()
        self.cloud.state = 'PAUSED'
        self.juju.leader_settings[MAINTENANCE_KEY] = 'PAUSED'

    def test_a_leftover_record_ends_maintenance_at_the_next_leader_hook(self):
        self.left_in_maintenance()
        self.run_hook('leader-elected')
        self.assertEqual(self.timeline, ['PUT RUNNING'])
        self.assertEqual(self.cloud.state, 'RUNNING')
        self.assertNotIn(MAINTENANCE_KEY, self.juju.leader_settings)
        self.run_hook('config-changed')
        self.assertEqual(self.timeline, ['PUT RUNNING'])

    def test_a_leader_not_on_the_published_schema_keeps_maintenance(self):
        self.left_in_maintenance()
        self.juju.leader_settings[SCHEMA] = '004'
        self.run_hook('leader-elected')
        self.assertEqual(self.cloud.requests, [])
        self.assertEqual(self.cloud.state, 'PAUSED')

    def test_a_paused_leader_keeps_maintenance(self):
        self.left_in_maintenance()
        fake_juju.forget_hook_state()
        actions.main(['actions/pause'])
        self.run_hook('config-changed')
        self.assertEqual(self.cloud.requests, [])
        self.assertEqual(self.juju.leader_settings[MAINTENANCE_KEY], 'PAUSED')

    def test_an_api_silent_past_the_bound_keeps_the_record_for_later(self):
        self.left_in_maintenance()
        self.cloud.api_up = False
        start = self.clock.now
        self.run_hook('leader-elected')
        self.assertGreaterEqual(self.clock.now - start, 60)
        self.assertLess(self.clock.now - start, 70)
        self.assertTrue(self.warned('state not known yet: <urlopen error '
                                    'connection refused>'))
        self.assertTrue(self.warned('did not answer in 60 s'))
        self.assertEqual(self.juju.leader_settings[MAINTENANCE_KEY], 'PAUSED')
        self.cloud.api_up = True
        self.run_hook('leader-elected')
        self.assertEqual(self.cloud.state, 'RUNNING')
        self.assertNotIn(MAINTENANCE_KEY, self.juju.leader_settings)

    def test_a_failed_resume_keeps_the_record_for_later(self):
        self.left_in_maintenance()
        self.cloud.fail_put = 500
        self.run_hook('leader-elected')
        self.assertTrue(self.warned('Could not end Mistral maintenance'))
        self.assertEqual(self.juju.leader_settings[MAINTENANCE_KEY], 'PAUSED')
