import hashlib
import json
import os
import subprocess
import sys
from unittest import mock

from charmhelpers.core import unitdata

from unit_tests import fake_juju, fake_mistral
from unit_tests.charm_case import READ_COMMITTED, CharmTestCase

import mistral_first_migration
import mistral_patches
import mistral_utils
import quick_status
from mistral_constants import PACKAGES

mistral_hooks = fake_juju.import_in_model('mistral_hooks')

# every Mistral service of a unit on the defaults (engine-workers 2)
MISTRAL = ['mistral-api', 'mistral-engine', 'mistral-engine@2',
           'mistral-executor']
SCHEDULER_FIX = 'scheduler-keeps-unshared-in-memory-jobs'
ADMIN_FIX = 'admin-role-any-case'


def vip_resource(vip):
    """charmhelpers' name of a VIP's pacemaker resource."""
    return 'res_mistral_{}_vip'.format(
        hashlib.sha1(vip.encode()).hexdigest()[:7])


VIP_100 = vip_resource('10.0.0.100')
VIP_101 = vip_resource('10.0.0.101')

# mistral-api.service as the packages ship it (the settings that matter):
# Ubuntu's runs the init script, Debian's runs uWSGI.
PACKAGED_API_UNITS = {
    'ubuntu': (
        '[Service]\nUser=mistral\nGroup=mistral\nType=simple\n'
        'WorkingDirectory=/var/lib/mistral\nPermissionsStartOnly=true\n'
        'ExecStartPre=/bin/mkdir -p /var/lock/mistral /var/log/mistral\n'
        'ExecStart=/etc/init.d/mistral-api systemd-start\n'
        'Restart=on-failure\n'),
    'debian': (
        '[Service]\nUser=mistral\nGroup=mistral\nType=notify\n'
        'NotifyAccess=all\nKillSignal=SIGQUIT\n'
        'PIDFile=/run/mistral-api/mistral-api.pid\n'
        'ExecStartPre=/bin/mkdir -p /var/log/mistral\n'
        'ExecStart=/usr/bin/uwsgi_python3 --ini '
        '/etc/mistral/mistral-api-uwsgi.ini\n'
        'ExecReload=/bin/kill -HUP $MAINPID\nRestart=on-failure\n'),
}


def systemd_service_section(text):
    """[Service] of a unit followed by its drop-in, merged as systemd does:
    a later assignment wins, an empty one resets, Exec* lines add up."""
    service, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('['):
            section = line
            continue
        key, _, value = line.partition('=')
        if section != '[Service]':
            continue
        if not value:
            service[key] = []
        elif key.startswith('Exec'):
            service.setdefault(key, []).append(value)
        else:
            service[key] = [value]
    return service


class HookTestCase(CharmTestCase):

    def setUp(self):
        super().setUp()
        self.patch(mistral_hooks, 'CONFIGS', mistral_utils.register_configs())
        self.upgrade_available = False
        self.patch(mistral_hooks, 'openstack_upgrade_available',
                   lambda package: self.upgrade_available)

    def move_origin(self, origin='cloud:noble-epoxy', release='epoxy'):
        """openstack-origin changed to `origin` (`release`) on an Ubuntu
        noble machine; self.apt records what apt installs."""
        self.juju.config['openstack-origin'] = origin
        self.patch(mistral_utils, 'get_os_codename_install_source',
                   lambda source: release)
        self.patch(mistral_utils.config_checks, 'lsb_release',
                   lambda: {'DISTRIB_ID': 'Ubuntu',
                            'DISTRIB_CODENAME': 'noble'})
        self.apt = mock.Mock(side_effect=self._apt_install)
        self.patch(mistral_utils, 'apt_install', self.apt)

    def run_hook(self, name, rid=None, remote=None):
        env = {}
        if rid:
            env = {'JUJU_RELATION': rid.split(':')[0],
                   'JUJU_RELATION_ID': rid,
                   'JUJU_REMOTE_UNIT': remote or ''}
        # each hook is a new process: no state carried in memory
        fake_juju.forget_hook_state()
        mistral_hooks.CONFIGS = mistral_utils.register_configs()
        with mock.patch.dict(os.environ, env), \
                mock.patch.object(sys, 'argv', ['hooks/' + name]):
            # what the script does before its imports
            if not quick_status.settled():
                mistral_hooks.main()

    def deploy_ready(self):
        """An installed unit with every relation complete."""
        self.run_hook('install')
        self.add_all_relations()
        self.run_hook('config-changed')
        self.machine.events.clear()
        self.machine.commands.clear()

    def deploy_non_leader(self):
        """Installed and related, the leader not having migrated yet."""
        self.juju.leader = False
        self.run_hook('install')
        self.add_all_relations()
        self.run_hook('config-changed')

    def mistral_conf(self):
        return self.read('/etc/mistral/mistral.conf')

    def stale_api_drop_in(self):
        with open(mistral_utils.API_SYSTEMD_OVERRIDE, 'w') as f:
            f.write('[Service]\n')  # what an older charm wrote

    def assert_api_runs(self, command):
        """mistral-api runs `command` as mistral, the same over Ubuntu's and
        Debian's packaged units with the charm's drop-in."""
        override = self.read(mistral_utils.API_SYSTEMD_OVERRIDE)
        expected = {
            'Type': ['simple'], 'NotifyAccess': ['none'], 'PIDFile': [],
            'User': ['mistral'], 'Group': ['mistral'],
            'KillSignal': ['SIGTERM'], 'ExecReload': [], 'ExecStop': [],
            'ExecStart': [command],
        }
        for name, unit in PACKAGED_API_UNITS.items():
            service = systemd_service_section(unit + override)
            for key, values in expected.items():
                self.assertEqual(service.get(key, []), values,
                                 '{}: {}'.format(name, key))
            # what the packages set up before starting stays
            self.assertTrue(service['ExecStartPre'], name)

    def deploy_ready_with_a_peer(self):
        self.deploy_ready()
        self.juju.relate('cluster:6', {'mistral/1': {
            'private-address': '10.0.0.11'}})


class TestInstall(HookTestCase):

    def test_install_holds_services_back_and_opens_the_api_port(self):
        self.run_hook('install')
        self.assertIn('mistral-api', self.installed)
        self.assertIn('haproxy', self.installed)
        self.assertFalse(os.path.exists(mistral_utils.POLICY_RC_D))
        self.assertEqual(self.machine.running, set())
        self.assertIn('8989/TCP', self.juju.opened_ports)

    def test_policy_rc_d_denies_every_service_of_ours_by_any_name(self):
        seen = []

        def apt_install(packages, options=None, fatal=False):
            with open(mistral_utils.POLICY_RC_D) as script:
                seen.append(script.read())
        self.patch(mistral_utils, 'apt_install', apt_install)
        self.run_hook('install')
        script = os.path.join(self.tmp, 'script')
        with open(script, 'w') as f:
            f.write(seen[0])

        def answer(*args):
            return subprocess.call(['sh', script] + list(args))
        # as invoke-rc.d and deb-systemd-invoke ask, options first or not
        for svc in mistral_utils.SERVICES:
            for name in (svc, svc + '.service'):
                with self.subTest(name=name):
                    self.assertEqual(answer(name, 'start'), 101)
                    self.assertEqual(answer('--quiet', name, 'restart'), 101)
        self.assertEqual(answer('ssh.service', 'start'), 0)
        self.assertEqual(answer('haproxy-exporter', 'start'), 0)

    def test_fresh_unit_names_every_missing_relation(self):
        self.run_hook('install')
        state, message = self.juju.status
        self.assertEqual(state, 'blocked')
        prefix, names = message.split(': ')
        self.assertEqual(prefix, 'Missing relations')
        self.assertEqual(sorted(names.split(', ')),
                         ['database', 'identity', 'messaging'])

    def test_application_version_is_the_upstream_version(self):
        self.run_hook('install')
        self.assertEqual(self.juju.app_version, '20.0.0')

    def test_a_removed_package_is_installed_again_and_only_it(self):
        self.run_hook('install')
        self.installed.remove('haproxy')   # dpkg now says 'rc'
        self.run_hook('config-changed')
        self.assertEqual(self.installed.count('haproxy'), 1)
        self.assertEqual(self.installed.count('mistral-api'), 1)


class TestRelationData(HookTestCase):

    def test_amqp_joined_requests_user_and_vhost(self):
        self.add_rabbitmq()
        self.run_hook('amqp-relation-joined', 'amqp:3', 'rabbitmq-server/0')
        self.assertEqual(self.juju.local_data('amqp:3'),
                         {'username': 'mistral', 'vhost': 'openstack'})

    def test_shared_db_joined_requests_database_for_this_address(self):
        self.add_mysql()
        self.run_hook('shared-db-relation-joined', 'shared-db:1', 'mysql/0')
        self.assertEqual(self.juju.local_data('shared-db:1'),
                         {'database': 'mistral', 'username': 'mistral',
                          'hostname': '10.0.0.10'})

    def test_pgsql_joined_requests_database(self):
        self.add_postgresql()
        self.run_hook('pgsql-db-relation-joined', 'pgsql-db:2',
                      'postgresql/0')
        self.assertEqual(self.juju.local_data('pgsql-db:2'),
                         {'database': 'mistral'})

    def test_identity_joined_registers_workflowv2_endpoints(self):
        self.juju.config['region'] = 'RegionTwo'
        self.add_keystone()
        self.run_hook('identity-service-relation-joined',
                      'identity-service:4', 'keystone/0')
        url = 'http://10.0.0.10:8989/v2'
        self.assertEqual(self.juju.local_data('identity-service:4'), {
            'service': 'mistral', 'region': 'RegionTwo',
            'public_url': url, 'internal_url': url, 'admin_url': url})

    def test_public_hostname_goes_into_the_public_url_only(self):
        self.juju.config['os-public-hostname'] = 'mistral.example.com'
        self.add_keystone()
        self.run_hook('identity-service-relation-joined',
                      'identity-service:4', 'keystone/0')
        data = self.juju.local_data('identity-service:4')
        self.assertEqual(data['public_url'],
                         'http://mistral.example.com:8989/v2')
        self.assertEqual(data['internal_url'], 'http://10.0.0.10:8989/v2')


class TestDatabase(HookTestCase):

    def test_leader_migrates_once_the_database_allows_it(self):
        self.run_hook('install')
        self.add_all_relations()
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        migrations = [c for c in self.machine.commands
                      if c[0] == 'mistral-db-manage']
        self.assertEqual([c[3:] for c in migrations],
                         [['upgrade', 'head'], ['populate']])
        self.assertEqual(
            self.juju.leader_settings['mistral-db-initialised'],
            'mysql+pymysql/mistral')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_failed_migration_blocks_then_the_next_hook_migrates(self):
        # e.g. the database turned TLS on before its CA reached this unit:
        # the hook exits cleanly, status says why Mistral stays down, and
        # the next hook migrates
        self.run_hook('install')
        self.add_all_relations()
        self.machine.fail_commands.add('mistral-db-manage')
        with mock.patch('charmhelpers.core.decorators.time.sleep'):
            self.run_hook('shared-db-relation-changed', 'shared-db:1',
                          'mysql/0')
        self.assertNotIn('mistral-db-initialised', self.juju.leader_settings)
        self.assertFalse(set(MISTRAL) & self.machine.running)
        self.assertEqual(self.juju.status, (
            'blocked', 'Database migration failed (mistral-db-manage '
            'upgrade head): see the unit log; the next hook tries again'))
        self.machine.fail_commands.clear()
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        self.assertEqual(
            self.juju.leader_settings['mistral-db-initialised'],
            'mysql+pymysql/mistral')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def migration_steps(self):
        """mistral-db-manage's steps and the first-migration script's
        modes, in the order they ran."""
        python = mistral_first_migration.PYTHON
        return [c[-1] if c[0] == python else ' '.join(c[3:])
                for c in self.machine.commands
                if c[0] in (python, 'mistral-db-manage')]

    def test_a_first_migration_cut_short_is_dropped_and_made_again(self):
        # MariaDB restarted for its certificate in the middle of the first
        # `upgrade head`: the tables it made stay (MySQL DDL commits), so
        # the retry drops them before migrating again
        self.run_hook('install')
        self.add_all_relations()
        self.machine.cut_short = 1
        with mock.patch('charmhelpers.core.decorators.time.sleep'):
            self.run_hook('shared-db-relation-changed', 'shared-db:1',
                          'mysql/0')
        self.assertEqual(self.migration_steps()[:5], [
            'count', 'upgrade head', 'drop', 'upgrade head', 'populate'])
        self.assertIn('Dropped the 2 tables a first migration cut short '
                      'left behind', self.juju.logs)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        # once migrated, nothing is dropped: not when the same database is
        # related anew (its record forgotten) and its upgrade fails
        self.juju.relations['shared-db:1']['units'].clear()
        self.run_hook('shared-db-relation-broken', 'shared-db:1')
        del self.juju.relations['shared-db:1']
        self.machine.commands.clear()
        self.machine.cut_short = 4
        self.add_mysql()
        with mock.patch('charmhelpers.core.decorators.time.sleep'):
            self.run_hook('shared-db-relation-changed', 'shared-db:1',
                          'mysql/0')
        self.assertEqual(self.migration_steps(),
                         ['count', 'upgrade head'] * 4)

    def test_a_database_that_held_tables_is_never_dropped(self):
        self.run_hook('install')
        self.add_all_relations()
        self.machine.db_tables = {'alembic_version', 'action_executions_v2'}
        with mock.patch('charmhelpers.core.decorators.time.sleep'):
            self.run_hook('shared-db-relation-changed', 'shared-db:1',
                          'mysql/0')
            self.run_hook('config-changed')
        self.assertNotIn('drop', self.migration_steps())
        self.assertEqual(self.machine.db_tables,
                         {'alembic_version', 'action_executions_v2'})
        self.assertEqual(self.juju.status[0], 'blocked')

    def test_executions_in_the_database_stop_the_drop_for_good(self):
        self.run_hook('install')
        self.add_all_relations()
        self.machine.cut_short = 4    # the first hook: a try, 3 retries
        with mock.patch('charmhelpers.core.decorators.time.sleep'):
            self.run_hook('shared-db-relation-changed', 'shared-db:1',
                          'mysql/0')
            self.assertEqual(self.juju.status[0], 'blocked')
            self.machine.db_user_rows = True
            self.run_hook('config-changed')
            self.assertIn('Not dropping the database: workflow_executions_v2 '
                          'holds rows', self.juju.logs)
            self.machine.commands.clear()
            self.run_hook('config-changed')
        self.assertNotIn('drop', self.migration_steps())
        self.assertTrue(self.machine.db_tables)
        self.assertEqual(self.juju.status[0], 'blocked')

    def test_no_migration_before_the_database_lists_this_unit(self):
        self.run_hook('install')
        self.add_mysql(allowed=('mistral/1',))
        self.add_rabbitmq()
        self.add_keystone()
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        self.assertNotIn('mistral-db-manage',
                         [c[0] for c in self.machine.commands])
        self.assertEqual(self.juju.status, (
            'waiting', 'Waiting for the database to allow this unit'))
        self.assertFalse(set(MISTRAL) & self.machine.running)

    def test_a_repeated_hook_does_not_migrate_again(self):
        self.deploy_ready()
        self.run_hook('shared-db-relation-changed', 'shared-db:1', 'mysql/0')
        self.run_hook('config-changed')
        self.assertEqual(self.machine.commands, [])
        self.assertEqual(self.machine.restarts(), [])

    def test_non_leader_waits_for_the_leader_then_starts(self):
        self.deploy_non_leader()
        self.assertNotIn('mistral-db-manage',
                         [c[0] for c in self.machine.commands])
        self.assertEqual(self.juju.status, (
            'waiting', 'Waiting for the leader to migrate the database'))
        self.juju.leader_settings['mistral-db-initialised'] = (
            'mysql+pymysql/mistral')
        self.run_hook('leader-settings-changed')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_leadership_moving_here_mid_deployment_migrates_once(self):
        # the old leader went away before the database allowed it in: no
        # migration recorded, so the new leader runs it, once
        self.deploy_non_leader()
        self.juju.leader = True
        self.run_hook('leader-elected')
        self.run_hook('leader-elected')
        migrations = [c[3:] for c in self.machine.commands
                      if c[0] == 'mistral-db-manage']
        self.assertEqual(migrations, [['upgrade', 'head'], ['populate']])
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_new_leader_after_the_migration_does_not_migrate(self):
        self.juju.leader = False
        self.juju.leader_settings['mistral-db-initialised'] = (
            'mysql+pymysql/mistral')
        self.run_hook('install')
        self.add_all_relations()
        self.run_hook('config-changed')
        self.juju.leader = True
        self.run_hook('leader-elected')
        self.assertNotIn('mistral-db-manage',
                         [c[0] for c in self.machine.commands])
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_new_database_is_migrated_afresh(self):
        self.deploy_ready()
        self.juju.relations['shared-db:1']['units'].clear()
        self.run_hook('shared-db-relation-broken', 'shared-db:1')
        del self.juju.relations['shared-db:1']
        self.assertNotIn('mistral-db-initialised', self.juju.leader_settings)
        self.add_postgresql()
        self.run_hook('pgsql-db-relation-changed', 'pgsql-db:2',
                      'postgresql/0')
        self.assertIn(['mistral-db-manage', '--config-file',
                       mistral_utils.MISTRAL_CONF, 'upgrade', 'head'],
                      self.machine.commands)
        self.assertEqual(
            self.juju.leader_settings['mistral-db-initialised'],
            'postgresql/mistral')
        self.assertIn('connection = postgresql://juju_mistral:pgpass@'
                      '10.0.0.21/mistral', self.mistral_conf())

    def test_both_databases_related_is_blocked_and_changes_nothing(self):
        self.deploy_ready()
        before = self.mistral_conf()
        self.add_postgresql()
        self.run_hook('pgsql-db-relation-changed', 'pgsql-db:2',
                      'postgresql/0')
        self.assertEqual(self.juju.status[0], 'blocked')
        self.assertIn('shared-db and pgsql-db are both related',
                      self.juju.status[1])
        self.assertEqual(self.mistral_conf(), before)
        self.assertEqual(self.machine.restarts(), [])


class TestRestarts(HookTestCase):

    def test_a_change_to_mistral_conf_restarts_mistral_only(self):
        self.deploy_ready()
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        # systemd's units are unchanged: no daemon-reload
        self.assertEqual(sorted(self.machine.events),
                         [('restart', svc) for svc in MISTRAL])
        self.assertIn('debug = True', self.mistral_conf())

    def test_a_service_at_systemds_start_limit_is_started_again(self):
        self.deploy_ready()
        # the API crashed in a loop (the database not granting yet)
        self.machine.running.discard('mistral-api')
        self.machine.start_limited.add('mistral-api')
        self.run_hook('config-changed')
        self.assertIn('mistral-api', self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_running_service_at_the_start_limit_is_restarted(self):
        self.deploy_ready()
        self.machine.start_limited.add('mistral-api')  # crashing meanwhile
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertIn(('restart', 'mistral-api'), self.machine.events)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_every_service_a_change_restarts_is_one_the_unit_runs(self):
        # update-status checks these alone (quick_status)
        self.assertEqual(
            {svc for svcs in mistral_utils.restart_map().values()
             for svc in svcs}, set(mistral_utils.services()))

    def test_a_changed_api_drop_in_reloads_systemd_then_the_api(self):
        self.deploy_ready()
        self.stale_api_drop_in()
        self.run_hook('config-changed')
        self.assertEqual(self.machine.events, [
            ('daemon-reload', None), ('restart', 'mistral-api')])

    def test_the_api_starts_after_systemd_read_its_drop_in(self):
        self.run_hook('install')
        self.add_all_relations()
        self.run_hook('config-changed')
        events = self.machine.events
        self.assertEqual(events.count(('daemon-reload', None)), 1)
        self.assertLess(events.index(('daemon-reload', None)),
                        events.index(('start', 'mistral-api')))
        self.assertEqual(self.machine.restarts(), [])
        self.assertEqual(self.machine.running,
                         set(MISTRAL) | {'haproxy', 'memcached'})
        # and again after a reboot
        self.assertEqual(self.machine.enabled, self.machine.running)

    def test_a_haproxy_timeout_restarts_haproxy_only(self):
        self.deploy_ready()
        self.juju.config['haproxy-client-timeout'] = 30000
        self.run_hook('config-changed')
        self.assertEqual(self.machine.restarts(), ['haproxy'])
        self.assertEqual(self.machine.reloads(), ['haproxy'])

    def test_config_changed_renders_each_file_once(self):
        self.deploy_ready_with_a_peer()
        written = []
        write = mistral_utils.ConfigRenderer.write
        self.patch(mistral_utils.ConfigRenderer, 'write',
                   lambda configs, path: (written.append(path),
                                          write(configs, path)))
        self.juju.logs.clear()
        self.run_hook('config-changed')
        self.assertEqual(sorted(path[len(self.tmp):] for path in written), [
            '/etc/haproxy/haproxy.cfg', '/etc/memcached.conf',
            '/etc/mistral/mistral.conf',
            mistral_utils.API_SYSTEMD_OVERRIDE[len(self.tmp):],
            mistral_utils.ENGINE_WORKER_UNIT[len(self.tmp):]])
        # the peer is new to haproxy.cfg
        self.assertEqual(self.juju.logs, [
            'converge: rendered 5 files; changed 1: {}/etc/haproxy/'
            'haproxy.cfg; restarted 1: haproxy; started 0; stopped 0'.format(
                self.tmp)])

    def test_a_no_op_config_changed_restarts_nothing(self):
        self.deploy_ready_with_a_peer()
        self.run_hook('cluster-relation-changed', 'cluster:6', 'mistral/1')
        self.machine.events.clear()
        self.run_hook('config-changed')
        self.assertEqual(self.machine.events, [])
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_update_status_touches_nothing(self):
        self.deploy_ready()
        mtime = os.stat(self.path('/etc/mistral/mistral.conf')).st_mtime_ns
        self.run_hook('update-status')
        self.assertEqual(self.machine.events, [])
        self.assertEqual(
            os.stat(self.path('/etc/mistral/mistral.conf')).st_mtime_ns,
            mtime)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_losing_messaging_stops_mistral_and_names_the_relation(self):
        self.deploy_ready()
        self.juju.relations['amqp:3']['units'].clear()
        self.run_hook('amqp-relation-broken', 'amqp:3')
        del self.juju.relations['amqp:3']
        self.run_hook('update-status')
        self.assertFalse(set(MISTRAL) & self.machine.running)
        self.assertEqual(self.juju.status,
                         ('blocked', 'Missing relations: messaging'))


class TestEngineWorkers(HookTestCase):
    """engine-workers: the engines beside the packaged one, each an
    instance of the charm's template unit."""

    def test_more_engines_start_and_nothing_else_restarts(self):
        self.deploy_ready()
        self.machine.events.clear()
        self.juju.config['engine-workers'] = 4
        self.run_hook('config-changed')
        new = ['mistral-engine@3', 'mistral-engine@4']
        self.assertTrue(set(new) <= self.machine.running)
        self.assertTrue(set(new) <= self.machine.enabled)
        self.assertEqual(self.machine.restarts(), [])
        self.assertEqual(self.juju.logs[-1],
                         'converge: rendered 5 files; changed 0; restarted 0;'
                         ' started 2: {}; stopped 0'.format(', '.join(new)))
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_fewer_engines_stop_and_stay_disabled(self):
        self.deploy_ready()
        self.juju.config['engine-workers'] = 3
        self.run_hook('config-changed')
        self.juju.config['engine-workers'] = 1
        self.run_hook('config-changed')
        gone = {'mistral-engine@2', 'mistral-engine@3'}
        self.assertFalse(gone & self.machine.running)
        self.assertFalse(gone & self.machine.enabled)
        self.assertIn('mistral-engine', self.machine.running)
        self.assertTrue(self.juju.logs[-1].endswith(
            'stopped 2: mistral-engine@2, mistral-engine@3'))
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        # and a settled unit no longer counts them
        self.machine.events.clear()
        self.run_hook('update-status')
        self.assertEqual(self.machine.events, [])
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_an_extra_engine_that_stopped_blocks_the_unit(self):
        self.deploy_ready()
        self.machine.running.discard('mistral-engine@2')
        self.run_hook('update-status')
        self.assertEqual(self.juju.status, ('blocked', (
            'Services not running that should be: mistral-engine@2')))


class TestBadConfig(HookTestCase):

    def assert_blocked_and_unchanged(self, option, value, words):
        self.deploy_ready()
        before = self.mistral_conf()
        self.juju.config[option] = value
        self.run_hook('config-changed')
        state, message = self.juju.status
        self.assertEqual(state, 'blocked')
        self.assertTrue(message.startswith(option), message)
        self.assertIn(words, message)
        self.assertEqual(self.mistral_conf(), before)
        self.assertEqual(self.machine.restarts(), [])
        self.assertTrue(set(MISTRAL) <= self.machine.running)

    def test_negative_worker_multiplier(self):
        self.assert_blocked_and_unchanged('worker-multiplier', -1.0,
                                          'at least 0')

    def test_engine_workers_out_of_range(self):
        for value in (0, 17):
            with self.subTest(value=value):
                self.assert_blocked_and_unchanged(
                    'engine-workers', value, 'from 1 to 16')

    def test_unknown_openstack_origin(self):
        self.assert_blocked_and_unchanged('openstack-origin', 'nonsense',
                                          "'nonsense' is not")

    def test_malformed_vip(self):
        self.assert_blocked_and_unchanged('vip', '10.0.0.300',
                                          'not an IP address')

    def test_fixing_the_value_converges_again(self):
        self.assert_blocked_and_unchanged('worker-multiplier', -1.0,
                                          'at least 0')
        self.juju.config['worker-multiplier'] = 0.5
        self.run_hook('config-changed')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        self.assertIn('api_workers = 1', self.mistral_conf())

    def test_bad_origin_at_install_installs_nothing(self):
        self.juju.config['openstack-origin'] = 'cloud:trixie-epoxy'
        self.run_hook('install')
        self.assertEqual(self.installed, [])
        self.assertEqual(self.juju.status[0], 'blocked')
        self.assertTrue(self.juju.status[1].startswith('openstack-origin'))


class TestRenderedFiles(HookTestCase):

    def test_mistral_conf_from_relation_data(self):
        self.deploy_ready()
        conf = self.mistral_conf()
        for line in [
                'transport_url = rabbit://mistral:rbpass@10.0.0.22:5672/'
                'openstack',
                'connection = mysql+pymysql://mistral:dbpass@10.0.0.20/'
                'mistral?' + READ_COMMITTED,
                'port = 8979',
                'api_workers = 4',
                'www_authenticate_uri = http://10.0.0.23:5000/v3',
                'auth_url = http://10.0.0.23:35357/v3',
                'username = mistral',
                'password = kspass',
                'project_name = services',
                'project_domain_name = service_domain',
                'memcached_servers = 127.0.0.1:11211',
                'auth_enable = True',
                'check_interval = 10',
                'max_missed_heartbeats = 3']:
            self.assertIn(line + '\n', conf)
        self.assertNotIn('[execution_expiration_policy]', conf)

    def test_expiration_policy_when_asked_for(self):
        self.juju.config['execution-expiration-older-than'] = 1440
        self.deploy_ready()
        conf = self.mistral_conf()
        self.assertIn('[execution_expiration_policy]\n'
                      'evaluation_interval = 60\n'
                      'older_than = 1440\n', conf)

    def test_api_runs_as_mistral_server_over_ubuntus_and_debians_units(self):
        self.deploy_ready()
        self.assert_api_runs(
            '/usr/bin/mistral-server --config-file=/etc/mistral/'
            'mistral.conf --server api '
            '--log-file=/var/log/mistral/mistral-api.log')

    def test_haproxy_fronts_the_api_with_a_health_check(self):
        self.deploy_ready()
        cfg = self.read('/etc/haproxy/haproxy.cfg')
        self.assertIn('bind *:8989', cfg)
        self.assertIn("server mistral-0 10.0.0.10:8979 check", cfg)
        self.assertIn('option httpchk GET /', cfg)
        self.assertIn('acl net_10.0.0.10 dst 10.0.0.10/255.255.255.0', cfg)


class TestHA(HookTestCase):

    def test_ha_joined_sends_vip_and_haproxy_resources(self):
        self.juju.config['vip'] = '10.0.0.100'
        self.juju.relate('ha:5', {'hacluster/0': {}})
        self.run_hook('ha-relation-joined', 'ha:5', 'hacluster/0')
        data = self.juju.local_data('ha:5')
        self.assertIn('"res_mistral_haproxy":"lsb:haproxy"',
                      data['json_resources'])
        self.assertIn('ip=\\"10.0.0.100\\"', data['json_resource_params'])

    def test_endpoints_wait_for_the_cluster_then_use_the_vip(self):
        self.juju.config['vip'] = '10.0.0.100'
        self.add_keystone()
        self.juju.relate('ha:5', {'hacluster/0': {}})
        self.run_hook('identity-service-relation-joined',
                      'identity-service:4', 'keystone/0')
        self.assertEqual(self.juju.local_data('identity-service:4'), {})
        self.juju.remote_set('ha:5', 'hacluster/0', clustered='yes')
        self.run_hook('ha-relation-changed', 'ha:5', 'hacluster/0')
        self.assertEqual(
            self.juju.local_data('identity-service:4')['public_url'],
            'http://10.0.0.100:8989/v2')

    def ha_data(self):
        data = self.juju.local_data('ha:5')
        return {key: json.loads(data[key]) if key.startswith('json_')
                else data[key] for key in data}

    def test_ha_joined_sends_corosync_interface_and_port(self):
        self.juju.config.update({'vip': '10.0.0.100', 'ha-bindiface': 'ens3',
                                 'ha-mcastport': 5500})
        self.juju.relate('ha:5', {'hacluster/0': {}})
        self.run_hook('ha-relation-joined', 'ha:5', 'hacluster/0')
        data = self.juju.local_data('ha:5')
        self.assertEqual((data['corosync_bindiface'],
                          data['corosync_mcastport']), ('ens3', '5500'))

    def test_a_changed_vip_deletes_the_old_vip_resource(self):
        self.juju.config['vip'] = '10.0.0.100'
        self.juju.relate('ha:5', {'hacluster/0': {}})
        self.run_hook('ha-relation-joined', 'ha:5', 'hacluster/0')
        self.assertEqual(self.ha_data()['json_delete_resources'],
                         ['res_mistral_eth0_vip'])  # charmhelpers' legacy
        self.juju.config['vip'] = '10.0.0.101'
        self.run_hook('config-changed')
        data = self.ha_data()
        self.assertEqual(data['json_resources'], {
            VIP_101: 'ocf:heartbeat:IPaddr2',
            'res_mistral_haproxy': 'lsb:haproxy'})
        self.assertEqual(data['json_groups'],
                         {'grp_mistral_vips': VIP_101})
        self.assertEqual(set(data['json_delete_resources']),
                         {'res_mistral_eth0_vip', VIP_100})
        # back to the first VIP: the second one goes, the first stays
        self.juju.config['vip'] = '10.0.0.100'
        self.run_hook('config-changed')
        self.assertEqual(set(self.ha_data()['json_delete_resources']),
                         {'res_mistral_eth0_vip', VIP_101})

    def test_a_removed_vip_of_two_is_deleted(self):
        self.juju.config['vip'] = '10.0.0.100 10.0.0.101'
        self.juju.relate('ha:5', {'hacluster/0': {}})
        self.run_hook('ha-relation-joined', 'ha:5', 'hacluster/0')
        self.assertEqual(self.ha_data()['json_groups'], {
            'grp_mistral_vips': '{} {}'.format(VIP_100, VIP_101)})
        self.juju.config['vip'] = '10.0.0.100'
        self.run_hook('ha-relation-changed', 'ha:5', 'hacluster/0')
        self.run_hook('config-changed')
        self.assertIn(VIP_101, self.ha_data()['json_delete_resources'])
        self.assertNotIn(VIP_100, self.ha_data()['json_delete_resources'])

    def test_vip_without_a_formed_cluster_says_so_and_registers_nothing(self):
        self.juju.config['vip'] = '10.0.0.100'
        self.juju.relate('ha:5', {'hacluster/0': {}})
        self.deploy_ready()
        self.assertEqual(self.juju.status, (
            'waiting', 'vip: waiting for hacluster to form the cluster '
            '(endpoints are registered once clustered)'))
        self.assertNotIn('public_url',
                         self.juju.local_data('identity-service:4'))
        self.juju.remote_set('ha:5', 'hacluster/0', clustered='yes')
        self.run_hook('ha-relation-changed', 'ha:5', 'hacluster/0')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_vip_without_the_ha_relation_is_blocked_on_unit_urls(self):
        self.juju.config['vip'] = '10.0.0.100'
        self.deploy_ready()
        self.assertEqual(self.juju.status, (
            'blocked', "vip: set, but no ha relation: relate hacluster or "
            "unset vip (endpoints use this unit's address)"))
        self.assertEqual(self.catalog_urls(), {'http://10.0.0.10:8989/v2'})

    def catalog_urls(self):
        data = self.juju.local_data('identity-service:4')
        return {data[key] for key in ('public_url', 'internal_url',
                                      'admin_url')}

    def clustered_on_the_vip(self):
        self.juju.config['vip'] = '10.0.0.100'
        self.deploy_ready()
        self.juju.relate('ha:5', {'hacluster/0': {'clustered': 'yes'}})
        self.run_hook('ha-relation-changed', 'ha:5', 'hacluster/0')
        self.assertEqual(self.catalog_urls(), {'http://10.0.0.100:8989/v2'})

    def test_ha_departed_puts_the_unit_address_back_in_the_catalog(self):
        self.clustered_on_the_vip()
        self.juju.depart('ha:5', 'hacluster/0')
        self.run_hook('ha-relation-departed', 'ha:5', 'hacluster/0')
        self.assertEqual(self.catalog_urls(), {'http://10.0.0.10:8989/v2'})

    def test_a_unit_being_removed_leaves_the_vip_in_the_catalog(self):
        self.clustered_on_the_vip()
        self.juju.dying = True
        self.juju.depart('ha:5', 'hacluster/0')
        self.run_hook('ha-relation-departed', 'ha:5', 'hacluster/0')
        self.assertEqual(self.catalog_urls(), {'http://10.0.0.100:8989/v2'})

    def test_ha_broken_puts_the_unit_address_back_in_the_catalog(self):
        self.clustered_on_the_vip()
        # Juju before 3.4 still lists the broken relation, with no units
        self.juju.depart('ha:5', 'hacluster/0')
        self.juju.relations['identity-service:4']['local'].clear()
        self.run_hook('ha-relation-broken', 'ha:5')
        self.assertEqual(self.catalog_urls(), {'http://10.0.0.10:8989/v2'})
        self.assertEqual(self.juju.status[0], 'blocked')

    def test_ha_without_vip_is_blocked(self):
        self.deploy_ready()
        self.juju.relate('ha:5', {'hacluster/0': {}})
        self.run_hook('ha-relation-joined', 'ha:5', 'hacluster/0')
        self.assertEqual(self.juju.status, (
            'blocked', 'vip: required with the ha relation (or set dns-ha)'))


class TestUpgrade(HookTestCase):

    def new_origin_on_a_ready_unit(self):
        self.deploy_ready()
        self.upgrade_available = True
        self.move_origin()

    def test_new_origin_upgrades_migrates_and_restarts(self):
        self.new_origin_on_a_ready_unit()
        self.run_hook('config-changed')
        self.assertIn(['mistral-db-manage', '--config-file',
                       mistral_utils.MISTRAL_CONF, 'upgrade', 'head'],
                      self.machine.commands)
        self.assertTrue(set(MISTRAL) <= set(self.machine.restarts()))
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_upgrade_restarts_each_service_once_after_systemd_reload(self):
        self.new_origin_on_a_ready_unit()
        # the new packages undid our fixes, and the drop-in changes too
        self.patch(mistral_utils.mistral_patches, 'apply_fixes',
                   lambda log: ([SCHEDULER_FIX], []))
        self.stale_api_drop_in()
        self.run_hook('config-changed')
        self.assertEqual(self.machine.events[0], ('daemon-reload', None))
        self.assertEqual(sorted(self.machine.events[1:]),
                         [('restart', svc) for svc in MISTRAL])

    def test_action_managed_upgrade_waits_for_the_action(self):
        self.deploy_ready()
        self.upgrade_available = True
        self.juju.config['action-managed-upgrade'] = True
        self.run_hook('config-changed')
        self.assertEqual(self.machine.commands, [])


class TestFixes(HookTestCase):
    """Our fixes go where the installed code fits them (mistral_patches)."""

    def install_mistral_code(self):
        """The package's files, as an install or upgrade leaves them."""
        return fake_mistral.install(mistral_patches.TARGET_DIR)

    def states(self):
        return {fix.name: state
                for fix, state, _ in mistral_patches.fix_states()}

    def fixed_unit(self):
        """A ready unit with every fix applied; {fix: (its file, the
        package's text of it)}."""
        paths = self.install_mistral_code()
        package = {}
        for fix, path in paths.items():
            with open(path) as f:
                package[fix] = (path, f.read())
        self.deploy_ready()
        return package

    def reinstall(self, package, fix):
        """A package upgrade outside the charm replaced the file of `fix`
        only."""
        path, text = package[fix]
        with open(path, 'w') as f:
            f.write(text)

    def test_install_applies_every_fix_that_fits(self):
        self.install_mistral_code()
        self.deploy_ready()
        self.assertEqual(set(self.states().values()),
                         {mistral_patches.APPLIED})
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_update_status_puts_back_fixes_a_package_upgrade_removed(self):
        self.install_mistral_code()
        self.deploy_ready()
        self.install_mistral_code()  # say, unattended-upgrades
        self.run_hook('update-status')
        self.assertEqual(set(self.states().values()),
                         {mistral_patches.APPLIED})
        # the admin role fix among them: every Mistral service
        self.assertEqual(sorted(self.machine.events),
                         [('restart', svc) for svc in MISTRAL])
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))
        # then back on the quick path
        self.machine.events.clear()
        self.juju.calls.clear()
        self.run_hook('update-status')
        self.assertEqual(self.juju.calls, {'status-get': 1})
        self.assertEqual(self.machine.events, [])

    def test_any_hook_puts_back_fixes_a_package_upgrade_removed(self):
        self.install_mistral_code()
        self.deploy_ready()
        self.install_mistral_code()
        self.run_hook('config-changed')
        self.assertEqual(set(self.states().values()),
                         {mistral_patches.APPLIED})
        self.assertEqual(sorted(self.machine.events),
                         [('restart', svc) for svc in MISTRAL])

    def test_a_new_charm_with_fixes_restarts_what_runs_the_fixed_code(self):
        self.deploy_ready()  # code the charm's fixes do not know of
        self.install_mistral_code()
        self.run_hook('upgrade-charm')
        self.assertEqual(sorted(self.machine.events),
                         [('restart', svc) for svc in MISTRAL])

    def test_a_fix_of_engine_code_restarts_the_engines_only(self):
        package = self.fixed_unit()
        self.reinstall(package, SCHEDULER_FIX)
        self.run_hook('update-status')
        self.assertEqual(self.states()[SCHEDULER_FIX],
                         mistral_patches.APPLIED)
        self.assertEqual(self.machine.events, [
            ('restart', 'mistral-engine'), ('restart', 'mistral-engine@2')])

    def test_the_admin_role_fix_restarts_every_mistral_service(self):
        # context.py: the API, the engine and the executor all load it
        package = self.fixed_unit()
        self.reinstall(package, ADMIN_FIX)
        self.run_hook('config-changed')
        self.assertEqual(self.states()[ADMIN_FIX], mistral_patches.APPLIED)
        self.assertEqual(sorted(self.machine.events),
                         [('restart', svc) for svc in MISTRAL])
        self.assertIn('changed 1: mistral fix applied: admin-role-any-case;',
                      ' '.join(self.juju.logs))

    def test_nothing_to_fix_restarts_nothing(self):
        self.install_mistral_code()
        self.deploy_ready()
        self.run_hook('upgrade-charm')
        self.assertEqual(self.machine.events, [])

    def test_a_fix_no_variant_fits_is_logged_and_left_out(self):
        path = self.install_mistral_code()[SCHEDULER_FIX]
        with open(path) as f:  # say, a distribution's own change
            text = f.read().replace('    def has_scheduled_jobs',
                                    '    def has_any_scheduled_jobs')
        with open(path, 'w') as f:
            f.write(text)
        self.deploy_ready()
        self.assertEqual(self.states()[SCHEDULER_FIX],
                         mistral_patches.MISSING)
        self.assertIn('Mistral fix {} fits no variant of the installed '
                      'code; left out'.format(SCHEDULER_FIX), self.juju.logs)


class TestPeers(HookTestCase):

    def test_cluster_joined_publishes_addresses_and_haproxy_fronts_peers(
            self):
        self.deploy_ready_with_a_peer()
        self.run_hook('cluster-relation-joined', 'cluster:6', 'mistral/1')
        self.assertEqual(self.juju.local_data('cluster:6'), {
            'private-address': '10.0.0.10', 'admin-address': '10.0.0.10',
            'internal-address': '10.0.0.10', 'public-address': '10.0.0.10'})
        cfg = self.read('/etc/haproxy/haproxy.cfg')
        self.assertIn('server mistral-1 10.0.0.11:8979 check', cfg)
        self.assertEqual(self.machine.restarts(), ['haproxy'])


# what the charm asks dpkg and systemd, a process each
DPKG_QUERY = ['dpkg-query', '-W', '-f',
              '${Package} ${db:Status-Abbrev} ${Version}\n'] + \
    PACKAGES + ['mistral-common']
SERVICES_QUERY = ['systemctl', 'is-active'] + MISTRAL + [
    'memcached', 'haproxy']


class TestHookToolCalls(HookTestCase):
    """Each hook tool costs ~0.1 s on a real unit: the budgets per hook."""

    def settled(self):
        """A ready unit with a peer, after the hooks that followed."""
        self.deploy_ready_with_a_peer()
        self.run_hook('cluster-relation-changed', 'cluster:6', 'mistral/1')
        self.machine.events.clear()
        self.juju.calls.clear()
        self.juju.logs.clear()

    def test_update_status_on_a_settled_unit_asks_only_its_status(self):
        self.settled()
        self.machine.queries.clear()
        self.run_hook('update-status')
        self.assertEqual(self.juju.calls, {'status-get': 1})
        self.assertEqual(self.machine.queries, [DPKG_QUERY, SERVICES_QUERY])
        self.assertEqual(self.machine.events, [])

    def test_update_status_notices_a_service_that_died(self):
        self.settled()
        self.machine.running.discard('mistral-engine')
        self.run_hook('update-status')
        self.assertEqual(self.juju.status, (
            'blocked', 'Services not running that should be: '
            'mistral-engine'))
        self.assertEqual(self.machine.events, [])  # it only tells
        self.machine.running.add('mistral-engine')  # systemd restarted it
        self.run_hook('update-status')
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_update_status_assesses_in_full_a_unit_not_active(self):
        self.deploy_non_leader()
        # the leader migrated; its leader-settings-changed is still queued
        self.juju.leader_settings['mistral-db-initialised'] = (
            'mysql+pymysql/mistral')
        self.run_hook('update-status')
        self.assertEqual(self.juju.status, ('blocked', (
            'Services not running that should be: mistral-api, '
            'mistral-engine, mistral-engine@2, mistral-executor')))

    def test_update_status_notices_a_package_upgrade(self):
        self.settled()
        self.machine.version = '20.0.1-1'  # say, unattended-upgrades
        self.run_hook('update-status')
        self.assertEqual(self.juju.app_version, '20.0.1')
        self.assertEqual(self.juju.calls, {'status-get': 1,
                                           'application-version-set': 1})

    def test_the_script_stops_before_its_imports_on_a_settled_unit(self):
        import runpy
        self.settled()
        # runpy sets argv[0] to the file: the hook's name from Juju's env
        hook = {'JUJU_HOOK_NAME': 'update-status'}
        with mock.patch.dict(os.environ, hook), \
                self.assertRaises(SystemExit) as stopped:
            runpy.run_path(mistral_hooks.__file__, run_name='__main__')
        self.assertEqual(stopped.exception.code, 0)
        self.assertEqual(self.juju.calls, {'status-get': 1})

    def test_update_status_imports_no_openstack_helpers(self):
        import subprocess
        from unit_tests import CHARM_ROOT
        loaded = subprocess.check_output([
            sys.executable, '-c',
            'import sys; sys.path[:0] = ["hooks", "."]; import quick_status; '
            'print(sorted(m for m in sys.modules if "contrib" in m))'],
            cwd=CHARM_ROOT, universal_newlines=True)
        self.assertEqual(loaded.strip(), '[]')

    # A no-op config-changed on a ready unit with a peer, line by line:
    # config-get 1 (all options, cached by charmhelpers); relation-ids 8,
    # one per endpoint the hook reads (shared-db, pgsql-db, ha: config
    # checks; amqp, identity-service, cluster, certificates: contexts;
    # nrpe-external-master); relation-list 4 and relation-get 4, one per
    # related relation and remote unit (amqp, shared-db, identity-service,
    # cluster); network-get 5, one per binding whose address is used
    # (admin, internal, public, cluster for haproxy, the peers and the
    # endpoints, shared-db for the database grant); is-leader 1 and
    # leader-get 1 (migration recorded?); relation-set 4, re-publishing to
    # every relation (Juju drops it when unchanged); open-port 1;
    # status-set 1; juju-log 1, the converge line.
    NO_OP_CONFIG_CHANGED = {
        'config-get': 1, 'relation-ids': 8, 'relation-list': 4,
        'relation-get': 4, 'network-get': 5, 'is-leader': 1,
        'leader-get': 1, 'relation-set': 4, 'open-port': 1,
        'status-set': 1, 'juju-log': 1}

    def test_a_no_op_config_changed_within_its_budget(self):
        self.settled()
        self.juju.config['nagios_context'] = 'elsewhere'
        self.machine.queries.clear()
        store = unitdata.kv()
        writes = store.conn.total_changes
        self.run_hook('config-changed')
        self.assertEqual(store.conn.total_changes, writes)
        # and one question each to dpkg and systemd: the packages
        # installed and mistral-common's version (the release, the
        # application version), every service's state
        self.assertEqual(self.machine.queries, [DPKG_QUERY, SERVICES_QUERY])
        self.assertEqual(self.machine.commands, [])
        self.assertEqual(self.juju.calls, self.NO_OP_CONFIG_CHANGED)
        self.assertEqual(sum(self.juju.calls.values()), 31)
        self.assertEqual(self.machine.events, [])
        self.assertEqual(self.juju.logs, [
            'converge: rendered 5 files; changed 0; restarted 0; '
            'started 0; stopped 0'])
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_a_config_change_to_one_file_logs_what_it_restarted(self):
        self.settled()
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(self.juju.calls, self.NO_OP_CONFIG_CHANGED)
        self.assertEqual(self.juju.logs, [
            'converge: rendered 5 files; changed 1: {}; restarted 4: '
            'mistral-api, mistral-engine, mistral-engine@2, mistral-executor; '
            'started 0; stopped 0'.format(mistral_utils.MISTRAL_CONF)])

    def test_relation_changed_hooks_within_their_budget(self):
        # as config-changed less what only it does (relation-set,
        # open-port, nrpe's relation-ids) and the addresses only the
        # endpoints and the database grant use
        self.settled()
        for rid, unit in [('identity-service:4', 'keystone/0'),
                          ('shared-db:1', 'mysql/0'),
                          ('amqp:3', 'rabbitmq-server/0'),
                          ('cluster:6', 'mistral/1')]:
            self.juju.calls.clear()
            self.run_hook(rid.split(':')[0] + '-relation-changed', rid, unit)
            self.assertEqual(self.juju.calls, {
                'config-get': 1, 'relation-ids': 7, 'relation-list': 4,
                'relation-get': 4, 'network-get': 4, 'is-leader': 1,
                'leader-get': 1, 'status-set': 1, 'juju-log': 1}, rid)
