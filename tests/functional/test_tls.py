"""TLS on the HA bundle (test_ha.py's deployment, shared): the API over
https through the VIP and every unit, TLS 1.2 and newer only, certificates
from the vault stand-in and from config, a reissue served without a failed
request, Keystone on https, RabbitMQ and MariaDB with TLS, and bad
certificates refused while the last good one keeps serving.

`make tls_test` runs this module alone and prints the line it writes."""

import base64
import importlib.util
import os
import ssl
import subprocess
import threading
import time
import urllib.request

import pytest

import mistral_cloud as cloud

SERIES = 'trixie'
BUNDLE = cloud.HA_BUNDLE
VIP = '10.211.77.200'
TLS_RESULT = '/var/lib/localcloud/tls-result.txt'
CERTIFICATES = ('mistral:certificates', 'vault:certificates')
EXECUTIONS = 10


def _load_pki():
    # the stand-ins' openssl helpers (tests/charms/lib is no package)
    path = os.path.join(cloud.TESTS, 'charms', 'lib', 'pki.py')
    spec = importlib.util.spec_from_file_location('pki', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pki = _load_pki()


@pytest.fixture(scope='module')
def tls_figures():
    """What this module measures; its line is written for `make tls_test`."""
    figures = {}
    yield figures
    line = ('TLS: https {}, tls1.1 {}, reissue failed-requests {}, '
            'amqp-tls {}, db-tls {}, bad-certs {}/{}'.format(
                figures.get('https', 'failed'),
                figures.get('tls1.1', 'not-refused'),
                figures.get('reissue-failed', '-'),
                figures.get('amqp-tls', '-'), figures.get('db-tls', '-'),
                *figures.get('bad-certs', ('-', '-'))))
    with open(TLS_RESULT, 'w') as f:
        f.write(line + '\n')


def addresses():
    """The VIP and every unit's address: where clients reach the API."""
    return [VIP] + [cloud.unit_address(u) for u in cloud.mistral_units()]


def curl(url, cafile):
    """(exit code, HTTP status) of `curl --cacert`."""
    res = subprocess.run(['curl', '-sS', '-o', '/dev/null', '-w',
                          '%{http_code}', '--max-time', '10',
                          '--cacert', cafile, url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    return res.returncode, res.stdout


def s_client(address, *options):
    """(exit code, output) of an `openssl s_client` handshake with the
    API's port."""
    res = subprocess.run(['openssl', 's_client', '-connect',
                          '{}:{}'.format(address, cloud.API_PORT)] +
                         list(options),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True,
                         timeout=30)
    return res.returncode, res.stdout


def served_cert(address):
    """The certificate the API presents there (PEM)."""
    _, out = s_client(address, '-showcerts')
    start = out.index('-----BEGIN CERTIFICATE-----')
    end = out.index('-----END CERTIFICATE-----') + len(
        '-----END CERTIFICATE-----')
    return out[start:end] + '\n'


def served_fingerprints():
    return {a: pki.fingerprint(served_cert(a)) for a in addresses()}


def b64(text):
    return base64.b64encode(text.encode()).decode()


def unit_client(deployment, address):
    """python-mistralclient talking to one address (not the catalog's)."""
    from mistralclient.api.v2 import client
    return client.Client(
        mistral_url='https://{}:{}/v2'.format(address, cloud.API_PORT),
        session=cloud.keystone_session(deployment['env']),
        cacert=deployment['cafile'])


def statuses():
    return {u: cloud.unit_status(u) for u in cloud.mistral_units()}


def wait_all(state, words='', timeout=300):
    for unit in cloud.mistral_units():
        cloud.wait_for_status(unit, state, words, timeout=timeout)


# -- https, protocols, the catalog ------------------------------------------

def test_api_over_https_through_the_vip_and_each_unit(deployment,
                                                      tls_figures):
    cafile = deployment['cafile']
    assert cafile, 'the bundle has no vault: no TLS'
    for address in addresses():
        assert curl(cloud.api_url(address, cafile), cafile) == (0, '200'), \
            address
        assert pki.verifies(open(cafile).read(), served_cert(address))
        unit_client(deployment, address).workflows.list()
    deployment['mistral'].workflows.list()   # through the catalog: the VIP
    tls_figures['https'] = 'ok'


def test_plain_http_on_the_public_port_does_not_serve_the_api(deployment):
    for address in addresses():
        try:
            with urllib.request.urlopen('http://{}:{}/'.format(
                    address, cloud.API_PORT), timeout=10) as response:
                body = response.read().decode(errors='replace')
                assert 'versions' not in body, address
        except OSError:   # refused, reset or an HTTP error: not served
            pass


def test_tls_1_1_is_refused_and_1_2_accepted(deployment, tls_figures):
    for address in addresses():
        # SECLEVEL=0: our client would speak TLS 1.1; the server must not
        rc, out = s_client(address, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0')
        assert rc != 0, (address, out[-500:])
        rc, out = s_client(address, '-tls1_2')
        assert rc == 0, (address, out[-500:])
    tls_figures['tls1.1'] = 'refused'


def test_catalog_mistral_urls_are_https(deployment):
    url = 'https://{}:{}/v2'.format(VIP, cloud.API_PORT)
    assert cloud.catalog_endpoints(deployment['env'], cloud.SERVICE_TYPE) \
        == {'public': url, 'internal': url, 'admin': url}


# -- Keystone, RabbitMQ and MariaDB with TLS --------------------------------

def test_keystone_on_https_validates_tokens_and_runs_a_workflow(deployment):
    assert deployment['env']['OS_AUTH_URL'].startswith('https://')
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'fanout_join.yaml')
    # today's keystone sends no CA (Mistral trusts vault's); a pre-2018 one
    # sent https_keystone and ca_cert: both ways tokens validate
    for send_ca in ('false', 'true'):
        cloud.localjuju('config', 'keystone', 'send-ca-cert=' + send_ca)
        cloud.wait(workload='active')
        execution = cloud.run_workflow(client, 'fanout_join', {'msg': 'tls'})
        assert execution.state == 'SUCCESS', execution.state_info
    cloud.localjuju('config', 'keystone', '--reset', 'send-ca-cert')
    cloud.wait(workload='active')


def test_rabbitmq_lists_mistral_connections_with_tls(deployment,
                                                     tls_figures):
    out = cloud.on_unit('rabbitmq-server/0', 'rabbitmqctl', '-q',
                        '--no-table-headers', 'list_connections', 'user',
                        'ssl')
    flags = [line.split()[1] for line in out.splitlines()
             if line.split() and line.split()[0] == 'mistral']
    tls_figures['amqp-tls'] = 'yes' if flags and set(flags) == {'true'} \
        else 'no'
    assert flags and set(flags) == {'true'}, out


SSL_CIPHER = '''
import configparser, sqlalchemy
conf = configparser.RawConfigParser(strict=False)
conf.read('/etc/mistral/mistral.conf')
engine = sqlalchemy.create_engine(conf.get('database', 'connection'))
with engine.connect() as db:
    print(db.exec_driver_sql("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
          .fetchone()[1])
'''


def test_mariadb_reports_an_ssl_cipher_for_mistral_sessions(deployment,
                                                            tls_figures):
    ciphers = {u: cloud.on_unit(u, 'python3', '-c', SSL_CIPHER).strip()
               for u in cloud.mistral_units()}
    # and MariaDB lets Mistral's user in with TLS only
    required = cloud.on_unit('mysql/0', 'mariadb', '-N', '-e',
                             "SELECT DISTINCT ssl_type FROM mysql.user "
                             "WHERE user = 'mistral'").split()
    tls_figures['db-tls'] = 'yes' if all(ciphers.values()) \
        and required == ['ANY'] else 'no'
    assert all(ciphers.values()), ciphers
    assert required == ['ANY']


# -- a reissued certificate --------------------------------------------------

class Prober(threading.Thread):
    """GETs the API's version document at every address in turn, verifying
    the certificate, until stopped; counts what failed."""

    def __init__(self, targets, cafile):
        super().__init__(daemon=True)
        self.targets, self.stopping = targets, False
        self.context = ssl.create_default_context(cafile=cafile)
        self.requests, self.failures = 0, []

    def run(self):
        while not self.stopping:
            for address in self.targets:
                self.requests += 1
                try:
                    with urllib.request.urlopen(
                            'https://{}:{}/'.format(address, cloud.API_PORT),
                            timeout=5, context=self.context) as response:
                        response.read()
                except OSError as exc:
                    self.failures.append((address, repr(exc)))
            time.sleep(0.1)

    def stop(self):
        self.stopping = True
        self.join()


def test_reissued_certificate_is_served_without_a_failed_request(
        deployment, tls_figures):
    client = deployment['mistral']
    cloud.ensure_workflow(client, 'steps_and_fanout.yaml')
    before = served_fingerprints()
    started = {u: cloud.service_start_times(u, cloud.MISTRAL_SERVICES)
               for u in cloud.mistral_units()}
    ids = [client.executions.create('steps_and_fanout', workflow_input={}).id
           for _ in range(EXECUTIONS)]
    prober = Prober(addresses(), deployment['cafile'])
    prober.start()
    try:
        cloud.localjuju('run', 'vault/0', 'reissue-certificates')
        cloud.wait(workload='active')
        deadline = time.time() + 120
        while any(a == b for a, b in zip(
                served_fingerprints().values(), before.values())):
            assert time.time() < deadline, 'the old certificate is served'
            time.sleep(2)
        time.sleep(3)
    finally:
        prober.stop()
    tls_figures['reissue-failed'] = len(prober.failures)
    assert prober.requests > 0 and prober.failures == [], prober.failures[:5]
    finished = [cloud.wait_for_execution(client, i, timeout=300) for i in ids]
    assert [e.state for e in finished] == ['SUCCESS'] * EXECUTIONS
    assert {u: cloud.service_start_times(u, cloud.MISTRAL_SERVICES)
            for u in cloud.mistral_units()} == started


# -- certificates from config, bad ones, then the relation again -----------

def config_bundle(ca_cert, ca_key):
    """A certificate for every address and host name clients use."""
    names = addresses() + [cloud.on_unit(u, 'hostname').strip()
                           for u in cloud.mistral_units()]
    cert, key = pki.issue(ca_cert, ca_key, names[0], names[1:])
    return cert, key


def set_ssl(cert=None, key=None, ca=None):
    """Set (a value) or reset (None) ssl_cert, ssl_key, ssl_ca at once."""
    words, resets = [], []
    for option, value in (('ssl_cert', cert), ('ssl_key', key),
                          ('ssl_ca', ca)):
        if value is None:
            resets += ['--reset', option]
        else:
            words.append('{}={}'.format(option, value))
    cloud.localjuju('config', 'mistral', *(words + resets))
    cloud.wait()


def test_certificates_from_config_then_bad_ones_then_the_relation(
        deployment, tls_figures, tmp_path):
    ca_cert, ca_key = pki.make_ca('charm-mistral test CA')
    ca_file = tmp_path / 'config-ca.pem'
    ca_file.write_text(ca_cert)
    good_cert, good_key = config_bundle(ca_cert, ca_key)
    cloud.localjuju('remove-relation', *CERTIFICATES)
    set_ssl(b64(good_cert), b64(good_key), b64(ca_cert))
    wait_all('active', 'Unit is ready')
    good = pki.fingerprint(good_cert)
    for address in addresses():
        assert curl(cloud.api_url(address, ca_file), str(ca_file)) == \
            (0, '200'), address
    assert set(served_fingerprints().values()) == {good}

    other_ca, other_key = pki.make_ca('not the CA of ssl_cert')
    stray_cert, stray_key = config_bundle(other_ca, other_key)
    expired, expired_key = pki.issue(ca_cert, ca_key, VIP, [], days=-1)
    cases = [   # (name, (ssl_cert, ssl_key, ssl_ca), options the message
        #          may name)
        ('not base64', ('*not base64*', b64(good_key), b64(ca_cert)),
         ('ssl_cert',)),
        ('not PEM', (b64('hello'), b64(good_key), b64(ca_cert)),
         ('ssl_cert',)),
        ('key mismatch', (b64(good_cert), b64(stray_key), b64(ca_cert)),
         ('ssl_key', 'ssl_cert')),
        ('expired', (b64(expired), b64(expired_key), b64(ca_cert)),
         ('ssl_cert',)),
        ('wrong CA', (b64(stray_cert), b64(stray_key), b64(ca_cert)),
         ('ssl_ca', 'ssl_cert')),
        ('half a pair', (b64(good_cert), None, b64(ca_cert)),
         ('ssl_key',)),
    ]
    blocked, wrong = 0, []
    for name, values, options in cases:
        set_ssl(*values)
        seen = statuses()
        ok = all(s['current'] == 'blocked' and
                 any(o in s['message'] for o in options)
                 for s in seen.values())
        still = set(served_fingerprints().values()) == {good}
        blocked += ok and still
        if not (ok and still):
            wrong.append((name, seen, still))
        set_ssl(b64(good_cert), b64(good_key), b64(ca_cert))
        wait_all('active', 'Unit is ready')
    tls_figures['bad-certs'] = (blocked, len(cases))

    set_ssl()
    cloud.localjuju('add-relation', *CERTIFICATES)
    cloud.wait(workload='active')
    vault_ca = open(deployment['cafile']).read()
    for address in addresses():
        assert pki.verifies(vault_ca, served_cert(address)), address
    assert wrong == []
