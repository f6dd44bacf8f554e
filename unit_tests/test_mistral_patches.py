"""Tests for hooks/mistral_patches.py (our fixes to the installed Mistral).

No Mistral is needed: unit_tests/fake_mistral.py writes files on which a
chosen variant fits. test_mistral_fixes_upstream.py runs the fixes on the
real code of every release.
"""

import os
import shutil
import tempfile
import unittest
from unittest import mock

import yaml

import mistral_patches
from unit_tests import fake_mistral

ADMIN = 'admin-role-any-case'
HEARTBEAT = 'heartbeat-checker-project-context'
COMPLETES = 'integrity-check-completes-finished-workflow'
WAITING = 'integrity-check-refreshes-waiting-tasks'
IDLE = 'integrity-check-starts-idle-tasks'
ONE_TX = 'one-database-transaction-per-process'
REVERSE = 'reverse-workflow-starts-each-task-once'
SCHEDULER = 'scheduler-keeps-unshared-in-memory-jobs'
FIXES = [ADMIN, HEARTBEAT, COMPLETES, WAITING, IDLE, ONE_TX, REVERSE,
         SCHEDULER]
needs_patch = unittest.skipUnless(shutil.which('patch'),
                                  'needs the patch program')


class FakeKV(dict):
    """charmhelpers' unit data, in memory."""

    def set(self, key, value):
        self[key] = value

    def flush(self):
        pass


class TestManifests(unittest.TestCase):

    def test_every_fix_has_its_variants_and_nothing_else(self):
        fixes = mistral_patches.load_fixes()
        self.assertEqual([fix.name for fix in fixes], FIXES)
        for fix in fixes:
            fix_dir = os.path.join(mistral_patches.FIXES_DIR, fix.name)
            self.assertEqual(
                sorted(os.listdir(fix_dir)),
                sorted(['fix.yaml'] + [v + '.patch' for v in fix.variants]))
            with open(os.path.join(fix_dir, 'fix.yaml')) as f:
                self.assertTrue(yaml.safe_load(f)['why'].strip())

    def test_each_fix_names_the_services_that_run_its_file(self):
        # context.py and db/sqlalchemy/base.py: every Mistral service
        # loads them (the periodic server where the release has one); the
        # rest: the engine's code, the default of a fix.yaml that names none
        engine = ['mistral-engine']
        every = ['mistral-api', 'mistral-engine', 'mistral-executor',
                 'mistral-periodic']
        self.assertEqual(
            {fix.name: fix.services for fix in mistral_patches.load_fixes()},
            {ADMIN: every, ONE_TX: every,
             HEARTBEAT: engine, COMPLETES: engine, WAITING: engine,
             IDLE: engine, REVERSE: engine, SCHEDULER: engine})
        with open(os.path.join(mistral_patches.FIXES_DIR, SCHEDULER,
                               'fix.yaml')) as f:
            self.assertNotIn('services', yaml.safe_load(f))

    def test_each_variant_changes_only_the_file_its_fix_names(self):
        for fix in mistral_patches.load_fixes():
            for patch_file in fix.variants.values():
                with open(patch_file) as f:
                    changed = [line.split()[1] for line in f
                               if line.startswith(('--- ', '+++ '))]
                self.assertEqual(
                    changed, ['a/' + fix.path, 'b/' + fix.path], patch_file)


@needs_patch
class TestApply(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.kv = FakeKV()
        patcher = mock.patch.object(mistral_patches, 'kv',
                                    lambda: self.kv)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.fixes = {fix.name: fix for fix in mistral_patches.load_fixes()}

    def install(self, variants=None):
        return fake_mistral.install(self.tmp, variants)

    def states(self):
        return {name: mistral_patches.fix_state(fix, self.tmp)
                for name, fix in self.fixes.items()}

    def read(self, path):
        with open(path) as f:
            return f.read()

    def test_each_variant_applies_once_then_is_recognised(self):
        for variants in ({}, {HEARTBEAT: 'mistral-14',
                              SCHEDULER: 'mistral-14'}):
            paths = self.install(variants)
            pending = self.states()
            self.assertEqual({state for state, _ in pending.values()},
                             {mistral_patches.PENDING})
            log = mock.Mock()

            self.assertEqual(
                mistral_patches.apply_fixes(self.tmp, log=log),
                (FIXES, []))
            self.assertEqual(self.states(), {
                name: (mistral_patches.APPLIED, variant)
                for name, (_, variant) in pending.items()})
            self.assertIn('def _fail_expired_action(action_ex_id, '
                          'project_id):', self.read(paths[HEARTBEAT]))
            handler = self.read(paths[COMPLETES])
            self.assertIn('_complete_if_tasks_done(wf_ex, ', handler)
            self.assertIn('_refresh_waiting_tasks(wf_ex, ', handler)
            self.assertIn('_start_idle_tasks(wf_ex)', handler)
            self.assertIn('_unshared_copy(scheduled_job)',
                          self.read(paths[SCHEDULER]))
            self.assertIn("named_lock('reverse-workflow-%s'",
                          self.read(paths[REVERSE]))
            self.assertIn("role.lower() == 'admin' for role in",
                          self.read(paths[ADMIN]))
            self.assertIn('tx_lock = threading.RLock()',
                          self.read(paths[ONE_TX]))
            log.assert_any_call('mistral fix {}: applied ({})'.format(
                SCHEDULER, pending[SCHEDULER][1]))

            # twice = once: nothing applied, nothing touched, no stray file
            texts = {p: self.read(p) for p in paths.values()}
            self.assertEqual(mistral_patches.apply_fixes(self.tmp),
                             ([], []))
            self.assertEqual({p: self.read(p) for p in paths.values()},
                             texts)
            for path in paths.values():
                directory = os.path.dirname(path)
                self.assertEqual(
                    [name for name in os.listdir(directory)
                     if os.path.isfile(os.path.join(directory, name))],
                    [os.path.basename(path)])

    def test_a_file_no_variant_was_written_for_is_left_untouched(self):
        paths = self.install()
        path = paths[HEARTBEAT]
        changed = self.read(path).replace('@post_tx_queue.run\n', '')
        with open(path, 'w') as f:
            f.write(changed)
        self.assertEqual(self.states()[HEARTBEAT][0],
                         mistral_patches.MISSING)
        # the other fixes still go in
        self.assertEqual(
            mistral_patches.apply_fixes(self.tmp),
            ([ADMIN, COMPLETES, WAITING, IDLE, ONE_TX, REVERSE, SCHEDULER],
             [HEARTBEAT]))
        self.assertEqual(self.read(path), changed)

    def test_a_fix_goes_in_whole_or_not_at_all(self):
        # the first hunks of the variant fit, the last one does not: the
        # file stays as it was, with no half-patched copy left behind
        paths = self.install()
        path = paths[SCHEDULER]
        broken = self.read(path).replace(
            '# Checking in-memory jobs first.\n',
            '# Checking the jobs in memory first.\n')
        with open(path, 'w') as f:
            f.write(broken)
        os.chmod(path, 0o640)
        fix = self.fixes[SCHEDULER]
        self.assertEqual(mistral_patches.fix_state(fix, self.tmp)[0],
                         mistral_patches.MISSING)
        self.assertFalse(mistral_patches._apply(
            fix.variants['mistral-23'], path))
        self.assertEqual(self.read(path), broken)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o640)
        self.assertEqual(os.listdir(os.path.dirname(path)),
                         [os.path.basename(path)])

    def test_applied_file_keeps_its_mode(self):
        path = self.install()[SCHEDULER]
        os.chmod(path, 0o640)
        mistral_patches.apply_fixes(self.tmp)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o640)

    def test_a_file_that_holds_the_fix_upstream_is_left_alone(self):
        path = self.install()[HEARTBEAT]
        fix = self.fixes[HEARTBEAT]._replace(upstream={
            mistral_patches.sha256(path): 'abc123 (99.0.0)'})
        self.assertEqual(mistral_patches.fix_state(fix, self.tmp),
                         (mistral_patches.UPSTREAM, 'abc123 (99.0.0)'))
        text = self.read(path)
        self.assertEqual(mistral_patches.apply_fixes(
            self.tmp, fixes=[fix]), ([], []))
        self.assertEqual(self.read(path), text)

    def test_code_that_is_not_there_needs_no_fix(self):
        self.assertEqual(
            mistral_patches.fix_state(self.fixes[SCHEDULER], self.tmp),
            (mistral_patches.NOT_NEEDED,
             'mistral/scheduler/default_scheduler.py does not exist'))
        self.assertEqual(mistral_patches.apply_fixes(self.tmp), ([], []))

    def test_files_changed_sees_a_package_upgrade_undo_the_fixes(self):
        self.assertTrue(mistral_patches.files_changed())  # never looked
        paths = self.install()
        original = self.read(paths[SCHEDULER])
        mistral_patches.apply_fixes(self.tmp)
        self.assertFalse(mistral_patches.files_changed())
        with open(paths[SCHEDULER], 'w') as f:  # the package's file again
            f.write(original)
        self.assertTrue(mistral_patches.files_changed())
        mistral_patches.apply_fixes(self.tmp)
        self.assertFalse(mistral_patches.files_changed())
        os.unlink(paths[SCHEDULER])  # gone in a new release
        self.assertTrue(mistral_patches.files_changed())

    @mock.patch('shutil.which', return_value=None)
    @mock.patch('subprocess.check_call')
    def test_installs_patch_program_when_missing(self, check_call, _which):
        mistral_patches.apply_fixes(self.tmp)
        check_call.assert_called_once_with(
            ['apt-get', 'install', '-y', '-qq', 'patch'], env=mock.ANY)


if __name__ == '__main__':
    unittest.main()
