"""expire-executions: its parameters, where it runs, dry run and delete,
the script's outcome in the action's results, and the Mistral code the
script calls, as every cached release has it."""

import ast
import contextlib
import datetime
import io
import os
import subprocess
import sys
import tempfile
import types
import unittest

import pytest

from unit_tests import CHARM_ROOT, fake_juju
from unit_tests.test_mistral_hooks import HookTestCase

import mistral_expiry
from tools import mistral_sources

sys.path.insert(0, os.path.join(CHARM_ROOT, 'files', 'actions'))
import expire_executions as script  # noqa: E402

actions = fake_juju.import_in_model('actions')
NOW = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
FINISHED = ('SUCCESS', 'ERROR', 'CANCELLED')


class FakeMistralDB:
    """Workflow executions as get_expired_executions() sees them: root
    executions in a terminal state updated before a time."""

    def __init__(self, executions, fail_after=None):
        self.executions = dict(executions)  # id -> (state, days old)
        self.deletes = []                   # the batches deleted
        self.fail_after = fail_after        # batches before one fails

    def expired_ids(self, before, limit=None):
        ids = sorted(i for i, (state, days) in self.executions.items()
                     if state in FINISHED and
                     NOW - datetime.timedelta(days=days) < before)
        return ids[:limit] if limit else ids

    def delete(self, ids):
        if self.fail_after is not None and \
                len(self.deletes) == self.fail_after:
            raise RuntimeError('Lost connection to MySQL server')
        self.deletes.append(list(ids))
        for i in ids:
            del self.executions[i]
        return len(ids)


def run_in_process(db):
    """subprocess.run for the script, run in this process on `db`."""
    def run(cmd, **kwargs):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = script.main(cmd[1:], connect=lambda conf: db)
        return subprocess.CompletedProcess(cmd, code, out.getvalue(), '')
    return run


class ExpireTestCase(HookTestCase):

    def setUp(self):
        super().setUp()
        self.db = FakeMistralDB({
            'old-ok': ('SUCCESS', 10), 'old-error': ('ERROR', 9),
            'old-cancelled': ('CANCELLED', 8), 'new-ok': ('SUCCESS', 1),
            'old-running': ('RUNNING', 30), 'old-paused': ('PAUSED', 30),
            'old-idle': ('IDLE', 30)})
        self.commands = []

        def run(cmd, **kwargs):
            self.commands.append(cmd)
            return run_in_process(self.db)(cmd, **kwargs)
        self.use_run(run)

    def use_run(self, run):
        """What mistral_expiry's subprocess.run does in this test."""
        self.patch(mistral_expiry, 'subprocess', types.SimpleNamespace(
            run=run, PIPE=subprocess.PIPE))

    def run_action(self, **params):
        fake_juju.forget_hook_state()
        self.juju.action_params = dict(
            fake_juju.action_defaults('expire-executions'), **params)
        actions.main(['actions/expire-executions'])


class TestWhereItRuns(ExpireTestCase):

    def test_a_non_leader_refuses_and_says_to_run_it_on_the_leader(self):
        self.deploy_ready()
        self.juju.leader = False
        self.run_action(**{'older-than': '7d', 'dry-run': False})
        self.assertEqual(self.juju.action_failures, [
            'Run expire-executions on the leader unit (this one is not)'])
        self.assertEqual(self.commands, [])
        self.assertEqual(len(self.db.executions), 7)

    def test_a_paused_unit_refuses(self):
        self.deploy_ready()
        actions.main(['actions/pause'])
        self.run_action(**{'older-than': '7d', 'dry-run': False})
        self.assertEqual(self.juju.action_failures,
                         ['The unit is paused: resume it first'])
        self.assertEqual(self.commands, [])

    def test_it_refuses_before_the_database_is_initialised(self):
        self.run_hook('install')
        self.run_action(**{'older-than': '7d'})
        self.assertEqual(self.juju.action_failures,
                         ['The database is not initialised yet'])
        self.assertEqual(self.commands, [])


class TestParameters(ExpireTestCase):

    def assert_fails_naming(self, message, **params):
        self.deploy_ready()
        self.run_action(**params)
        self.assertEqual(self.juju.action_failures, [message])
        self.assertEqual(self.commands, [])

    def test_older_than_is_required(self):
        self.assert_fails_naming(
            "older-than: '' is not a positive number followed by one of "
            "m, h, d, w (e.g. 7d, 12h)")

    def test_a_negative_age_is_refused(self):
        self.assert_fails_naming(
            "older-than: '-7d' is not a positive number followed by one of "
            "m, h, d, w (e.g. 7d, 12h)", **{'older-than': '-7d'})

    def test_an_age_without_its_unit_is_refused(self):
        self.assert_fails_naming(
            "older-than: '7' is not a positive number followed by one of "
            "m, h, d, w (e.g. 7d, 12h)", **{'older-than': '7'})

    def test_a_zero_age_is_refused(self):
        self.assert_fails_naming(
            "older-than: '0h' is not a positive number followed by one of "
            "m, h, d, w (e.g. 7d, 12h)", **{'older-than': '0h'})

    def test_a_batch_size_below_one_is_refused(self):
        self.assert_fails_naming(
            "batch-size: '0' is not a positive whole number",
            **{'older-than': '7d', 'batch-size': 0})

    def test_a_dry_run_that_is_not_a_boolean_is_refused(self):
        self.assert_fails_naming(
            "dry-run: 'no' is not true or false",
            **{'older-than': '7d', 'dry-run': 'no'})

    def test_each_unit_of_age_is_counted_in_minutes(self):
        self.assertEqual([mistral_expiry.age_minutes(a)
                          for a in ('90m', '12h', '7d', '2w', ' 3d ')],
                         [90, 720, 10080, 20160, 4320])

    def test_the_script_gets_the_age_batch_and_mistral_conf(self):
        self.deploy_ready()
        self.run_action(**{'older-than': '12h', 'batch-size': 50})
        cmd, = self.commands
        self.assertEqual(cmd[:2], ['/usr/bin/python3', mistral_expiry.SCRIPT])
        self.assertTrue(os.access(mistral_expiry.SCRIPT, os.X_OK))
        self.assertEqual(cmd[2:], [
            '--older-than-minutes', '720', '--batch-size', '50',
            '--config', '/etc/mistral/mistral.conf', '--dry-run'])


class TestDryRunAndDelete(ExpireTestCase):

    def test_a_dry_run_is_the_default_and_only_counts(self):
        self.deploy_ready()
        self.run_action(**{'older-than': '7d'})
        self.assertEqual(self.juju.action_failures, [])
        self.assertEqual(self.juju.action_results, {
            'found': '3', 'deleted': '0', 'dry-run': 'True'})
        self.assertEqual(len(self.db.executions), 7)

    def test_delete_removes_only_finished_executions_older_than_the_age(
            self):
        self.deploy_ready()
        self.run_action(**{'older-than': '7d', 'dry-run': False})
        self.assertEqual(self.juju.action_failures, [])
        self.assertEqual(self.juju.action_results, {
            'found': '3', 'deleted': '3', 'dry-run': 'False'})
        self.assertEqual(sorted(self.db.executions), [
            'new-ok', 'old-idle', 'old-paused', 'old-running'])

    def test_it_deletes_in_batches_of_batch_size(self):
        self.deploy_ready()
        self.run_action(**{'older-than': '1h', 'dry-run': False,
                           'batch-size': 2})
        self.assertEqual([len(batch) for batch in self.db.deletes], [2, 2])
        self.assertEqual(self.juju.action_results['deleted'], '4')

    def test_a_failure_midway_fails_the_action_with_what_was_deleted(self):
        self.db.fail_after = 1
        self.deploy_ready()
        self.run_action(**{'older-than': '1h', 'dry-run': False,
                           'batch-size': 2})
        self.assertEqual(self.juju.action_results, {
            'found': '4', 'deleted': '2', 'dry-run': 'False'})
        self.assertEqual(self.juju.action_failures, [
            'Expiring executions failed (exit 1): RuntimeError: Lost '
            'connection to MySQL server'])

    def test_a_script_that_cannot_start_fails_with_its_last_words(self):
        self.deploy_ready()
        self.use_run(lambda cmd, **kwargs: subprocess.CompletedProcess(
            cmd, 1, '', 'Traceback (most recent call last):\n'
            "ModuleNotFoundError: No module named 'mistral'\n"))
        self.run_action(**{'older-than': '7d'})
        self.assertEqual(self.juju.action_results, {
            'found': '0', 'deleted': '0', 'dry-run': 'True'})
        self.assertEqual(self.juju.action_failures, [
            "Expiring executions failed (exit 1): ModuleNotFoundError: "
            "No module named 'mistral'"])


class TestScript(unittest.TestCase):

    def run_script(self, *args, db=None):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(io.StringIO()):
            code = script.main(['expire_executions.py', '--config', 'c'] +
                               list(args), connect=lambda conf: db)
        return code, out.getvalue()

    def test_bad_arguments_exit_2_before_reaching_mistral(self):
        for args in ([], ['--older-than-minutes', '0'],
                     ['--older-than-minutes', '5', '--config'],
                     ['--older-than-minutes', 'x'],
                     ['--older-than-minutes', '5', '--batch-size', '-1']):
            self.assertEqual(self.run_script(*args), (script.USAGE, ''),
                             args)

    def test_it_prints_one_json_line_and_exits_0(self):
        db = FakeMistralDB({'a': ('SUCCESS', 2), 'b': ('RUNNING', 2)})
        self.assertEqual(
            self.run_script('--older-than-minutes', '60', '--dry-run', db=db),
            (script.OK, '{"found": 1, "deleted": 0}\n'))

    def test_a_database_it_cannot_reach_exits_1_with_the_reason(self):
        def connect(conf):
            raise OSError('no route to host\n(Background on this error)')
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = script.main(['x', '--older-than-minutes', '5',
                                '--config', 'c'], connect=connect)
        self.assertEqual(code, script.FAILED)
        self.assertEqual(out.getvalue(), '{"found": 0, "deleted": 0, '
                         '"error": "OSError: no route to host"}\n')


# --- the Mistral code the script calls, in every cached release ----------

SOURCES = [s for s in mistral_sources.sources() if s.cached()]
PATHS = ['mistral/db/v2/api.py', 'mistral/db/v2/sqlalchemy/api.py',
         'mistral/workflow/states.py', 'mistral/context.py',
         'mistral/config.py', 'mistral/exceptions.py']


def definitions(path):
    with open(path) as f:
        tree = ast.parse(f.read())
    return {node.name: node for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}, tree


def arg_names(function):
    return [a.arg for a in function.args.args]


@pytest.mark.skipif(not SOURCES, reason='no Mistral sources cached in {}: '
                    '`make sdist` fetches them'.format(
                        mistral_sources.cache_dir()))
@pytest.mark.parametrize('source', SOURCES, ids=lambda s: s.label)
def test_every_release_has_the_calls_the_script_makes(source):
    with tempfile.TemporaryDirectory() as tree:
        source.extract(PATHS, tree)

        def defs(rel):
            return definitions(os.path.join(tree, rel))

        api, _ = defs('mistral/db/v2/api.py')
        assert arg_names(api['get_expired_executions'])[:3] == [
            'expiration_time', 'limit', 'columns']
        assert arg_names(api['delete_workflow_execution']) == ['id']
        assert arg_names(api['transaction']) == ['read_only']
        config, _ = defs('mistral/config.py')
        assert 'args' in arg_names(config['parse_args'])
        context, _ = defs('mistral/context.py')
        assert {'MistralContext', 'set_ctx'} <= set(context)
        exceptions, _ = defs('mistral/exceptions.py')
        assert 'DBEntityNotFoundError' in exceptions
        # finished only: the terminal states, which the query keeps to
        sql, _ = defs('mistral/db/v2/sqlalchemy/api.py')
        assert 'TERMINAL_STATES' in ast.dump(
            sql['_get_completed_root_executions_query'])
        _, states = defs('mistral/workflow/states.py')
        terminal, = [node.value for node in states.body
                     if isinstance(node, ast.Assign) and
                     getattr(node.targets[0], 'id', '') == 'TERMINAL_STATES']
        assert sorted(e.id for e in terminal.elts) == [
            'CANCELLED', 'ERROR', 'SUCCESS']
