"""Every fix against the upstream code of every release the charm supports.

The code comes from the PyPI sdists and Debian's packages that
tools/mistral_sources.py caches (make sdist); the table of releases x fixes
this prints is the README's ("Our fixes to Mistral").
"""

import os
import tempfile
from unittest import mock

import pytest
import yaml

import mistral_patches
from tools import mistral_sources

SOURCES = mistral_sources.sources()
NOT_CACHED = [s.filename for s in SOURCES if not s.cached()]
WORDS = {mistral_patches.PENDING: 'applies (variant {})',
         mistral_patches.UPSTREAM: 'already fixed upstream: {}',
         mistral_patches.NOT_NEEDED: 'not needed: {}'}


def manifest(fix, key):
    with open(os.path.join(mistral_patches.FIXES_DIR, fix.name,
                           'fix.yaml')) as f:
        return yaml.safe_load(f)[key]


@pytest.mark.skipif(bool(NOT_CACHED), reason=(
    'the sources of Mistral\'s releases are not cached in {} ({} missing): '
    '`make sdist` fetches them'.format(mistral_sources.cache_dir(),
                                       len(NOT_CACHED))))
def test_every_fix_fits_or_is_upstream_on_every_release(summary_table):
    fixes = mistral_patches.load_fixes()
    paths = sorted({fix.path for fix in fixes})
    table, fitted, upstream = [], {}, set()
    for source in SOURCES:
        with tempfile.TemporaryDirectory() as tree, \
                mock.patch.object(mistral_patches, 'kv'):
            source.extract(paths, tree)
            for fix in fixes:
                state, detail = mistral_patches.fix_state(fix, tree)
                line = '{:48} {:44} {}'.format(
                    source.label, fix.name,
                    WORDS.get(state, state + ': {}').format(detail))
                table.append(line)
                assert state in WORDS, line
                digest = mistral_patches.sha256(os.path.join(tree, fix.path))
                if state == mistral_patches.PENDING:
                    fitted.setdefault((fix.name, detail), set()).add(digest)
                elif state == mistral_patches.UPSTREAM:
                    upstream.add((fix.name, digest))
            mistral_patches.apply_fixes(tree, fixes=fixes)
            after = {}
            for path in paths:
                with open(os.path.join(tree, path)) as f:
                    after[path] = f.read()
                compile(after[path], path, 'exec')  # still Python
            for fix in fixes:
                state, _ = mistral_patches.fix_state(fix, tree)
                assert state in (mistral_patches.APPLIED,
                                 mistral_patches.UPSTREAM), (source.label,
                                                             fix.name)
            # twice = once
            assert mistral_patches.apply_fixes(tree, fixes=fixes) == ([], [])
            for path in paths:
                with open(os.path.join(tree, path)) as f:
                    assert f.read() == after[path]
    summary_table('Mistral fixes x releases (make fixes_table)', table)
    # fix.yaml lists exactly the files each variant fits and the upstream
    # files that hold the fix
    for fix in fixes:
        for variant, originals in manifest(fix, 'variants').items():
            assert fitted.get((fix.name, variant)) == set(originals), (
                fix.name, variant)
        assert {d for name, d in upstream if name == fix.name} == set(
            manifest(fix, 'upstream')), fix.name
