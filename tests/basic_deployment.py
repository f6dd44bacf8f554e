"""amulet: the basic deployment of the Mistral charm, as the classic
OpenStack charms tested it (tests/gate-basic-<series>-<release> run it).

The topology is the real-Juju suites' base bundle (tests/bundles/, via
suite_bundles.merged()); sentries check the services, the relation data
Mistral sends, its config file, and a workflow run through
python-mistralclient under Keystone v3.  Run from tests/ after `make
build` (the bundle deploys the packed .charm).
"""
import os
import time

import amulet
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from mistralclient.api.v2 import client as mistral_client

import suite_bundles
from charm_facts import FACTS

WORKFLOWS = os.path.join(suite_bundles.TESTS, 'functional', 'workflows')


class MistralBasicDeployment(object):

    def __init__(self, release, timeout=5400):
        self.release = release
        bundle = suite_bundles.merged(release)
        self.bundle = bundle
        series = {'22.04': 'jammy', '24.04': 'noble'}[
            bundle['default-base'].split('@')[1].split('/')[0]]
        self.d = amulet.Deployment(series=series)
        self.d.load(bundle)
        self.d.setup(timeout=timeout)
        self.d.sentry.wait(timeout=timeout)
        self.mistral = self.d.sentry['mistral'][0]
        self.keystone = self.d.sentry['keystone'][0]

    def run_tests(self):
        for name in sorted(n for n in dir(self) if n.startswith('test_')):
            getattr(self, name)()
        amulet.raise_status(amulet.PASS)

    @staticmethod
    def check(condition, message):
        if not condition:
            amulet.raise_status(amulet.FAIL, msg=message)

    # ---- sentries --------------------------------------------------------
    def test_100_services_running(self):
        services = ' '.join(FACTS.SERVICES)
        output, code = self.mistral.run('systemctl is-active ' + services)
        self.check(code == 0 and set(output.split()) == {'active'},
                   'not all of {} active: {}'.format(services, output))

    def test_110_workload_status_ready(self):
        status = self.d.sentry.get_status()
        message = status['mistral']['mistral/0']['workload-status']['message']
        self.check(message == FACTS.READY, 'mistral/0: ' + message)

    # ---- relations -------------------------------------------------------
    def test_200_shared_db_relation(self):
        data = self.d.sentry['mistral-mysql-router'][0].relation(
            'shared-db', 'mistral:shared-db')
        self.check(data.get('database') == 'mistral' and
                   data.get('username') == 'mistral',
                   'shared-db from mistral: {}'.format(data))

    def test_210_amqp_relation(self):
        data = self.d.sentry['rabbitmq-server'][0].relation(
            'amqp', 'mistral:amqp')
        self.check(data.get('username') == 'mistral' and
                   data.get('vhost') == 'openstack',
                   'amqp from mistral: {}'.format(data))

    def test_220_identity_service_relation(self):
        data = self.keystone.relation('identity-service',
                                      'mistral:identity-service')
        self.check(data.get('service') == FACTS.SERVICE_NAME,
                   'identity-service from mistral: {}'.format(data))
        for key in ('public_url', 'internal_url', 'admin_url'):
            self.check(':{}{}'.format(FACTS.API_PORT, FACTS.API_PATH) in
                       data.get(key, ''), '{}: {}'.format(key, data))

    def test_230_identity_credentials_reach_mistral(self):
        data = self.mistral.relation('identity-service',
                                     'keystone:identity-service')
        for key in ('service_host', 'auth_port', 'service_username',
                    'service_password'):
            self.check(data.get(key), 'keystone sent no {}: {}'.format(
                key, data))

    # ---- config and workload -------------------------------------------
    def test_300_mistral_conf(self):
        conf = self.mistral.file_contents(FACTS.MISTRAL_CONF)
        for expected in ('[database]', 'connection = mysql+pymysql://',
                         '[keystone_authtoken]', 'transport_url = rabbit://'):
            self.check(expected in conf, '{} lacks {!r}'.format(
                FACTS.MISTRAL_CONF, expected))

    def test_400_workflow_runs_to_success(self):
        options = self.bundle['applications']['keystone']['options']
        auth = v3.Password(
            auth_url='http://{}:5000/v3'.format(self.keystone.info['public-address']),
            username='admin', password=options['admin-password'],
            project_name='admin', user_domain_name='admin_domain',
            project_domain_name='admin_domain')
        session = ks_session.Session(auth=auth)
        client = mistral_client.Client(
            mistral_url=session.get_endpoint(service_type=FACTS.SERVICE_TYPE,
                                             interface='public'),
            session=session)
        client.workflows.create(os.path.join(WORKFLOWS, 'fanout_join.yaml'))
        execution = client.executions.create('fanout_join')
        deadline = time.time() + 300
        while execution.state in ('IDLE', 'RUNNING') and time.time() < deadline:
            time.sleep(2)
            execution = client.executions.get(execution.id)
        self.check(execution.state == 'SUCCESS', 'fanout_join: {} {}'.format(
            execution.state, execution.state_info))
