"""Our own minimal fixes for bugs of the installed Mistral (python3-mistral).

Each patch is gated on the exact Debian version of python3-mistral it was
written and tested for; any other version (older, newer, a Debian security
update) gets nothing.  The patches are unified diffs relative to
/usr/lib/python3/dist-packages (``patch -p1``) kept in
files/mistral-patches/<version>/; why: README.md, "Our fixes to Mistral's
recovery".

apply_patches() is idempotent and safe to call after every package install
or upgrade: a patch already applied is left alone, a patch that does not
apply cleanly is reported and the installed file is not touched.  A package
upgrade or reinstall replaces the patched files; calling apply_patches()
again re-applies what fits the new version.
"""

import os
import shutil
import subprocess

PACKAGE = 'python3-mistral'
TARGET_DIR = '/usr/lib/python3/dist-packages'
PATCH_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    'files', 'mistral-patches')

# Debian version of python3-mistral -> patches (files in PATCH_DIR/<version>)
# 0001: the heartbeat checker fails an action of a dead executor under a
# context without project: with keystone auth the workflow then stays
# RUNNING (no retry) or DELAYED (retry policy) forever.
# 0002: an engine that dies between finishing a workflow's last task and
# completing the workflow leaves it RUNNING forever; the integrity check
# now completes it.
# 0003: the scheduler shared the creating session's ORM object with its
# in-memory timer; under load the session expired it and one detached job
# made has_scheduled_jobs() raise for every caller: every join of the
# engine stayed WAITING. In-memory jobs are now unshared copies, always
# forgotten once run.
# 0004: the integrity check refreshes a task WAITING for longer than
# execution_integrity_check_delay, so joins left behind (by 0003's bug)
# finish.
FIXES = ['0001-heartbeat-checker-project-context.patch',
         '0002-integrity-check-completes-finished-workflow.patch',
         '0003-scheduler-keeps-unshared-in-memory-jobs.patch',
         '0004-integrity-check-refreshes-waiting-tasks.patch']
PATCHES = {
    '15.0.0-1+deb12u1': FIXES,
    '20.0.0-2+deb13u1': FIXES,
}

APPLIED = 'applied'
NOT_APPLIED = 'not-applied'
CONFLICT = 'conflict'


def installed_version(package=PACKAGE):
    """Debian version of the installed package, or None."""
    try:
        out = subprocess.check_output(
            ['dpkg-query', '-W', '-f=${Status}\t${Version}', package],
            stderr=subprocess.DEVNULL, universal_newlines=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    status, _, version = out.partition('\t')
    if not status.endswith(' installed') or not version:
        return None
    return version


def patches_for(version):
    """Absolute paths of the patches for this Debian version (may be [])."""
    return [os.path.join(PATCH_DIR, version, name)
            for name in PATCHES.get(version or '', [])]


def _patch(patch_file, target_dir, *args):
    cmd = ['patch', '-p1', '-d', target_dir, '-i', patch_file,
           '--batch', '--silent', '--no-backup-if-mismatch', '-r', '-']
    return subprocess.call(list(cmd) + list(args),
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def _state(patch_file, target_dir):
    if _patch(patch_file, target_dir, '--dry-run', '--reverse', '--force'):
        return APPLIED
    if _patch(patch_file, target_dir, '--dry-run', '--forward'):
        return NOT_APPLIED
    return CONFLICT


def patch_status(version=None, target_dir=TARGET_DIR):
    """{patch name: 'applied' | 'not-applied' | 'conflict'} for the
    installed (or given) version; {} when no patch is meant for it."""
    if version is None:
        version = installed_version()
    return {os.path.basename(p): _state(p, target_dir)
            for p in patches_for(version)}


def _ensure_patch_tool():
    if shutil.which('patch'):
        return
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.check_call(['apt-get', 'install', '-y', '-qq', 'patch'],
                          env=env)


def apply_patches(version=None, target_dir=TARGET_DIR, log=None):
    """Apply the patches meant for the installed (or given) version.

    Returns (newly_applied, conflicts): lists of patch names; the caller
    restarts what runs the patched code.  A conflicting patch is
    skipped (files untouched) and reported, never forced.
    """
    if version is None:
        version = installed_version()
    wanted = patches_for(version)
    if not wanted:
        return [], []
    _ensure_patch_tool()
    applied, conflicts = [], []
    for patch_file in wanted:
        name = os.path.basename(patch_file)
        state = _state(patch_file, target_dir)
        if state == NOT_APPLIED and _patch(patch_file, target_dir,
                                           '--forward'):
            applied.append(name)
            state = APPLIED
        elif state != APPLIED:
            conflicts.append(name)
        if log:
            log('mistral patch {} for {} {}: {}'.format(
                name, PACKAGE, version, state))
    return applied, conflicts
