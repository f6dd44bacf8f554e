"""What the spec's scripts share: the juju CLI, the model's status, openrc
from keystone, python-mistralclient.  MOJO_LOCAL=1: the local cloud
(tests/localjuju as `juju`, its stand-in keystone: domain Default, http)."""
import json
import os
import subprocess
import sys
import tempfile
import time

LOCAL = bool(os.environ.get('MOJO_LOCAL'))
SPEC = os.path.dirname(os.path.abspath(__file__))
# the tests' standalone helpers (cron_ticks) two folders up
sys.path.insert(0, os.path.dirname(os.path.dirname(SPEC)))
import cron_ticks  # noqa: E402,F401
TIMEOUT = int(os.environ.get('MOJO_WAIT_TIMEOUT', '1800'))


def juju(*args):
    """The juju CLI's stdout; exit on failure, showing why."""
    res = subprocess.run(('juju',) + args, capture_output=True, text=True)
    if res.returncode:
        sys.exit('juju {} failed ({}): {}{}'.format(
            ' '.join(args), res.returncode, res.stdout, res.stderr))
    return res.stdout


def status():
    return json.loads(juju('status', '--format=json'))


def units(status_data, app):
    return status_data['applications'][app].get('units') or {}


def wait_active(timeout=TIMEOUT):
    """Until every unit (subordinates too) is active; the status."""
    deadline = time.time() + timeout
    while True:
        data = status()
        behind = {}
        for app in data['applications']:
            pending = list(units(data, app).items())
            while pending:
                name, unit = pending.pop()
                if unit['workload-status']['current'] != 'active':
                    behind[name] = unit['workload-status']
                pending += list((unit.get('subordinates') or {}).items())
        if not behind:
            return data
        if time.time() > deadline:
            sys.exit('not active after {} s: {}'.format(timeout, behind))
        time.sleep(15)


def openrc():
    """Keystone's admin credentials, as OS_* variables, from the juju CLI:
    its address from status, its password from its config, https with
    vault's CA when keystone has certificates."""
    data = status()
    keystone = data['applications']['keystone']
    address = next(iter(keystone['units'].values()))['public-address']
    env = {'OS_USERNAME': 'admin', 'OS_PROJECT_NAME': 'admin',
           'OS_PASSWORD': juju('config', 'keystone',
                               'admin-password').strip(),
           'OS_USER_DOMAIN_NAME': 'Default' if LOCAL else 'admin_domain',
           'OS_PROJECT_DOMAIN_NAME': 'Default' if LOCAL else 'admin_domain',
           'OS_IDENTITY_API_VERSION': '3'}
    scheme = 'http'
    if 'certificates' in keystone.get('relations', {}):
        scheme = 'https'
        ca = json.loads(juju('run', 'vault/leader', 'get-root-ca',
                             '--format=json'))
        handle, path = tempfile.mkstemp(suffix='.crt')
        with os.fdopen(handle, 'w') as f:
            f.write(next(iter(ca.values()))['results']['output'])
        env['OS_CACERT'] = path
    env['OS_AUTH_URL'] = '{}://{}:5000/v3'.format(scheme, address)
    return env


def mistral(env=None):
    """python-mistralclient on the catalog's public workflowv2 endpoint."""
    from keystoneauth1 import session
    from keystoneauth1.identity import v3
    from mistralclient.api.v2 import client
    env = env or openrc()
    auth = v3.Password(auth_url=env['OS_AUTH_URL'],
                       username=env['OS_USERNAME'],
                       password=env['OS_PASSWORD'],
                       project_name=env['OS_PROJECT_NAME'],
                       user_domain_name=env['OS_USER_DOMAIN_NAME'],
                       project_domain_name=env['OS_PROJECT_DOMAIN_NAME'])
    sess = session.Session(auth=auth, verify=env.get('OS_CACERT', True))
    url = sess.get_endpoint(service_type='workflowv2', interface='public')
    # mistralclient sets `verify` on each request: it needs the CA as well
    return client.Client(mistral_url=url, session=sess,
                         cacert=env.get('OS_CACERT'))
