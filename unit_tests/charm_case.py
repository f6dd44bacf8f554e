"""Base test case: a Mistral unit on a fake machine, in a fake model.

The machine side is faked at the command level (systemctl, dpkg-query,
mistral-db-manage, apt) and config files are written under a temporary
root, so tests assert what a real unit would show: files, services running,
commands run, relation data, status.
"""

import functools
import os
import re
import subprocess
import tempfile
import unittest
from unittest import mock

from charmhelpers.contrib.network import ip as ch_ip
from charmhelpers.core import host

from unit_tests import fake_juju

import openstack_actions
import mistral_first_migration
import mistral_ssh
import mistral_tls
import mistral_utils
import quick_status
import safe_files


# what every MySQL connection URL ends with: READ COMMITTED from the start
READ_COMMITTED = ('init_command=SET+SESSION+TRANSACTION+ISOLATION+LEVEL+READ+'
                  'COMMITTED')


@functools.lru_cache(maxsize=None)
def one_ssh_key(generate=mistral_ssh.generate):
    """The leader's key, made once for all tests (RSA keys take a while)."""
    return generate()


class FakeMachine:
    """systemd and the commands the charm runs, as seen from the charm."""

    def __init__(self, version='20.0.0-2+deb13u1'):
        self.running = set()
        self.enabled = set()
        self.masked = set()   # systemd refuses to enable or start these
        self.start_limited = set()   # until reset-failed, as systemd does
        self.auto_restarts = {}   # service: systemd's restarts on failure
        self.events = []      # ('restart', 'mistral-api'), ...
        self.commands = []    # other commands run, as argv lists
        self.proxies = {}     # command name: its https proxy, when given one
        self.version = version
        self.fail_commands = set()
        self.installed = []   # packages dpkg has installed
        self.state_queries = 0   # systemctl is-active calls
        self.queries = []     # commands that only read (systemctl, dpkg)
        # where a unit file refuses a mask (systemd links /dev/null there)
        self.etc_units = None
        # Mistral's database: its tables, whether a user made rows in
        # them, and how many `upgrade head` a database restart cuts short
        self.db_tables = set()
        self.db_user_rows = False
        self.cut_short = 0

    def dpkg_status(self, packages):
        """What dpkg-query -W prints: mistral-common at `version` (None: not
        installed), the charm's installed packages 'ii', the others removed
        ('rc'), or unknown on a machine that never had any; exit 1 when it
        knows some package not at all."""
        lines = []
        for pkg in packages:
            if pkg == 'mistral-common':
                if self.version:
                    lines.append('{} ii  {}'.format(pkg, self.version))
            elif pkg in self.installed:
                lines.append('{} ii  1.0-1'.format(pkg))
            elif self.installed:
                lines.append('{} rc  1.0-1'.format(pkg))
        out = ''.join(line + '\n' for line in lines)
        if len(lines) < len(packages):
            raise subprocess.CalledProcessError(1, 'dpkg-query', output=out)
        return out

    def systemctl(self, action, svc=None):
        if action == 'is-active':
            self.state_queries += 1
            return svc in self.running
        if action == 'reset-failed':  # no change a test looks for
            self.start_limited.discard(svc)
            return True
        if action == 'daemon-reload':
            self.events.append((action, None))
            return True
        self.events.append((action, svc))
        if action in ('start', 'restart', 'enable') and svc in self.masked:
            return False
        if action in ('start', 'restart') and svc in self.start_limited:
            return False
        if action == 'reset-failed':
            self.start_limited.discard(svc)
        if action == 'mask' and self.etc_units and os.path.exists(
                os.path.join(self.etc_units, svc + '.service')):
            return False
        if action == 'mask':
            self.masked.add(svc)
        elif action == 'unmask':
            self.masked.discard(svc)
        elif action in ('start', 'restart'):
            self.running.add(svc)
        elif action == 'stop':
            self.running.discard(svc)
        elif action == 'enable':
            self.enabled.add(svc)
        elif action == 'disable':
            self.enabled.discard(svc)
        return True

    def run(self, cmd):
        if cmd[0] == 'systemctl':
            if 'is-active' in cmd:
                self.queries.append(list(cmd))
            action, *units = [arg for arg in cmd[1:]
                              if not arg.startswith('--')]
            results = [self.systemctl(action, svc) for svc in units or [None]]
            if action == 'disable' and '--now' in cmd:
                results += [self.systemctl('stop', svc) for svc in units]
            return 0 if all(results) else 3
        self.commands.append(list(cmd))
        if cmd[0] in self.fail_commands:
            return 1
        if cmd[0] == 'mistral-db-manage' and cmd[-2:] == ['upgrade', 'head']:
            return self.upgrade_head()
        return 0

    def upgrade_head(self):
        """MySQL: a migration cut short keeps the tables it made, and the
        next one stops on the first of them."""
        made = {'alembic_version', 'action_executions_v2',
                'workflow_executions_v2'}
        if self.cut_short:
            self.cut_short -= 1
            self.db_tables |= {'alembic_version', 'action_executions_v2'}
            return 1
        if self.db_tables and not self.db_tables >= made:
            return 1    # Table 'action_executions_v2' already exists
        self.db_tables |= made
        return 0

    def first_migration_script(self, mode):
        """What mistral_first_migration's script prints, or its failure."""
        if mode == mistral_first_migration.DROP and self.db_tables:
            if self.db_user_rows:
                raise subprocess.CalledProcessError(
                    mistral_first_migration.KEPT, 'python3',
                    output='workflow_executions_v2\n')
            count, self.db_tables = len(self.db_tables), set()
            return '{}\n'.format(count)
        return '{}\n'.format(len(self.db_tables))

    def restarts(self):
        """Services restarted or reloaded."""
        return [svc for action, svc in self.events
                if action in ('restart', 'reload')]

    def reloads(self):
        return [svc for action, svc in self.events if action == 'reload']


class FakeSubprocess:
    """`subprocess` as seen by core.host and mistral_utils."""

    CalledProcessError = subprocess.CalledProcessError
    TimeoutExpired = subprocess.TimeoutExpired
    PIPE = subprocess.PIPE
    STDOUT = subprocess.STDOUT
    DEVNULL = subprocess.DEVNULL

    def __init__(self, machine):
        self.machine = machine

    def call(self, cmd, *args, **kwargs):
        return self.machine.run(cmd)

    def check_call(self, cmd, *args, env=None, **kwargs):
        if env and env.get('HTTPS_PROXY'):
            self.machine.proxies[cmd[0]] = env['HTTPS_PROXY']
        if self.machine.run(cmd):
            raise subprocess.CalledProcessError(1, cmd)
        return 0

    def check_output(self, cmd, *args, **kwargs):
        if cmd[:2] == ['systemctl', 'is-active']:
            self.machine.state_queries += 1
            self.machine.queries.append(list(cmd))
            states = ['active' if svc in self.machine.running else 'inactive'
                      for svc in cmd[2:]]
            out = ''.join(state + '\n' for state in states)
            if 'active' not in states:
                raise subprocess.CalledProcessError(3, cmd, output=out)
            return out
        if cmd[:2] == ['systemctl', 'show']:   # -p NRestarts -p ActiveState
            return ''.join('NRestarts={}\nActiveState={}\n\n'.format(
                self.machine.auto_restarts.get(svc, 0),
                'active' if svc in self.machine.running else 'inactive')
                for svc in cmd[6:])
        if cmd[:3] == [mistral_first_migration.PYTHON, '-c',
                       mistral_first_migration.SCRIPT]:
            self.machine.commands.append(list(cmd))
            return self.machine.first_migration_script(cmd[4])
        if cmd[:4] == ['dpkg-query', '-W', '-f',
                       '${Package} ${db:Status-Abbrev} ${Version}\n']:
            self.machine.queries.append(list(cmd))
            return self.machine.dpkg_status(cmd[4:])
        self.check_call(cmd)
        return ''


class CharmTestCase(unittest.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(subprocess.call, ['rm', '-rf', self.tmp])
        self.juju = fake_juju.FakeJuju()
        fake_juju.install(self, self.juju, self.tmp)
        self.machine = FakeMachine()
        self.machine.etc_units = self.tmp + '/etc/systemd/system'
        fake_sub = FakeSubprocess(self.machine)
        self.installed = self.machine.installed
        self.patch(host, 'subprocess', fake_sub)
        self.patch(host, 'init_is_systemd', lambda service_name=None: True)
        self.patch(mistral_utils, 'subprocess', fake_sub)
        self.patch(mistral_utils.mistral_db_check, 'subprocess', fake_sub)
        self.patch(mistral_first_migration, 'subprocess', fake_sub)
        self.patch(quick_status, 'subprocess', fake_sub)
        self.patch(mistral_utils, 'apt_update', lambda fatal=False: None)
        self.patch(mistral_utils, 'apt_install', self._apt_install)
        self.patch(mistral_utils, 'configure_installation_source',
                   lambda source: None)
        self.patch(mistral_utils, 'POLICY_RC_D',
                   os.path.join(self.tmp, 'policy-rc.d'))
        self.patch(safe_files, '_gid', lambda group: os.getgid())
        self.patch(safe_files, '_uid', lambda user: os.getuid())
        self.patch(mistral_tls, 'subprocess', fake_sub)
        # pip and apt for mistral-extra, its files under the temporary root
        self.patch(mistral_ssh, 'generate', one_ssh_key)
        self.patch(openstack_actions, 'subprocess', fake_sub)
        self.patch(openstack_actions.fetch, 'apt_install', self._apt_install)
        self.patch(openstack_actions, 'MISTRAL_EXTRA_DIR',
                   self.tmp + openstack_actions.MISTRAL_EXTRA_DIR)
        pth = self.tmp + '/usr/local/lib/python3/dist-packages/' + \
            openstack_actions.MISTRAL_EXTRA_PTH
        self.patch(openstack_actions, 'pth_path', lambda: pth)
        self.patch(mistral_utils, 'listening_ports', self.listening_ports)
        self.patch(mistral_utils, 'PORT_WAIT', 0)
        self.patch(mistral_utils, 'api_answers', self.api_answers)
        # config files land under a temporary root
        for name in ('MISTRAL_CONF', 'API_SYSTEMD_OVERRIDE', 'API_UWSGI_INI',
                     'HAPROXY_CONF', 'MEMCACHED_CONF', 'PERIODIC_UNIT',
                     'ENGINE_WORKER_UNIT'):
            real = getattr(mistral_utils, name)
            self.patch(mistral_utils, name, self.tmp + real)
            os.makedirs(os.path.dirname(self.tmp + real), exist_ok=True)
        # the installed Mistral's code, which our fixes change
        self.patch(mistral_utils.mistral_patches, 'TARGET_DIR',
                   self.tmp + '/dist-packages')
        self.patch(mistral_utils, 'FIXES_STATE',
                   self.tmp + mistral_utils.FIXES_STATE)
        self.patch(mistral_utils, 'TEMPLATE_CACHE',
                   self.tmp + mistral_utils.TEMPLATE_CACHE)
        self.patch(mistral_utils, 'MISTRAL_TLS_DIR',
                   self.tmp + '/etc/mistral/tls')
        for name in ('HAPROXY_PEM', 'CA_TRUST_DIR'):
            self.patch(mistral_tls, name,
                       self.tmp + getattr(mistral_tls, name))
        self.patch(mistral_utils.context, 'HAPROXY_RUN_DIR', self.tmp)
        self.patch(mistral_utils.context, 'is_ipv6_disabled', lambda: True)
        self.patch(mistral_utils.context, '_num_cpus', lambda: 2)
        # the unit's one interface: eth0 on 10.0.0.0/24
        self.patch(ch_ip, 'get_netmask_for_address',
                   lambda address: '255.255.255.0')
        self.patch(ch_ip, 'get_iface_for_address', lambda address: 'eth0')
        self.patch(mistral_utils.context, 'get_netmask_for_address',
                   lambda address: '255.255.255.0')

    def api_answers(self, path):
        """The API answers its health check once it runs."""
        return 'mistral-api' in self.machine.running

    def listening_ports(self):
        """What listens here: haproxy where haproxy.cfg binds, the API
        where its server is told to (so a chain that disagrees shows)."""
        ports = set()
        if 'haproxy' in self.machine.running:
            ports.update(int(port) for port in re.findall(
                r'^    bind \*:(\d+)', self.read(mistral_utils.HAPROXY_CONF),
                re.M))
        if 'mistral-api' in self.machine.running:
            ports.add(self.api_port())
        return ports

    def api_port(self):
        """Where the API listens: uWSGI's http-socket when the drop-in runs
        uWSGI, else mistral.conf's [api] port (mistral-server)."""
        if re.search(r'^ExecStart=\S*uwsgi', self.read(
                mistral_utils.API_SYSTEMD_OVERRIDE), re.M):
            return int(re.search(r'^http-socket = .*:(\d+)$',
                                 self.read(mistral_utils.API_UWSGI_INI),
                                 re.M).group(1))
        return int(re.search(r'^\[api\]\n(?:.*\n)*?port = (\d+)',
                             self.read(mistral_utils.MISTRAL_CONF),
                             re.M).group(1))

    def patch(self, obj, name, value):
        patcher = mock.patch.object(obj, name, value)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _apt_install(self, packages, options=None, fatal=False):
        self.installed.extend(packages)

    def path(self, real):
        """Where a file the charm writes at `real` lands in this test."""
        return self.tmp + real

    def read(self, path):
        """A file the charm wrote, by its real path or where it landed."""
        if not path.startswith(self.tmp):
            path = self.path(path)
        with open(path) as f:
            return f.read()

    # --- relation data as the real providers send it -------------------
    def add_mysql(self, allowed=('mistral/0',)):
        self.juju.relate('shared-db:1')
        self.juju.remote_set('shared-db:1', 'mysql/0',
                             **{'db_host': '10.0.0.20', 'password': 'dbpass',
                                'allowed_units': ' '.join(allowed),
                                'private-address': '10.0.0.20'})

    def add_postgresql(self, allowed=('mistral/0',)):
        self.juju.relate('pgsql-db:2')
        self.juju.remote_set('pgsql-db:2', 'postgresql/0',
                             **{'host': '10.0.0.21', 'user': 'juju_mistral',
                                'password': 'pgpass', 'database': 'mistral',
                                'port': '5432', 'state': 'standalone',
                                'allowed-units': ' '.join(allowed),
                                'private-address': '10.0.0.21'})

    def add_rabbitmq(self):
        self.juju.relate('amqp:3')
        self.juju.remote_set('amqp:3', 'rabbitmq-server/0',
                             **{'hostname': '10.0.0.22', 'password': 'rbpass',
                                'private-address': '10.0.0.22'})

    def add_keystone(self):
        self.juju.relate('identity-service:4')
        self.juju.remote_set(
            'identity-service:4', 'keystone/0',
            auth_host='10.0.0.23', auth_port='35357', auth_protocol='http',
            service_host='10.0.0.23', service_port='5000',
            service_protocol='http', internal_host='10.0.0.23',
            internal_port='5000', internal_protocol='http', api_version='3',
            service_username='mistral', service_password='kspass',
            service_tenant='services', service_tenant_id='tid',
            service_domain='service_domain', service_domain_id='did',
            service_type='workflowv2',
            **{'private-address': '10.0.0.23'})

    def add_all_relations(self):
        self.add_mysql()
        self.add_rabbitmq()
        self.add_keystone()
