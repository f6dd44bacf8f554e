#!/usr/bin/env python3
"""Rebuild the vendored ./charmhelpers from the pinned PyPI release.

    tools/sync_charmhelpers.py [-c charm-helpers-hooks.yaml] [-d DEST]
                               [--no-patches | --fetch]

Steps:
 1. Find the pinned sdist in ~/.cache/charm-mistral/ (or $CHARMHELPERS_SDIST);
    if it is missing, fetch it once with `pip download`. Its sha256 must
    match the pin in the config, so later runs work offline.
 2. Copy the modules listed under `include` from the sdist into a staging
    directory next to DEST.
 3. Apply the patches (name order) with `patch -p1 --fuzz=0`; the first one
    that does not apply cleanly aborts the sync and DEST is left untouched.
 4. Swap the staged tree in place of DEST.
--fetch stops after step 1.

The result depends only on the sdist, the config and the patches, so a
second run gives an identical tree.

Writing a new patch: sync into scratch dirs, edit one, diff them, e.g.
    tools/sync_charmhelpers.py -d /tmp/a/charmhelpers
    cp -r /tmp/a /tmp/b; $EDITOR /tmp/b/charmhelpers/...
    (cd /tmp && diff -ruN a/charmhelpers b/charmhelpers) >> new.patch
and put a comment saying why at the top of the file.
"""

import argparse
import fnmatch
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die(msg):
    sys.exit('sync_charmhelpers: ERROR: {}'.format(msg))


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 16), b''):
            h.update(chunk)
    return h.hexdigest()


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.path.join(base, 'charm-mistral')


def ensure_sdist(name, version, digest):
    """Return the path of the verified sdist, downloading it if needed."""
    fname = '{}-{}.tar.gz'.format(name, version)
    path = os.environ.get('CHARMHELPERS_SDIST') or \
        os.path.join(cache_dir(), fname)
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = tempfile.mkdtemp(prefix='ch-download-')
        try:
            cmd = [sys.executable, '-m', 'pip', 'download', '--no-deps',
                   '--no-binary', ':all:', '--dest', tmp,
                   '{}=={}'.format(name, version)]
            print('sync_charmhelpers: fetching {}'.format(fname))
            if subprocess.call(cmd) != 0 or \
                    not os.path.exists(os.path.join(tmp, fname)):
                die('could not download {0}; offline? put the sdist at {1}'
                    .format(fname, path))
            shutil.move(os.path.join(tmp, fname), path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    got = sha256(path)
    if got != digest:
        die('{} has sha256 {}, expected {}'.format(path, got, digest))
    return path


def read_sdist(path, name, version):
    """Map 'core/host.py' -> bytes for every file of the package."""
    prefix = '{}-{}/{}/'.format(name, version, name)
    files = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            rel = m.name[len(prefix):]
            if (not m.isfile() or not m.name.startswith(prefix) or
                    '..' in rel.split('/') or '__pycache__' in rel or
                    rel.endswith('.pyc')):
                continue
            files[rel] = tar.extractfile(m).read()
    return files


def parse_includes(entries):
    """Yield (dotted name, [glob patterns for non-.py files])."""
    for entry in entries:
        if isinstance(entry, dict):
            for parent, children in entry.items():
                for child in parse_includes(children):
                    yield (parent + '.' + child[0], child[1])
            continue
        name, _, opts = str(entry).partition('|')
        inc = []
        for opt in filter(None, opts.split('|')):
            key, _, val = opt.partition('=')
            if key != 'inc':
                die('unknown option {!r} in {!r}'.format(opt, entry))
            inc.extend(val.split(','))
        yield name.strip(), inc


def select(files, includes):
    """Return the sorted list of sdist paths to vendor."""
    chosen = set()
    for name, inc in includes:
        path = name.replace('.', '/')
        if path + '.py' in files:
            chosen.add(path + '.py')
        else:
            below = [f for f in files if f.startswith(path + '/')]
            if not below:
                die('no module or package {!r} in the sdist'.format(name))
            chosen.update(f for f in below if f.endswith('.py') or any(
                fnmatch.fnmatch(os.path.basename(f), p) for p in inc))
        # Parent packages need their __init__.py to be importable.
        parts = path.split('/')
        for i in range(len(parts)):
            init = '/'.join(parts[:i] + ['__init__.py'])
            if init in files:
                chosen.add(init)
    return sorted(chosen)


def apply_patches(stage, patch_dir):
    applied = []
    for p in sorted(glob.glob(os.path.join(patch_dir, '*.patch'))):
        res = subprocess.run(
            ['patch', '-p1', '--batch', '--forward', '--fuzz=0',
             '--no-backup-if-mismatch', '-d', stage, '-i', p],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True)
        if res.returncode != 0:
            sys.stderr.write(res.stdout)
            die('patch {} does not apply'.format(os.path.relpath(p, ROOT)))
        applied.append(os.path.basename(p))
    return applied


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-c', '--config',
                    default=os.path.join(ROOT, 'charm-helpers-hooks.yaml'))
    ap.add_argument('-d', '--dest', help='default: destination in config')
    ap.add_argument('--no-patches', action='store_true',
                    help='pristine copy (for writing new patches)')
    ap.add_argument('--fetch', action='store_true',
                    help='only fetch (if not cached) and verify the sdist')
    args = ap.parse_args()

    with open(args.config) as f:
        cfg = yaml.safe_load(f)
    pin = cfg['pypi']
    name, version = pin['name'], str(pin['version'])
    dest = os.path.abspath(args.dest or os.path.join(ROOT, cfg['destination']))
    patch_dir = os.path.join(ROOT, cfg.get('patches', 'patches/charmhelpers'))

    sdist = ensure_sdist(name, version, pin['sha256'])
    if args.fetch:
        print('sync_charmhelpers: {} verified'.format(sdist))
        return
    files = read_sdist(sdist, name, version)
    wanted = select(files, list(parse_includes(cfg['include'])))

    os.makedirs(os.path.dirname(dest), exist_ok=True)
    # Stage next to dest so the final swap is a rename on one filesystem.
    stage = tempfile.mkdtemp(prefix='.sync-charmhelpers-',
                             dir=os.path.dirname(dest))
    try:
        pkg = os.path.join(stage, 'charmhelpers')
        for rel in wanted:
            out = os.path.join(pkg, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, 'wb') as f:
                f.write(files[rel])
            os.chmod(out, 0o644)
        applied = [] if args.no_patches else apply_patches(stage, patch_dir)
        for dirpath, dirnames, filenames in os.walk(pkg):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
            for fn in filenames:
                if fn.endswith(('.orig', '.rej', '.pyc')):
                    die('stray {} after patching'.format(fn))
        with open(os.path.join(pkg, 'VENDORED'), 'w') as f:
            f.write('Generated by tools/sync_charmhelpers.py from {}=={}\n'
                    '(sha256 {}). Do not edit: add a patch under {}/\n'
                    'and run `make sync`.\nPatches applied:\n'.format(
                        name, version, pin['sha256'],
                        os.path.relpath(patch_dir, ROOT)))
            f.writelines('  {}\n'.format(p) for p in applied)
        if os.path.exists(dest):   # the old tree is removed with stage
            os.rename(dest, os.path.join(stage, 'old'))
        os.rename(pkg, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print('sync_charmhelpers: {} files from {}=={} + {} patches -> {}'.format(
        len(wanted), name, version, len(applied),
        os.path.relpath(dest, os.getcwd())))


if __name__ == '__main__':
    main()
