from unit_tests import fake_juju
from unit_tests.test_mistral_hooks import HookTestCase, MISTRAL

actions = fake_juju.import_in_model('actions')


class TestPauseResume(HookTestCase):

    def run_action(self, name):
        fake_juju.forget_hook_state()
        actions.main(['actions/' + name])

    def test_pause_stops_everything_and_says_so(self):
        self.deploy_ready()
        self.run_action('pause')
        self.assertEqual(self.machine.running, set())
        self.assertEqual(self.juju.status[0], 'maintenance')
        self.assertIn('Paused', self.juju.status[1])

    def test_a_paused_unit_restarts_nothing_on_config_change(self):
        self.deploy_ready()
        self.run_action('pause')
        self.machine.events.clear()
        self.juju.config['debug'] = True
        self.run_hook('config-changed')
        self.assertEqual(self.machine.running, set())
        self.assertEqual(self.machine.events, [])
        self.assertIn('debug = True', self.mistral_conf())

    def test_resume_brings_the_unit_back(self):
        self.deploy_ready()
        self.run_action('pause')
        self.run_action('resume')
        self.assertTrue(set(MISTRAL) <= self.machine.running)
        self.assertEqual(self.juju.status, ('active', 'Unit is ready'))

    def test_unknown_action_fails(self):
        self.run_action('frobnicate')
        self.assertEqual(self.juju.action_failures,
                         ['Action frobnicate is not defined'])
