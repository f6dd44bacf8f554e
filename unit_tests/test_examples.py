"""The examples hold together without a Mistral: each has a README, a
workflow file of Mistral's v2 language, and JSON input; a reverse graph
requires only its own tasks; the actions are the ones the READMEs say."""

import json
import os
import unittest

import yaml

from unit_tests import CHARM_ROOT

EXAMPLES = os.path.join(CHARM_ROOT, 'examples')
# example -> action namespaces its workflows may use
NAMESPACES = {'ssh-maintenance': {'std'},
              'keystone-environment': {'std', 'keystone'},
              'report-graph': {'std'}}


def read(name, filename):
    with open(os.path.join(EXAMPLES, name, filename)) as f:
        return f.read()


def workflows(name):
    spec = yaml.safe_load(read(name, 'workflow.yaml'))
    assert spec.pop('version') == '2.0'
    return spec


class TestExamples(unittest.TestCase):

    def test_there_is_one_example_per_story(self):
        self.assertEqual(sorted(os.listdir(EXAMPLES)), sorted(NAMESPACES))

    def test_each_example_has_a_readme_naming_its_workflows(self):
        for name in NAMESPACES:
            with self.subTest(name=name):
                readme = read(name, 'README.md')
                for wf in workflows(name):
                    self.assertIn(wf, readme)
                json.loads(read(name, 'input.json'))

    def test_actions_come_from_the_namespaces_the_readme_promises(self):
        for name, allowed in NAMESPACES.items():
            for wf, spec in workflows(name).items():
                for task, body in spec['tasks'].items():
                    action = body.get('action')
                    if not action or action.startswith('<%'):
                        continue
                    with self.subTest(task=task):
                        self.assertIn(action.split('.')[0], allowed)

    def test_the_report_graph_is_a_reverse_graph_of_its_own_tasks(self):
        spec = workflows('report-graph')['report_graph']
        self.assertEqual(spec['type'], 'reverse')
        tasks = spec['tasks']
        for task, body in tasks.items():
            self.assertLessEqual(set(body.get('requires', [])), set(tasks))
        self.assertEqual(tasks['join']['requires'],
                         ['transform', 'fetch_targets'])
        self.assertEqual(tasks['transform']['retry']['count'], 2)
        self.assertIn('report', json.loads(
            read('report-graph', 'expected-output.json')))

    def test_the_ssh_example_reports_each_host_through_a_subworkflow(self):
        spec = workflows('ssh-maintenance')
        each = spec['maintenance_nightly']['tasks']['on_each_host']
        self.assertTrue(each['workflow'].startswith('maintenance_host '))
        run = spec['maintenance_host']['tasks']['run']
        self.assertTrue(run['action'].startswith('std.ssh '))
        self.assertNotIn('private_key', run['action'])  # the charm's key
        self.assertEqual(run['on-error'], ['unreachable'])
        self.assertIn('cron-trigger-create', read('ssh-maintenance',
                                                  'README.md'))
