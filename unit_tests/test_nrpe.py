import datetime
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import unittest
from unittest import mock

import yaml

from charmhelpers.contrib.charmsupport import nrpe

from unit_tests import CHARM_ROOT, test_tls
from unit_tests.test_mistral_hooks import HookTestCase
from unit_tests.test_newest_releases import install_mistral_23

import mistral_nrpe
import mistral_tls
import mistral_utils

sys.path.insert(0, os.path.join(CHARM_ROOT, 'files', 'nrpe'))
import check_mistral_executions as executions  # noqa: E402
import check_mistral_fixes as fixes  # noqa: E402

SERVICES = ['mistral-api', 'mistral-engine', 'mistral-engine@2',
            'mistral-executor', 'memcached', 'haproxy']
OURS = ['haproxy_servers', 'haproxy_queue', 'mistral_api',
        'mistral_executions', 'mistral_fixes']
RID = 'nrpe-external-master:7'


class FakeUser:
    pw_uid = os.getuid()
    gr_gid = os.getgid()
    pw_dir = None   # no home: the executor's SSH key is not written


class TestNRPE(HookTestCase):

    def setUp(self):
        super().setUp()
        for name in ('nrpe_confdir', 'nagios_exportdir', 'nagios_logdir'):
            path = self.tmp + getattr(nrpe.NRPE, name)
            os.makedirs(path)
            self.patch(nrpe.NRPE, name, path)
        for name in ('SYSTEM_PLUGINS', 'NAGIOS_PLUGINS'):
            self.patch(nrpe, name, self.tmp + getattr(nrpe, name))
        os.makedirs(nrpe.SYSTEM_PLUGINS)
        # what monitoring-plugins and the nrpe charm install
        for script in ('check_http', 'check_systemd.py', 'check_disk'):
            open(os.path.join(nrpe.SYSTEM_PLUGINS, script), 'w').close()
        self.patch(nrpe.pwd, 'getpwnam', lambda name: FakeUser)
        self.patch(nrpe.grp, 'getgrnam', lambda name: FakeUser)
        self.patch(mistral_nrpe, 'NRPE_SUDOERS',
                   self.tmp + mistral_nrpe.NRPE_SUDOERS)
        os.makedirs(os.path.dirname(mistral_nrpe.NRPE_SUDOERS))
        self.apt = mock.Mock()
        self.patch(mistral_nrpe, 'apt_install', self.apt)
        self.sudo = '/usr/bin/sudo'
        which = shutil.which
        self.patch(mistral_nrpe.shutil, 'which', lambda name: (
            self.sudo if name == 'sudo' else which(name)))

    def relate_nrpe(self):
        self.juju.relate(RID, {'nrpe/0': {
            'nagios_hostname': 'juju-mistral-0',
            'private-address': '10.0.0.10'}})
        self.run_hook('nrpe-external-master-relation-changed', RID, 'nrpe/0')

    def commands(self):
        """check name -> the command nrpe runs for it."""
        found = {}
        for name in os.listdir(nrpe.NRPE.nrpe_confdir):
            for line in self.read(os.path.join(nrpe.NRPE.nrpe_confdir, name)
                                  ).splitlines():
                if line.startswith('command[check_'):
                    key, _, cmd = line.partition(']=')
                    found[key[len('command[check_'):]] = cmd
        return found

    def test_every_check_runs_a_script_that_is_there(self):
        self.deploy_ready()
        self.relate_nrpe()
        commands = self.commands()
        self.assertEqual(sorted(commands), sorted(SERVICES + OURS))
        for name, cmd in commands.items():
            self.assertTrue(cmd, name)
            script = cmd.replace('sudo -n ', '', 1).split()[0]
            self.assertTrue(os.path.isfile(script), cmd)
        # as root: they read haproxy.cfg
        self.assertEqual(commands['haproxy_servers'],
                         'sudo -n ' + nrpe.NAGIOS_PLUGINS +
                         '/check_haproxy.sh')
        self.assertEqual(commands['haproxy_queue'],
                         'sudo -n ' + nrpe.NAGIOS_PLUGINS +
                         '/check_haproxy_queue_depth.sh')
        self.assertEqual(commands['mistral-engine'],
                         nrpe.SYSTEM_PLUGINS + '/check_systemd.py '
                         'mistral-engine')
        for script in ('check_mistral_executions.py',
                       'check_mistral_fixes.py', 'check_haproxy.sh',
                       'check_haproxy_queue_depth.sh'):
            mode = os.stat(os.path.join(nrpe.NAGIOS_PLUGINS, script)).st_mode
            self.assertTrue(mode & stat.S_IXOTH, script)

    def test_the_subordinate_is_told_every_check(self):
        self.deploy_ready()
        self.relate_nrpe()
        monitors = yaml.safe_load(self.juju.local_data(RID)['monitors'])
        self.assertEqual(sorted(monitors['monitors']['remote']['nrpe']),
                         sorted(SERVICES + OURS))
        self.assertIn(('restart', 'nagios-nrpe-server'), self.machine.events)

    def test_fewer_engines_leave_no_check_of_the_stopped_ones(self):
        self.deploy_ready()
        self.juju.config['engine-workers'] = 3
        self.run_hook('config-changed')
        self.relate_nrpe()
        self.assertIn('mistral-engine@3', self.commands())
        self.juju.config['engine-workers'] = 1
        self.run_hook('config-changed')
        self.assertEqual(sorted(self.commands()), sorted(
            set(SERVICES + OURS) - {'mistral-engine@2'}))

    def test_the_api_is_checked_through_haproxy_over_http_then_https(self):
        self.deploy_ready()
        self.relate_nrpe()
        self.assertEqual(self.commands()['mistral_api'],
                         nrpe.SYSTEM_PLUGINS + '/check_http -I 127.0.0.1 '
                         '-p 8989 -u / -e 200')
        self.patch(mistral_tls, 'common_name', lambda: 'juju-mistral-0')
        self.juju.config.update(test_tls.config_cert())
        self.run_hook('config-changed')
        self.assertTrue(self.commands()['mistral_api'].endswith(
            '-p 8989 -u / -e 200 --ssl'))

    def test_executions_check_reads_mistral_conf_with_the_threshold(self):
        self.deploy_ready()
        self.juju.config['nagios-stuck-execution-minutes'] = 30
        self.relate_nrpe()
        self.run_hook('config-changed')
        self.assertEqual(
            self.commands()['mistral_executions'],
            nrpe.NAGIOS_PLUGINS + '/check_mistral_executions.py --minutes 30'
            ' --config /etc/mistral/mistral.conf')
        sudoers = mistral_nrpe.NRPE_SUDOERS
        plugins = nrpe.NAGIOS_PLUGINS
        self.assertEqual(self.read(sudoers).splitlines()[1:], [
            'nagios ALL=(mistral) NOPASSWD: ' + plugins +
            '/check_mistral_executions.py',
            'nagios ALL=(root) NOPASSWD: {0}/check_haproxy.sh, '
            '{0}/check_haproxy_queue_depth.sh'.format(plugins)])
        self.assertEqual(stat.S_IMODE(os.stat(sudoers).st_mode), 0o440)

    def test_sudo_is_installed_where_the_image_lacks_it(self):
        self.deploy_ready()
        self.relate_nrpe()
        self.apt.assert_not_called()
        self.sudo = None
        self.run_hook('nrpe-external-master-relation-changed', RID, 'nrpe/0')
        self.apt.assert_called_once_with(['sudo'], fatal=True)

    def test_a_threshold_below_a_minute_is_blocked(self):
        self.deploy_ready()
        self.juju.config['nagios-stuck-execution-minutes'] = 0
        self.run_hook('config-changed')
        self.assertEqual(self.juju.status, (
            'blocked', 'nagios-stuck-execution-minutes: must be at least 1 '
            '(minutes), got 0'))

    def test_fixes_check_reads_what_the_charm_applied(self):
        self.deploy_ready()
        self.relate_nrpe()
        self.assertTrue(self.commands()['mistral_fixes'].endswith(
            '/check_mistral_fixes.py --state '
            '/var/lib/mistral-charm/fixes.json'))
        state = json.loads(self.read(mistral_utils.FIXES_STATE))
        self.assertEqual(state['missing'], [])
        self.assertEqual(state['files'],
                         mistral_utils.mistral_patches.recorded_files())
        self.assertEqual(fixes.check(state)[0], fixes.OK)

    def test_nagios_context_and_servicegroups_name_host_and_groups(self):
        self.juju.config['nagios_context'] = 'prod'
        self.juju.config['nagios_servicegroups'] = 'openstack,mistral'
        self.deploy_ready()
        self.juju.relate(RID, {'nrpe/0': {'private-address': '10.0.0.10'}})
        self.run_hook('nrpe-external-master-relation-changed', RID, 'nrpe/0')
        service = self.read(os.path.join(
            nrpe.NRPE.nagios_exportdir,
            'service__prod-mistral-0_check_mistral_api.cfg'))
        self.assertIn('host_name                       prod-mistral-0',
                      service)
        self.assertIn('servicegroups                   openstack,mistral',
                      service)

    def test_the_checks_go_with_the_relation(self):
        self.deploy_ready()
        self.relate_nrpe()
        self.juju.depart(RID, 'nrpe/0')
        self.run_hook('nrpe-external-master-relation-departed', RID, 'nrpe/0')
        self.assertEqual(os.listdir(nrpe.NRPE.nrpe_confdir), [])
        self.assertEqual(os.listdir(nrpe.NRPE.nagios_exportdir), [])
        self.assertFalse(os.path.exists(mistral_nrpe.NRPE_SUDOERS))
        del self.juju.relations[RID]
        self.run_hook('nrpe-external-master-relation-broken', RID)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_mistral_23s_periodic_server_is_checked_and_its_check_goes(self):
        install_mistral_23(self.machine)
        self.deploy_ready()
        self.relate_nrpe()
        self.assertEqual(self.commands()['mistral-periodic'],
                         nrpe.SYSTEM_PLUGINS + '/check_systemd.py '
                         'mistral-periodic')
        self.juju.depart(RID, 'nrpe/0')
        self.run_hook('nrpe-external-master-relation-departed', RID, 'nrpe/0')
        self.assertEqual(os.listdir(nrpe.NRPE.nrpe_confdir), [])

    def test_no_checks_before_the_subordinate_installed_nrpe(self):
        os.rmdir(nrpe.NRPE.nrpe_confdir)
        self.deploy_ready()
        self.relate_nrpe()
        self.assertFalse(os.path.exists(mistral_nrpe.NRPE_SUDOERS))
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))


SCHEMA = """
CREATE TABLE workflow_executions_v2 (id TEXT, workflow_name TEXT,
    state TEXT, task_execution_id TEXT, created_at TIMESTAMP,
    updated_at TIMESTAMP);
CREATE TABLE task_executions_v2 (id TEXT, workflow_execution_id TEXT,
    created_at TIMESTAMP, updated_at TIMESTAMP);
"""
NOW = datetime.datetime(2026, 12, 1, 12, 0, 0)


def minutes_ago(n):
    return NOW - datetime.timedelta(minutes=n)


class TestExecutionsCheck(unittest.TestCase):

    def database(self, executions, tasks):
        db = sqlite3.connect(':memory:',
                             detect_types=sqlite3.PARSE_DECLTYPES)
        db.executescript(SCHEMA)
        db.executemany('INSERT INTO workflow_executions_v2 VALUES '
                       '(?, ?, ?, ?, ?, ?)', executions)
        db.executemany('INSERT INTO task_executions_v2 VALUES (?, ?, ?, ?)',
                       tasks)
        return db

    def test_only_running_executions_without_task_progress_are_stuck(self):
        db = self.database([
            ('quiet', 'wf1', 'RUNNING', None, minutes_ago(200),
             minutes_ago(200)),
            ('busy', 'wf2', 'RUNNING', None, minutes_ago(200),
             minutes_ago(200)),
            ('done', 'wf3', 'SUCCESS', None, minutes_ago(200),
             minutes_ago(200)),
            ('young', 'wf4', 'RUNNING', None, minutes_ago(5), None),
            # waits on a running sub-workflow, which is judged instead
            ('parent', 'wf5', 'RUNNING', None, minutes_ago(200),
             minutes_ago(200)),
            ('child', 'wf6', 'RUNNING', 'p-task', minutes_ago(199),
             minutes_ago(199)),
        ], [
            ('q-task', 'quiet', minutes_ago(190), minutes_ago(90)),
            ('b-task', 'busy', minutes_ago(190), minutes_ago(2)),
            ('p-task', 'parent', minutes_ago(200), minutes_ago(200)),
        ])
        self.assertEqual(executions.stuck_executions(db, NOW, 60),
                         [('child', 'wf6', 199), ('quiet', 'wf1', 90)])
        self.assertEqual(executions.stuck_executions(db, NOW, 120),
                         [('child', 'wf6', 199)])

    def test_critical_names_the_stuck_executions_ok_otherwise(self):
        self.assertEqual(executions.report([], 60), (
            0, 'OK: no execution RUNNING without progress for more than 60 '
               'minutes'))
        code, line = executions.report(
            [('id{}'.format(i), 'wf', 99) for i in range(7)], 60)
        self.assertEqual(code, 2)
        self.assertTrue(line.startswith(
            'CRITICAL: 7 executions RUNNING without progress for more than '
            '60 minutes: id0 (wf) idle 99 min, '))
        self.assertTrue(line.endswith('id4 (wf) idle 99 min, ...'))

    def conf(self, text):
        path = os.path.join(self.tmp, 'mistral.conf')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def setUp(self):
        import tempfile
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(subprocess.call, ['rm', '-rf', self.tmp])

    def test_the_database_url_comes_from_mistral_conf_read_only(self):
        path = self.conf('[DEFAULT]\ndebug = False\n[database]\n'
                         'connection = mysql+pymysql://m:p%40ss@db/mistral'
                         '?ssl_ca=/etc/mistral/tls/ca.pem\n')
        db = self.database([], [])
        connector = mock.Mock(return_value=mock.Mock(wraps=db))
        with mock.patch('builtins.print') as out:
            code = executions.main(['check', '--minutes', '5', '--config',
                                    path], connector=connector)
        self.assertEqual(code, 0)
        connector.assert_called_once_with(
            'mysql+pymysql://m:p%40ss@db/mistral'
            '?ssl_ca=/etc/mistral/tls/ca.pem')
        connector.return_value.rollback.assert_called_once_with()
        out.assert_called_once_with('OK: no execution RUNNING without '
                                    'progress for more than 5 minutes')

    def test_an_unreachable_database_is_unknown(self):
        path = self.conf('[database]\nconnection = mysql://db/mistral\n')
        with mock.patch('builtins.print') as out:
            code = executions.main(
                ['check', '--config', path],
                connector=mock.Mock(side_effect=OSError('refused')))
        self.assertEqual(code, 3)
        out.assert_called_once_with('UNKNOWN: OSError: refused')

    def test_nagios_runs_it_again_as_mistral_through_sudo(self):
        path = self.conf('[database]\nconnection = mysql://db/mistral\n')
        with mock.patch.object(executions.os, 'access', return_value=False), \
                mock.patch.object(executions.os, 'geteuid',
                                  return_value=110), \
                mock.patch.dict(os.environ, clear=True), \
                mock.patch.object(executions.os, 'execvp') as execvp:
            execvp.side_effect = SystemExit(0)
            with self.assertRaises(SystemExit):
                executions.main(['/plugins/check', '--config', path])
        execvp.assert_called_once_with('sudo', [
            'sudo', '-n', '-u', 'mistral', '/plugins/check', '--config',
            path])


class TestFixesCheck(unittest.TestCase):

    def test_missing_is_critical_a_replaced_file_a_warning(self):
        self.assertEqual(fixes.check({'missing': ['a-fix'], 'files': {}}), (
            2, 'CRITICAL: Mistral fixes missing (no variant fits the '
               'installed code): a-fix'))
        self.assertEqual(
            fixes.check({'missing': [], 'files': {__file__: 'old'}}),
            (1, 'WARNING: files replaced since the fixes were applied: ' +
             __file__))
        self.assertEqual(
            fixes.check({'missing': [], 'files': {
                __file__: fixes.sha256(__file__)}}),
            (0, 'OK: Mistral fixes applied'))

    def test_no_state_yet_is_unknown(self):
        with mock.patch('builtins.print') as out:
            self.assertEqual(fixes.main(['check', '--state', '/nonexistent']),
                             3)
        self.assertTrue(out.call_args[0][0].startswith('UNKNOWN: '))
