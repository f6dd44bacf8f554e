"""Tests for hooks/mistral_patches.py (our fixes to the installed Mistral).

No Mistral is needed: the target files are generated from the hunks of the
patch itself (context and removed lines at their line numbers, filler lines
elsewhere) in a temporary directory.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
from unittest import mock

import mistral_patches

V15 = '15.0.0-1+deb12u1'
V20 = '20.0.0-2+deb13u1'
HEARTBEAT = '0001-heartbeat-checker-project-context.patch'
INTEGRITY = '0002-integrity-check-completes-finished-workflow.patch'
SCHEDULER = '0003-scheduler-keeps-unshared-in-memory-jobs.patch'
WAITING = '0004-integrity-check-refreshes-waiting-tasks.patch'
FIXES = (HEARTBEAT, INTEGRITY, SCHEDULER, WAITING)
CHECKER = 'mistral/services/action_heartbeat_checker.py'
HANDLER = 'mistral/engine/workflow_handler.py'
SCHED = 'mistral/scheduler/default_scheduler.py'
HUNK = re.compile(r'^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@')
needs_patch = unittest.skipUnless(shutil.which('patch'),
                                  'needs the patch program')


def original_lines(patch_file):
    """{relative path: {line number: text}} of the original lines that
    patch_file shows (its context and removed lines)."""
    files, lines, line_no = {}, None, 0
    with open(patch_file) as f:
        for line in f:
            if line.startswith('--- '):
                path = line[4:].split('\t')[0].strip()
                lines = files.setdefault(path.split('/', 1)[1], {})
                continue
            if lines is None or line.startswith('+++ '):
                continue
            m = HUNK.match(line)
            if m:
                line_no = int(m.group(1))
            elif line[:1] in (' ', '-'):
                lines[line_no] = line[1:]
                line_no += 1
            elif line == '\n':  # an empty context line without its space
                lines[line_no] = '\n'
                line_no += 1
    return files


def originals_from_patches(patch_files):
    """{relative path: text} of files on which every one of patch_files
    applies (all are diffs against the same packaged files); filler lines
    where no patch shows the original."""
    known = {}
    for patch_file in patch_files:
        for path, lines in original_lines(patch_file).items():
            known.setdefault(path, {}).update(lines)
    return {path: ''.join(lines.get(n, '# filler line %d\n' % n)
                          for n in range(1, max(lines) + 1)) +
            '# end of file\n'
            for path, lines in known.items()}


class TestSelection(unittest.TestCase):

    def test_affected_versions_get_their_patches(self):
        for version in (V15, V20):
            found = mistral_patches.patches_for(version)
            self.assertEqual(
                [os.path.join(mistral_patches.PATCH_DIR, version, name)
                 for name in FIXES], found)
            for path in found:
                self.assertTrue(os.path.isfile(path), path)

    def test_other_versions_get_nothing(self):
        for version in (None, '', '15.0.0-1+deb12u2', '20.0.0-2+deb13u2',
                        '20.0.0-3', '22.0.0-1', '15.0.0'):
            self.assertEqual([], mistral_patches.patches_for(version))

    def test_every_listed_patch_exists_and_nothing_else(self):
        listed = {(v, n) for v, names in mistral_patches.PATCHES.items()
                  for n in names}
        on_disk = {(v, n) for v in os.listdir(mistral_patches.PATCH_DIR)
                   for n in os.listdir(
                       os.path.join(mistral_patches.PATCH_DIR, v))}
        self.assertEqual(listed, on_disk)

    @mock.patch('subprocess.check_output')
    def test_installed_version(self, check_output):
        check_output.return_value = 'install ok installed\t' + V20
        self.assertEqual(V20, mistral_patches.installed_version())
        check_output.return_value = 'deinstall ok config-files\t' + V20
        self.assertIsNone(mistral_patches.installed_version())
        check_output.side_effect = subprocess.CalledProcessError(1, 'dpkg')
        self.assertIsNone(mistral_patches.installed_version())

    @mock.patch('subprocess.call')
    def test_unaffected_version_touches_nothing(self, call):
        for version in ('22.0.0-1', '15.0.0-1+deb12u2'):
            self.assertEqual(([], []), mistral_patches.apply_patches(
                version=version, target_dir='/nonexistent'))
            self.assertEqual({}, mistral_patches.patch_status(
                version=version, target_dir='/nonexistent'))
        call.assert_not_called()

    @mock.patch.object(mistral_patches, 'installed_version',
                       return_value=None)
    @mock.patch('subprocess.call')
    def test_mistral_not_installed(self, call, _version):
        self.assertEqual(([], []), mistral_patches.apply_patches())
        self.assertEqual({}, mistral_patches.patch_status())
        call.assert_not_called()


@needs_patch
class TestApply(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def make_target(self, version):
        originals = originals_from_patches(
            mistral_patches.patches_for(version))
        for rel, text in originals.items():
            path = os.path.join(self.tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(text)
        return originals

    def read(self, rel):
        with open(os.path.join(self.tmp, rel)) as f:
            return f.read()

    def test_apply_is_idempotent(self):
        for version in (V15, V20):
            shutil.rmtree(self.tmp)
            os.mkdir(self.tmp)
            originals = self.make_target(version)
            self.assertEqual({CHECKER, HANDLER, SCHED}, set(originals))
            fixes = dict.fromkeys(FIXES, mistral_patches.NOT_APPLIED)
            self.assertEqual(fixes,
                             mistral_patches.patch_status(version, self.tmp))
            log = mock.Mock()

            self.assertEqual((list(FIXES), []),
                             mistral_patches.apply_patches(
                                 version, self.tmp, log=log))
            checker, handler = self.read(CHECKER), self.read(HANDLER)
            sched = self.read(SCHED)
            self.assertIn('def _fail_expired_action(action_ex_id, '
                          'project_id):', checker)
            self.assertIn('project_id=project_id,', checker)
            self.assertIn('            _complete_if_tasks_done(wf_ex, '
                          'check_after_seconds)\n', handler)
            self.assertIn('    check_and_complete(wf_ex.id)\n', handler)
            self.assertIn('        _refresh_waiting_tasks(wf_ex, '
                          'check_after_seconds)\n', handler)
            self.assertIn('_unshared_copy(scheduled_job))\n', sched)
            self.assertIn('            self.in_memory_jobs.pop(', sched)
            applied = dict.fromkeys(FIXES, mistral_patches.APPLIED)
            self.assertEqual(applied,
                             mistral_patches.patch_status(version, self.tmp))
            log.assert_any_call(
                'mistral patch {} for python3-mistral {}: applied'.format(
                    INTEGRITY, version))

            # twice = once
            self.assertEqual(([], []), mistral_patches.apply_patches(
                version, self.tmp))
            self.assertEqual((checker, handler, sched),
                             (self.read(CHECKER), self.read(HANDLER),
                              self.read(SCHED)))
            self.assertEqual(applied,
                             mistral_patches.patch_status(version, self.tmp))
            for rel in (CHECKER, HANDLER, SCHED):
                self.assertEqual(
                    [os.path.basename(rel)],
                    os.listdir(os.path.join(self.tmp, os.path.dirname(rel))))

    def test_conflict_leaves_file_untouched(self):
        self.make_target(V20)
        path = os.path.join(self.tmp, CHECKER)
        changed = self.read(CHECKER).replace('@post_tx_queue.run\n', '')
        with open(path, 'w') as f:
            f.write(changed)
        status = dict.fromkeys(FIXES, mistral_patches.NOT_APPLIED)
        status[HEARTBEAT] = mistral_patches.CONFLICT
        self.assertEqual(status, mistral_patches.patch_status(V20, self.tmp))
        # the other fixes still go in
        self.assertEqual(([INTEGRITY, SCHEDULER, WAITING], [HEARTBEAT]),
                         mistral_patches.apply_patches(V20, self.tmp))
        self.assertEqual(changed, self.read(CHECKER))
        self.assertEqual([os.path.basename(CHECKER)],
                         os.listdir(os.path.dirname(path)))

    def test_heartbeat_patch_for_other_version_does_not_apply(self):
        # the 15 heartbeat fix must not fit 20's file
        self.make_target(V20)
        status = mistral_patches.patch_status(V15, self.tmp)
        self.assertEqual(mistral_patches.CONFLICT, status[HEARTBEAT])

    @mock.patch('shutil.which', return_value=None)
    @mock.patch('subprocess.check_call')
    def test_installs_patch_program_when_missing(self, check_call, _which):
        with mock.patch.object(mistral_patches, '_state',
                               return_value=mistral_patches.APPLIED):
            mistral_patches.apply_patches(V20, self.tmp)
        check_call.assert_called_once_with(
            ['apt-get', 'install', '-y', '-qq', 'patch'], env=mock.ANY)


if __name__ == '__main__':
    unittest.main()
