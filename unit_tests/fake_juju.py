"""An in-memory Juju for unit tests, reached through the hook tools.

charmhelpers runs every hook tool through `hookenv.subprocess`; replacing
that one name routes config-get, relation-get/-set, leader-get/-set,
status-set and friends to this model, so the charm's code and charmhelpers
run unchanged and tests assert what the charm told Juju.
"""

import collections
import json
import os
import subprocess
from unittest import mock

import yaml

from charmhelpers.contrib.openstack import utils as os_utils
from charmhelpers.core import hookenv, unitdata

from unit_tests import CHARM_ROOT


def charm_defaults():
    with open(CHARM_ROOT + '/config.yaml') as f:
        options = yaml.safe_load(f)['options']
    return {name: spec.get('default') for name, spec in options.items()}


def action_defaults(action):
    """What action-get gives `action` with no parameter passed: the
    defaults actions.yaml declares (Juju fills them in)."""
    with open(CHARM_ROOT + '/actions.yaml') as f:
        params = yaml.safe_load(f)[action].get('params', {})
    return {name: spec['default'] for name, spec in params.items()
            if 'default' in spec}


class FakeJuju:
    """Model state of one unit, as its hook tools would see it."""

    def __init__(self, unit='mistral/0', address='10.0.0.10'):
        self.unit = unit
        self.address = address
        self.config = charm_defaults()
        self.leader = True
        self.dying = False    # the unit is being removed
        self.leader_settings = {}
        self.relations = {}   # rid -> {'units': {unit: data}, 'local': {}}
        self.statuses = []    # (state, message) in the order set
        self.opened_ports = set()
        self.app_version = None
        self.logs = []
        self.action_params = {}  # what action-get answers
        self.action_results = {}
        self.action_failures = []
        self.calls = collections.Counter()  # hook tool -> times run

    # --- model set-up -------------------------------------------------------
    def relate(self, rid, units=None):
        """Add relation `rid` ('amqp:1') with remote units' data."""
        self.relations[rid] = {'units': dict(units or {}), 'local': {}}

    def remote_set(self, rid, unit, **data):
        self.relations[rid]['units'].setdefault(unit, {}).update(data)

    def depart(self, rid, unit):
        """`unit` leaves `rid`: gone from relation-list, its settings still
        readable for the life of the relation (as in Juju)."""
        rel = self.relations[rid]
        rel.setdefault('departed', {})[unit] = rel['units'].pop(unit)

    def local_data(self, rid):
        return self.relations[rid]['local']

    @property
    def status(self):
        return self.statuses[-1] if self.statuses else (None, None)

    # --- the tools -----------------------------------------------------------
    def _relation_get(self, args):
        rid = self._opt(args, '-r') or hookenv.os.environ.get(
            'JUJU_RELATION_ID')
        rest = [a for a in args if not a.startswith('--format')]
        rest = self._drop_opt(rest, '-r')
        key = rest[0] if rest else '-'
        unit = rest[1] if len(rest) > 1 else hookenv.os.environ.get(
            'JUJU_REMOTE_UNIT')
        if rid not in self.relations or not unit:
            # Juju: usage error (exit 2), which charmhelpers turns into None
            raise subprocess.CalledProcessError(2, 'relation-get')
        rel = self.relations[rid]
        data = rel['local'] if unit == self.unit else rel['units'].get(
            unit, rel.get('departed', {}).get(unit))
        if data is None:
            raise subprocess.CalledProcessError(1, 'relation-get')
        return data if key == '-' else data.get(key)

    def _relation_set(self, args):
        rid = self._opt(args, '-r') or hookenv.os.environ.get(
            'JUJU_RELATION_ID')
        settings = {}
        if '--file' in args:
            with open(args[args.index('--file') + 1]) as f:
                settings.update(yaml.safe_load(f) or {})
        for arg in self._drop_opt(self._drop_opt(args, '-r'), '--file'):
            if '=' in arg:
                k, v = arg.split('=', 1)
                settings[k] = v
        local = self.relations[rid]['local']
        for k, v in settings.items():
            if v in (None, ''):
                local.pop(k, None)
            else:
                local[k] = str(v)

    def tool(self, cmd):
        name, args = cmd[0], list(cmd[1:])
        self.calls[name] += 1
        if name == 'config-get':
            return self.config
        if name == 'relation-ids':
            ep = args[-1]
            return sorted(r for r in self.relations if r.split(':')[0] == ep)
        if name == 'relation-list':
            rid = self._opt(args, '-r')
            return sorted(self.relations.get(rid, {'units': {}})['units'])
        if name == 'relation-get':
            return self._relation_get(args)
        if name == 'relation-set':
            if '--help' in args:
                return '--file'
            return self._relation_set(args)
        if name == 'is-leader':
            return self.leader
        if name == 'leader-get':
            key = [a for a in args if not a.startswith('--')]
            if key and key[0] != '-':
                return self.leader_settings.get(key[0])
            return dict(self.leader_settings)
        if name == 'leader-set':
            if not self.leader:
                raise subprocess.CalledProcessError(1, 'leader-set')
            for arg in args:
                k, v = arg.split('=', 1)
                if v:
                    self.leader_settings[k] = v
                else:
                    self.leader_settings.pop(k, None)
            return None
        if name == 'unit-get':
            return self.address
        if name == 'network-get':
            if '--primary-address' in args:
                return self.address
            binding = {'interface-name': 'eth0',
                       'macaddress': '00:16:3e:00:00:01',
                       'addresses': [{'address': self.address,
                                      'cidr': '10.0.0.0/24'}]}
            return {'bind-addresses': [binding],
                    'ingress-addresses': [self.address],
                    'egress-subnets': [self.address + '/32']}
        if name == 'status-set':
            args = [a for a in args if not a.startswith('--')]
            self.statuses.append((args[0], args[1] if len(args) > 1 else ''))
            return None
        if name == 'status-get':
            state, message = self.status
            return {'status': state or 'unknown', 'message': message or '',
                    'status-data': {}}
        if name == 'open-port':
            self.opened_ports.add(args[0])
            return None
        if name == 'application-version-set':
            self.app_version = args[0]
            return None
        if name == 'juju-log':
            self.logs.append(args[-1])
            return None
        if name == 'action-get':
            key = [a for a in args if not a.startswith('--')]
            return (self.action_params.get(key[0]) if key
                    else dict(self.action_params))
        if name == 'action-set':
            self.action_results.update(a.split('=', 1) for a in args)
            return None
        if name == 'action-fail':
            self.action_failures.append(args[0])
            return None
        if name == 'goal-state':
            return {'units': {self.unit: {
                        'status': 'dying' if self.dying else 'active'}},
                    'relations': {}}
        raise AssertionError('unexpected command {}'.format(cmd))

    @staticmethod
    def _opt(args, flag):
        return args[args.index(flag) + 1] if flag in args else None

    @staticmethod
    def _drop_opt(args, flag):
        if flag not in args:
            return args
        i = args.index(flag)
        return args[:i] + args[i + 2:]


class FakeSubprocess:
    """Stands in for the `subprocess` module inside hookenv."""

    CalledProcessError = subprocess.CalledProcessError
    PIPE = subprocess.PIPE
    STDOUT = subprocess.STDOUT

    def __init__(self, juju):
        self.juju = juju

    def check_output(self, cmd, *args, **kwargs):
        text = self._render(cmd, self.juju.tool(cmd))
        if kwargs.get('universal_newlines') or kwargs.get('text'):
            return text
        return text.encode()

    @staticmethod
    def _render(cmd, result):
        if '--format=json' in cmd:
            return json.dumps(result)
        if result is None:
            return ''
        if isinstance(result, str):
            return result
        return yaml.safe_dump(result)

    def check_call(self, cmd, *args, **kwargs):
        self.juju.tool(cmd)
        return 0

    def call(self, cmd, *args, **kwargs):
        self.juju.tool(cmd)
        return 0


def forget_hook_state():
    """What charmhelpers caches for the length of one hook."""
    hookenv.cache.clear()
    os_utils.reset_os_release()
    hookenv._cache_config = None
    del hookenv._atexit[:]


def install(testcase, juju, charm_dir):
    """Route `testcase`'s hook tools to `juju`; fresh caches and kv store."""
    env = {'JUJU_UNIT_NAME': juju.unit, 'CHARM_DIR': charm_dir,
           'JUJU_CHARM_DIR': charm_dir,
           'UNIT_STATE_DB': charm_dir + '/.unit-state.db'}
    # what charmhelpers reads from the charm dir
    for name in ('metadata.yaml', 'config.yaml', 'revision'):
        os.symlink(os.path.join(CHARM_ROOT, name),
                   os.path.join(charm_dir, name))
    patchers = [
        mock.patch.object(hookenv, 'subprocess', FakeSubprocess(juju)),
        mock.patch.dict(hookenv.os.environ, env),
    ]
    for p in patchers:
        p.start()
        testcase.addCleanup(p.stop)
    forget_hook_state()
    testcase.addCleanup(forget_hook_state)
    unitdata._KV = None
    testcase.addCleanup(setattr, unitdata, '_KV', None)


def import_in_model(module_name):
    """Import a module that talks to Juju at import time (the hooks)."""
    import importlib
    import tempfile
    juju = FakeJuju()
    env = {'JUJU_UNIT_NAME': juju.unit, 'JUJU_CHARM_DIR': tempfile.mkdtemp()}
    with mock.patch.object(hookenv, 'subprocess', FakeSubprocess(juju)), \
            mock.patch.dict(hookenv.os.environ, env):
        module = importlib.import_module(module_name)
    hookenv.cache.clear()
    return module
