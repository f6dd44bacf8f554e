"""Mistral in the local cloud, as its user sees it: the local cloud's CLI,
Keystone and Mistral clients.

Shared by the functional tests and `make deploy-local`.  The charm's own
facts (API port, service names, service type) come from the charm, and the
bundles deploy it packed, as Juju 4 must (build_charm()).
"""

import calendar
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

import yaml

import charm_facts
import systemd_show
from localcloud import paths
from localcloud.machines import get_provider

TESTS = os.path.dirname(os.path.abspath(__file__))
CHARM = os.path.dirname(TESTS)
_CHARM_FACTS = charm_facts.FACTS
_PACKER = charm_facts.load('tools', 'pack_charm.py')

LOCALJUJU = os.path.join(TESTS, 'localjuju')
BUNDLE = os.path.join(TESTS, 'bundles', 'mistral.yaml')
HA_BUNDLE = os.path.join(TESTS, 'bundles', 'mistral-ha.yaml')
WORKFLOWS = os.path.join(TESTS, 'functional', 'workflows')
POSTGRESQL_CHARM = os.path.join(TESTS, 'charms', 'postgresql')
NRPE_CHARM = os.path.join(TESTS, 'charms', 'nrpe')
MISTRAL_FIXES = os.path.join(CHARM, 'files', 'mistral-fixes')
# the vault stand-in's CA (in its machine), and where the host keeps a copy
# for its clients (OS_CACERT)
VAULT_CA = '/var/lib/standin-vault/ca.pem'
CA_FILE = '/var/lib/localcloud/tls-ca.pem'
# the keystone stand-in's default admin password (its config.yaml)
ADMIN_PASSWORD = 'openstack'
API_PORT = _CHARM_FACTS.API_PORT   # haproxy's, in front of the API
MISTRAL_SERVICES = tuple(_CHARM_FACTS.MISTRAL_SERVICES)
FRONT_ENDS = ('haproxy', 'memcached')
# what each Mistral unit runs up to Mistral 22: Mistral and its front ends
UNIT_SERVICES = MISTRAL_SERVICES + FRONT_ENDS
PERIODIC_SERVICE = _CHARM_FACTS.PERIODIC_SERVICE
SERVICE_TYPE = _CHARM_FACTS.SERVICE_TYPE


def bundle_charm(path):
    """The .charm the bundle at `path` deploys as mistral."""
    with open(path) as f:
        charm = yaml.safe_load(f)['applications']['mistral']['charm']
    return os.path.normpath(os.path.join(os.path.dirname(path), charm))


class CloudError(Exception):
    pass


def build_charm(root=CHARM, out=None):
    """Pack the charm in `root` as `make build` does, one .charm per
    platform, in `out` (default: where the bundles take it from; they name
    the ubuntu@24.04 one, the local cloud does not match bases to its
    Debian machines)."""
    charms = _PACKER.pack(root, out)
    sys.stderr.write('packed {}\n'.format(', '.join(map(str, charms))))
    return charms


def _echo_lines(stream, kept):
    for line in stream:
        sys.stderr.write(line)
        sys.stderr.flush()
        kept.append(line)


def localjuju(*args, timeout=1800, check=True):
    """Run the local cloud's CLI; its stdout.  Its progress (stderr) reaches
    our stderr line by line as it comes, and is kept for the error."""
    argv = [sys.executable, LOCALJUJU] + list(args)
    err = []
    expired = threading.Event()
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True) as proc:
        echo = threading.Thread(target=_echo_lines, args=(proc.stderr, err),
                                daemon=True)
        echo.start()

        def expire():
            expired.set()
            proc.kill()
        killer = threading.Timer(timeout, expire)
        killer.start()
        try:
            out = proc.stdout.read()
            proc.wait()
        finally:
            killer.cancel()
        echo.join()
    if expired.is_set():
        raise subprocess.TimeoutExpired(argv, timeout, out, ''.join(err))
    if check and proc.returncode:
        raise CloudError('localjuju {} failed ({}):\n{}{}'.format(
            ' '.join(args), proc.returncode, out, ''.join(err)))
    return out


def status():
    return json.loads(localjuju('status', '--format=json'))


def deployed_series():
    """Series of the deployed mistral application, or None."""
    app = status()['applications'].get('mistral')
    return app and app['series']


def mistral_units():
    """The mistral units' names, sorted."""
    return sorted(status()['applications']['mistral']['units'])


def deployed_units():
    """How many mistral units are deployed (0 if none)."""
    app = status()['applications'].get('mistral')
    return len(app['units']) if app else 0


def unit_status(unit):
    app = unit.split('/')[0]
    return status()['applications'][app]['units'][unit]['workload-status']


def unit_address(unit):
    app = unit.split('/')[0]
    return status()['applications'][app]['units'][unit]['public-address']


def machine_of(unit):
    app = unit.split('/')[0]
    return status()['applications'][app]['units'][unit]['machine']


def hard_stop(unit):
    """Pull the plug on a unit's machine."""
    get_provider().stop(machine_of(unit), kill=True)


def restart(unit):
    """Boot a stopped unit's machine again."""
    get_provider().start(machine_of(unit))


def on_unit(unit, *command):
    """Run a command as root in a unit's machine; its stdout."""
    return localjuju('ssh', unit, '--', *command)


def mistral_fixes(unit):
    """(the charm's fixes, {fix: state} as the charm last logged them on
    the unit, e.g. 'applied')."""
    log = localjuju('debug-log', '--replay', '-n', '100000', '--include',
                    unit)
    # 'mistral fix <name>: <state> (<detail>)', not the converge line's
    # 'mistral fix applied: <name>' (a restart key)
    states = dict(re.findall(r'mistral fix (\S+): (\S+) \(', log))
    return sorted(os.listdir(MISTRAL_FIXES)), states


def all_units():
    """{unit: workload status} of every unit, subordinates included."""
    found = {}

    def collect(units):
        for name, unit in units.items():
            found[name] = unit['workload-status']
            collect(unit.get('subordinates', {}))
    for app in status()['applications'].values():
        collect(app['units'])
    return found


def wait(workload=None, timeout=1500):
    """Until no hook is queued and, with `workload`, every unit shows it;
    with 'active', also until Mistral's API answers.

    Juju runs update-status every 5 minutes, which is how a unit notices
    what no relation tells it (a cluster that formed meanwhile); while
    waiting for a workload status we run it every 5 s (it costs a unit
    0.3 s when nothing changed)."""
    deadline = time.time() + timeout
    localjuju('wait', '--timeout', str(timeout), timeout=timeout + 60)
    while workload:
        behind = {u: s for u, s in all_units().items()
                  if s['current'] != workload}
        if not behind:
            break
        if time.time() > deadline:
            raise CloudError('not {}: {}'.format(workload, behind))
        time.sleep(5)
        localjuju('update-status')
    if workload == 'active':
        wait_for_api(unit_address(next(
            u for u in all_units() if u.startswith('mistral/'))),
            cafile=fetch_ca())


def leader_of(app):
    units = status()['applications'][app]['units']
    return next(name for name, unit in units.items() if unit.get('leader'))


def log_count(text, units):
    """How many lines of the units' logs (juju-log and hooks) hold text."""
    count = 0
    for unit in units:
        path = os.path.join(paths.log_dir(), 'unit-{}.log'.format(
            unit.replace('/', '-')))
        try:
            with open(path, errors='replace') as f:
                count += sum(text in line for line in f)
        except FileNotFoundError:
            pass
    return count


class ApiProbe(threading.Thread):
    """Asks the API at `addresses` every `interval` s until stopped: up
    when one of them answers (what a client of a VIP or of DNS round robin
    sees). Keeps every answer, (time asked, up)."""

    def __init__(self, addresses, cafile, interval=1.0, timeout=3):
        super().__init__(daemon=True)
        self.addresses, self.cafile = addresses, cafile
        self.interval, self.timeout = interval, timeout
        self.stopping = threading.Event()
        self.results = []

    def run(self):
        while not self.stopping.is_set():
            asked = time.time()
            self.results.append((asked, any(
                api_up(a, timeout=self.timeout, cafile=self.cafile)
                for a in self.addresses)))
            self.stopping.wait(self.interval)

    def stop(self):
        self.stopping.set()
        self.join()

    def outages(self):
        """[(first failed probe, next answer or last probe)]."""
        found, since = [], None
        for asked, up in self.results:
            if not up and since is None:
                since = asked
            elif up and since is not None:
                found.append((since, asked))
                since = None
        if since is not None:
            found.append((since, self.results[-1][0]))
        return found

    def longest_outage(self):
        """Seconds of the longest time with no answer."""
        return max((end - begin for begin, end in self.outages()),
                   default=0.0)

    def failures_in_a_row(self):
        longest = run = 0
        for _, up in self.results:
            run = 0 if up else run + 1
            longest = max(longest, run)
        return longest

    def recovered_after(self, start, steady=3.0):
        """Seconds from `start` until the API answered again, for good
        (`steady` seconds without a failure); None before that."""
        results = list(self.results)
        failures = [t for t, up in results if t >= start and not up]
        if not failures:
            return None
        after = [t for t, up in results if t > failures[-1] and up]
        if not after or results[-1][0] - after[0] < steady:
            return None
        return after[0] - start

    def failure_times(self):
        return [time.strftime('%H:%M:%S', time.localtime(t))
                for t, up in self.results if not up]


def wait_for_status(unit, state, message_start='', timeout=300):
    """Until `unit` shows `state` with a message starting so."""
    deadline = time.time() + timeout
    while True:
        current = unit_status(unit)
        if (current['current'] == state and
                current['message'].startswith(message_start)):
            return current
        if time.time() > deadline:
            raise CloudError('{} is {}: {!r}, not {} {!r}'.format(
                unit, current['current'], current['message'], state,
                message_start))
        localjuju('update-status', unit)
        time.sleep(2)


def fetch_ca():
    """The vault stand-in's CA copied to CA_FILE for the host's clients;
    None when the model has no vault (then everything speaks plain http)."""
    if 'vault' not in status()['applications']:
        return None
    pem = on_unit('vault/0', 'cat', VAULT_CA)
    os.makedirs(os.path.dirname(CA_FILE), exist_ok=True)
    with open(CA_FILE, 'w') as f:
        f.write(pem)
    return CA_FILE


def api_url(address, cafile=None):
    """Mistral's public URL there: https when we hold the CA to check it."""
    return '{}://{}:{}/'.format('https' if cafile else 'http', address,
                                API_PORT)


def api_up(address, timeout=5, cafile=None):
    """Does Mistral's API answer its version document there (verifying its
    certificate with `cafile`, then over https)?"""
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    try:
        with urllib.request.urlopen(api_url(address, cafile), timeout=timeout,
                                    context=context) as response:
            return response.status == 200
    except OSError:
        return False


def wait_for_api(address, timeout=60, cafile=None):
    """Until Mistral's API answers through haproxy (it takes a few seconds
    after its service starts)."""
    deadline = time.time() + timeout
    while not api_up(address, cafile=cafile):
        if time.time() > deadline:
            raise CloudError('no API at {} after {} s'.format(address,
                                                              timeout))
        time.sleep(1)


def openrc(keystone_address, cafile=None):
    """Admin credentials for the keystone stand-in, as OS_* variables; with
    `cafile` Keystone is on https and OS_CACERT verifies it (and Mistral)."""
    env = {
        'OS_AUTH_URL': '{}://{}:5000/v3'.format(
            'https' if cafile else 'http', keystone_address),
        'OS_USERNAME': 'admin',
        'OS_PASSWORD': ADMIN_PASSWORD,
        'OS_PROJECT_NAME': 'admin',
        'OS_USER_DOMAIN_NAME': 'Default',
        'OS_PROJECT_DOMAIN_NAME': 'Default',
        'OS_IDENTITY_API_VERSION': '3',
        'OS_REGION_NAME': 'RegionOne',
    }
    if cafile:
        env['OS_CACERT'] = cafile
    return env


def keystone_session(env):
    from keystoneauth1 import session
    from keystoneauth1.identity import v3
    auth = v3.Password(auth_url=env['OS_AUTH_URL'],
                       username=env['OS_USERNAME'],
                       password=env['OS_PASSWORD'],
                       project_name=env['OS_PROJECT_NAME'],
                       user_domain_name=env['OS_USER_DOMAIN_NAME'],
                       project_domain_name=env['OS_PROJECT_DOMAIN_NAME'])
    return session.Session(auth=auth, verify=env.get('OS_CACERT', True))


def catalog_endpoints(env, service_type):
    """{interface: url} of a service in the Keystone catalog."""
    sess = keystone_session(env)
    access = sess.auth.get_access(sess)
    for entry in access.service_catalog.catalog:
        if entry['type'] == service_type:
            return {e['interface']: e['url'] for e in entry['endpoints']}
    return {}


def mistral(env):
    """python-mistralclient, finding Mistral through the catalog."""
    from mistralclient.api.v2 import client
    sess = keystone_session(env)
    url = sess.get_endpoint(service_type=SERVICE_TYPE, interface='public')
    # mistralclient sets `verify` per request itself: give it the CA too
    return client.Client(mistral_url=url, session=sess,
                         cacert=env.get('OS_CACERT'))


def run_workflow(client, name, workflow_input=None, timeout=120):
    """Start `name`, wait for it to finish; the execution."""
    execution = client.executions.create(name, workflow_input=workflow_input or {})
    return wait_for_execution(client, execution.id, timeout)


def wait_for_cron_runs(client, workflow, count, timeout, trigger=None):
    """The finished executions of `workflow` that a cron trigger (`trigger`
    when given: Mistral names its id in their description) started, once
    there are `count` of them or `timeout` seconds passed."""
    deadline = time.time() + timeout
    marker = trigger.id if trigger else 'cron trigger'
    while True:
        done = [e for e in client.executions.list(workflow_name=workflow)
                if marker in (e.description or '') and
                e.state != 'RUNNING']
        if len(done) >= count or time.time() > deadline:
            return done
        time.sleep(5)


def wait_for_execution(client, execution_id, timeout=120):
    deadline = time.time() + timeout
    while True:
        execution = client.executions.get(execution_id)
        if execution.state not in ('IDLE', 'RUNNING', 'PAUSED'):
            return execution
        if time.time() > deadline:
            raise CloudError('execution {} still {} after {} s'.format(
                execution_id, execution.state, timeout))
        time.sleep(1)


def _seconds(stamp):
    """Mistral's 'YYYY-MM-DD HH:MM:SS' (UTC) as epoch seconds."""
    return calendar.timegm(time.strptime(stamp[:19], '%Y-%m-%d %H:%M:%S'))


def duration(execution):
    return _seconds(execution.updated_at) - _seconds(execution.created_at)


def updated_at(execution):
    """When an execution last changed, in epoch seconds."""
    return _seconds(execution.updated_at)


def server_now():
    """Now, in the form of Mistral's timestamps (machines share our clock)."""
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())


def ensure_workflow(client, filename):
    """Upload a workflow file once; its definition object(s)."""
    path = os.path.join(WORKFLOWS, filename)
    names = [w.name for w in client.workflows.list()]
    name = os.path.splitext(filename)[0]
    if name in names:
        return client.workflows.update(path)
    return client.workflows.create(path)


def mistral_services_of(unit):
    """The Mistral services `unit` runs: with its extra engines
    (engine-workers: mistral-engine@2, ...), and the periodic server where
    its release has one (Mistral 23 and later)."""
    periodic = on_unit(unit, 'systemctl', 'list-unit-files', '--no-legend',
                       PERIODIC_SERVICE + '.service')
    engines = on_unit(unit, 'systemctl', 'list-units', '--no-legend',
                      '--plain', 'mistral-engine@*.service')
    extra = tuple(sorted(line.split()[0][:-len('.service')]
                         for line in engines.splitlines() if line.strip()))
    return MISTRAL_SERVICES + extra + (
        (PERIODIC_SERVICE,) if periodic.strip() else ())


def unit_services(unit):
    """What `unit` runs: Mistral's services (mistral_services_of) and its
    front ends."""
    return mistral_services_of(unit) + FRONT_ENDS


def service_start_times(unit, services):
    """Monotonic start time of each service in a unit's machine."""
    return systemd_show.start_times(on_unit(
        unit, 'systemctl', *systemd_show.SHOW_START_TIMES, *services))
