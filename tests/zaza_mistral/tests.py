"""Mistral on real Juju, through zaza: a workflow to SUCCESS over TLS, cron
firing once per tick across the units, an engine killed mid-execution,
pause/resume, restart on changed config.

Named in tests/tests.yaml; zaza imports it from the charm's root
(`tests.zaza_mistral.tests`).  Only zaza (PyPI), keystoneauth1 and
python-mistralclient: `make suites_check` imports it here.
"""
import collections
import os
import tempfile
import time
import unittest

import zaza.model
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from mistralclient.api.v2 import client as mistral_client

from tests import cron_ticks, systemd_show
from tests.charm_facts import FACTS

APP = 'mistral'
WORKFLOWS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'functional', 'workflows')
# keystone charm's v3 admin, with the bundle's admin-password
ADMIN_DOMAIN = 'admin_domain'


def keystone_session(cacert):
    """Admin session on the cloud's keystone, trusting vault's CA."""
    address = zaza.model.get_app_ips('keystone')[0]
    password = zaza.model.get_application_config(
        'keystone')['admin-password']['value']
    auth = v3.Password(auth_url='https://{}:5000/v3'.format(address),
                       username='admin', password=password,
                       project_name='admin',
                       user_domain_name=ADMIN_DOMAIN,
                       project_domain_name=ADMIN_DOMAIN)
    return ks_session.Session(auth=auth, verify=cacert)


def vault_ca():
    """vault's root CA in a file (keystone and Mistral serve its certs)."""
    action = zaza.model.run_action_on_leader('vault', 'get-root-ca')
    handle, path = tempfile.mkstemp(suffix='.crt')
    with os.fdopen(handle, 'w') as f:
        f.write(action.data['results']['output'])
    return path


class MistralTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cacert = vault_ca()
        cls.session = keystone_session(cls.cacert)
        cls.url = cls.session.get_endpoint(service_type=FACTS.SERVICE_TYPE,
                                           interface='public')
        # mistralclient sets `verify` on each request: it needs the CA too
        cls.client = mistral_client.Client(mistral_url=cls.url,
                                           session=cls.session,
                                           cacert=cls.cacert)
        cls.units = sorted(u.entity_id for u in zaza.model.get_units(APP))

    # ---- helpers ---------------------------------------------------------
    def upload(self, filename):
        name = os.path.splitext(filename)[0]
        path = os.path.join(WORKFLOWS, filename)
        if name in [w.name for w in self.client.workflows.list()]:
            return self.client.workflows.update(path)
        return self.client.workflows.create(path)

    def finished(self, execution_id, timeout=300):
        deadline = time.time() + timeout
        while True:
            execution = self.client.executions.get(execution_id)
            if execution.state not in ('IDLE', 'RUNNING', 'PAUSED'):
                return execution
            if time.time() > deadline:
                self.fail('execution {} still {} after {} s'.format(
                    execution_id, execution.state, timeout))
            time.sleep(2)

    # systemd, not pgrep: Ubuntu's three services are all `mistral-server`
    def start_times(self, unit):
        """{service: monotonic start time} on a unit."""
        command = ['systemctl'] + systemd_show.SHOW_START_TIMES + \
            FACTS.MISTRAL_SERVICES
        return systemd_show.start_times(zaza.model.run_on_unit(
            unit, ' '.join(command))['Stdout'])

    def wait_for_services(self, unit, state, services=FACTS.MISTRAL_SERVICES,
                          timeout=180):
        """Until `systemctl is-active` says `state` of each service."""
        deadline = time.time() + timeout
        while True:
            out = zaza.model.run_on_unit(unit, 'systemctl is-active ' +
                                         ' '.join(services))['Stdout']
            if out.split() == [state] * len(services):
                return
            if time.time() > deadline:
                self.fail('{} on {}: {}'.format(services, unit, out.split()))
            time.sleep(3)

    # ---- tests -----------------------------------------------------------
    def test_100_workflow_runs_to_success(self):
        self.upload('fanout_join.yaml')
        execution = self.client.executions.create('fanout_join')
        self.assertEqual(self.finished(execution.id).state, 'SUCCESS')

    def test_110_endpoints_are_tls(self):
        catalog = self.session.auth.get_access(self.session).service_catalog
        urls = catalog.get_endpoints(
            service_type=FACTS.SERVICE_TYPE)[FACTS.SERVICE_TYPE]
        self.assertEqual(len(urls), 3)   # public, internal, admin
        for endpoint in urls:
            self.assertTrue(endpoint['url'].startswith('https://'), endpoint)
        # the certificate vault issued verifies against its CA
        response = self.session.get(self.url.rsplit('/v2', 1)[0] + '/',
                                    authenticated=False)
        self.assertEqual(response.status_code, 200)

    def test_200_cron_fires_once_per_tick_across_units(self):
        self.upload('tick.yaml')
        trigger = self.client.cron_triggers.create(
            'zaza-tick', 'tick', pattern='* * * * *')
        try:
            time.sleep(4 * 60 + 30)
        finally:
            self.client.cron_triggers.delete(trigger.name)
        per_minute = collections.Counter(
            cron_ticks.tick(e) for e in
            self.client.executions.list(workflow_name='tick')
            if 'cron trigger' in (e.description or ''))
        self.assertGreaterEqual(len(per_minute), 4, per_minute)
        self.assertEqual(set(per_minute.values()), {1}, per_minute)

    def test_300_engine_killed_mid_execution_is_recovered(self):
        self.upload('long_sleep.yaml')
        execution = self.client.executions.create('long_sleep')
        time.sleep(5)
        for unit in self.units:
            zaza.model.run_on_unit(
                unit, 'systemctl kill -s KILL {}'.format(FACTS.ENGINE_SERVICE))
        for unit in self.units:
            self.wait_for_services(unit, 'active', [FACTS.ENGINE_SERVICE])
        self.assertEqual(self.finished(execution.id, timeout=600).state,
                         'SUCCESS')

    def test_400_pause_and_resume(self):
        unit = self.units[0]
        zaza.model.run_action(unit, 'pause', raise_on_failure=True)
        zaza.model.block_until_unit_wl_status(unit, 'maintenance')
        self.wait_for_services(unit, 'inactive')
        zaza.model.run_action(unit, 'resume', raise_on_failure=True)
        zaza.model.block_until_unit_wl_status(unit, 'active')
        self.wait_for_services(unit, 'active')

    def test_500_changed_config_restarts_the_services(self):
        before = {u: self.start_times(u) for u in self.units}
        zaza.model.set_application_config(APP, {'debug': 'True'})
        try:
            zaza.model.block_until_file_has_contents(
                APP, FACTS.MISTRAL_CONF, 'debug = True')
            zaza.model.block_until_all_units_idle()
            for unit in self.units:
                after = self.start_times(unit)
                for service in FACTS.MISTRAL_SERVICES:
                    self.assertGreater(after[service], before[unit][service],
                                       '{} {}'.format(unit, service))
        finally:
            zaza.model.set_application_config(APP, {'debug': 'False'})
            zaza.model.block_until_all_units_idle()
