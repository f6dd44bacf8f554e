"""Which of the release-dependent options each release's own code has.

Read from the PyPI sdists and Debian packages tools/mistral_sources.py
caches (make sdist), with the charm's own detection (mistral_options).
"""

import os
import tempfile

import pytest

import mistral_options
from mistral_constants import (
    HEALTHCHECK_PATH,
    HEALTHCHECK_SINCE,
    RELEASE_OPTIONS,
)
from tools import mistral_sources

SOURCES = mistral_sources.sources()
NOT_CACHED = [s.filename for s in SOURCES if not s.cached()]
PROVIDER_LISTS = ('action-provider-allowlist', 'action-provider-denylist')
# upstream version (a Debian version's upstream part) -> the
# RELEASE_OPTIONS its mistral/config.py registers: the provider lists came
# to the stable branches in point releases
EXPECTED = {
    '14.0.0': (), '15.0.0': (), '15.0.1': (), '16.0.0': (), '17.0.0': (),
    '18.0.1': (), '18.1.0': PROVIDER_LISTS, '19.1.1': PROVIDER_LISTS,
    '20.0.0': (), '20.2.0': PROVIDER_LISTS, '21.0.0': PROVIDER_LISTS,
    '22.0.0': PROVIDER_LISTS, '23.0.0': tuple(RELEASE_OPTIONS),
}
# [healthcheck] enabled: from 18.0.0 (HEALTHCHECK_SINCE, caracal); the API
# routes only its path to the middleware from 23.0.0 (HEALTHCHECK_UNSAFE)
HEALTHCHECK_FROM = 18
HEALTHCHECK_ROUTED_FROM = 23
APP_PY = 'mistral/api/app.py'


@pytest.mark.skipif(bool(NOT_CACHED), reason=(
    'the sources of Mistral\'s releases are not cached in {} ({} missing): '
    '`make sdist` fetches them'.format(mistral_sources.cache_dir(),
                                       len(NOT_CACHED))))
def test_each_release_registers_the_options_the_charm_expects():
    assert HEALTHCHECK_SINCE == 'caracal'
    for source in SOURCES:
        upstream = source.version.split('-')[0]
        with tempfile.TemporaryDirectory() as tree:
            source.extract([mistral_options.CONFIG_PY, APP_PY], tree)
            names = mistral_options.registered(tree)
            with open(os.path.join(tree, APP_PY)) as f:
                routed = "'{}'".format(HEALTHCHECK_PATH) in f.read()
        found = tuple(option for option, (section, name)
                      in RELEASE_OPTIONS.items() if {section, name} <= names)
        assert found == EXPECTED[upstream], source.label
        major = int(upstream.split('.')[0])
        healthcheck = {'healthcheck', 'enabled'} <= names
        assert healthcheck == (major >= HEALTHCHECK_FROM), source.label
        assert routed == (major >= HEALTHCHECK_ROUTED_FROM), source.label
