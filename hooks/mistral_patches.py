"""Our fixes for bugs of the installed Mistral (python3-mistral).

A fix lives in files/mistral-fixes/<name>/: fix.yaml names the one file it
changes (relative to dist-packages), the services that run that file
(`services`, default mistral-engine: they restart when the fix goes in) and
says why, and each <variant>.patch is the fix written for one shape of the
upstream code. What decides whether a variant goes in is the installed
file's content, never a package name or version: a variant applies only
where every one of its hunks is found exactly (`patch --fuzz=0`). A fix
goes in whole or not at all: patch writes a new copy next to the file,
which replaces it only when every hunk fitted. A file fix.yaml lists as
already fixed upstream (by its sha256) is left alone.

apply_fixes() is idempotent (an applied variant is recognised by its
reverse applying exactly) and records the sha256 of every file the fixes
look at, so that files_changed() can tell cheaply, with no package manager
call, that a package upgrade or reinstall replaced them.
"""

import glob
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections import namedtuple

from charmhelpers.core.unitdata import kv

from mistral_constants import ENGINE_SERVICE

TARGET_DIR = '/usr/lib/python3/dist-packages'
FIXES_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    'files', 'mistral-fixes')
# unit data key: {installed file: its sha256 when apply_fixes() last ran}
RECORD_KEY = 'mistral-fixes-files'

# What a fix is on a tree of Mistral's code
APPLIED = 'applied'          # a variant is in
PENDING = 'pending'          # a variant fits; the next hook applies it
UPSTREAM = 'upstream'        # the file already holds the fix
NOT_NEEDED = 'not-needed'    # the code the fix changes is not there
MISSING = 'missing'          # needed, and no variant fits the file

Fix = namedtuple('Fix', 'name path summary variants upstream services')


def load_fixes(fixes_dir=FIXES_DIR):
    """Every fix, by name; variants: {variant: patch file}; services: the
    services that run the file it changes (restarted when it goes in)."""
    import yaml  # only when the fixes are looked at, not by files_changed()
    fixes = []
    for manifest in sorted(glob.glob(os.path.join(fixes_dir, '*',
                                                  'fix.yaml'))):
        fix_dir = os.path.dirname(manifest)
        with open(manifest) as f:
            spec = yaml.safe_load(f)
        fixes.append(Fix(
            name=os.path.basename(fix_dir), path=spec['file'],
            summary=spec['summary'],
            variants={name: os.path.join(fix_dir, name + '.patch')
                      for name in sorted(spec['variants'])},
            upstream=spec['upstream'],
            services=spec.get('services', [ENGINE_SERVICE])))
    return fixes


def sha256(path):
    """sha256 of the file, None when it does not exist."""
    try:
        with open(path, 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return None


def _patch(patch_file, target, *args):
    """Does patch_file apply exactly (no fuzz) to target? -f: never guess
    that a patch is reversed, never ask."""
    return subprocess.call(
        ['patch', '--fuzz=0', '-f', '-s', '--no-backup-if-mismatch',
         '-r', '-', '-i', patch_file] + list(args) + [target],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL) == 0


def fix_state(fix, target_dir):
    """(state, detail) of one fix on the tree at target_dir: the variant
    applied or that fits, the upstream change, or why not."""
    target = os.path.join(target_dir, fix.path)
    digest = sha256(target)
    if digest is None:
        return NOT_NEEDED, '{} does not exist'.format(fix.path)
    if digest in fix.upstream:
        return UPSTREAM, fix.upstream[digest]
    for variant, patch_file in fix.variants.items():
        if _patch(patch_file, target, '--dry-run', '--reverse'):
            return APPLIED, variant
    for variant, patch_file in fix.variants.items():
        if _patch(patch_file, target, '--dry-run', '--forward'):
            return PENDING, variant
    return MISSING, 'no variant fits {} (sha256 {})'.format(
        fix.path, digest[:12])


def _apply(patch_file, target):
    """Apply in one step: the patched copy replaces target only whole."""
    fd, new = tempfile.mkstemp(dir=os.path.dirname(target),
                               prefix='.' + os.path.basename(target) + '.')
    os.close(fd)
    try:
        if not _patch(patch_file, target, '--forward', '-o', new):
            return False
        shutil.copymode(target, new)
        st = os.stat(target)
        os.chown(new, st.st_uid, st.st_gid)
        os.replace(new, target)
        return True
    finally:
        if os.path.exists(new):
            os.unlink(new)


def _ensure_patch_tool():
    if shutil.which('patch'):
        return
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    subprocess.check_call(['apt-get', 'install', '-y', '-qq', 'patch'],
                          env=env)


def apply_fixes(target_dir=None, log=None, fixes=None):
    """Apply every fix that a variant fits and that is not in yet.

    Returns (newly_applied, missing): fix names; the caller restarts what
    runs the fixed code. Records the files' hashes (files_changed()).
    """
    target_dir = target_dir or TARGET_DIR
    fixes = load_fixes() if fixes is None else fixes
    _ensure_patch_tool()
    applied, missing = [], []
    for fix in fixes:
        state, detail = fix_state(fix, target_dir)
        if state == PENDING:
            if _apply(fix.variants[detail], os.path.join(target_dir,
                                                         fix.path)):
                applied.append(fix.name)
                state = APPLIED
            else:
                state = MISSING
        if state == MISSING:
            missing.append(fix.name)
        if log:
            log('mistral fix {}: {} ({})'.format(fix.name, state, detail))
    paths = {os.path.join(target_dir, fix.path) for fix in fixes}
    store = kv()
    store.set(RECORD_KEY, {path: sha256(path) for path in sorted(paths)})
    store.flush()
    return applied, missing


def recorded_files():
    """{file the fixes look at: its sha256 when apply_fixes() last ran}."""
    return kv().get(RECORD_KEY) or {}


def files_changed():
    """Has a file the fixes look at changed since apply_fixes() last ran
    (a package upgrade or reinstall replaced it)? Cheap: hashes only."""
    record = kv().get(RECORD_KEY)
    return record is None or any(sha256(path) != digest
                                 for path, digest in record.items())


def fix_states(target_dir=None):
    """[(fix, state, detail)] for every fix, on the installed Mistral."""
    return [(fix,) + fix_state(fix, target_dir or TARGET_DIR)
            for fix in load_fixes()]
