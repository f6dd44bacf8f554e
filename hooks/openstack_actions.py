"""mistral-extra: the OpenStack actions (keystone.*, nova.*, ...) of Mistral.

No distribution packages it, so the packaged executors know only std.*.
With `openstack-actions` (off by default) the charm installs from PyPI the
mistral-extra made for the installed OpenStack release, with pip, into a
directory of its own (MISTRAL_EXTRA_DIR/<version>) and with --no-deps:
what it imports comes from the distribution (Mistral's own dependencies
and the clients in MISTRAL_EXTRA_PACKAGES), so pip changes no file of a
package. A .pth file in /usr/local's site directory (which dpkg never
touches) puts it on Python's path: package upgrades leave it in place, and
an OpenStack upgrade moves it to the version of the new release.

pip goes through the model's juju-https-proxy when one is set.
A failed install (no route to PyPI) leaves Mistral serving with std.*
actions only: a warning is logged, the next hook after RETRY_AFTER tries
again, and the openstack-actions action says why.
"""

import os
import shutil
import site
import subprocess
import tempfile
import time

from charmhelpers import fetch
from charmhelpers.core.hookenv import (
    WARNING,
    config,
    env_proxy_settings,
    log,
)
from charmhelpers.core.unitdata import kv

from mistral_constants import (
    MISTRAL_EXTRA_DIR,
    MISTRAL_EXTRA_PACKAGES,
    MISTRAL_EXTRA_PTH,
    MISTRAL_EXTRA_VERSIONS,
    MISTRAL_PYTHON,
)

OPTION = 'openstack-actions'
ENDPOINT_OPTION = 'openstack-actions-endpoint-type'
ENDPOINT_TYPES = ('public', 'internal', 'admin')
# unit data: {'version': installed} or {'failed': when, 'reason': why}
STATE_KEY = 'mistral-extra'
RETRY_AFTER = 600  # seconds between attempts after a failed install
# what restart_map() calls the change: every Mistral service loads actions
CHANGED = 'mistral-extra installed'
PYTHON = MISTRAL_PYTHON


def problem():
    """What is wrong with the options of this module, or None."""
    endpoint = config(ENDPOINT_OPTION)
    if endpoint not in ENDPOINT_TYPES:
        return "{}: '{}' is not one of {}".format(
            ENDPOINT_OPTION, endpoint, ', '.join(ENDPOINT_TYPES))
    return None


def wanted_version(release):
    """The mistral-extra of `release`, None when off (or none known)."""
    if not config(OPTION):
        return None
    return MISTRAL_EXTRA_VERSIONS.get(release)


def pth_path():
    """The .pth file in /usr/local's site directory of python3."""
    local = [d for d in site.getsitepackages() if d.startswith('/usr/local/')]
    return os.path.join(local[0], MISTRAL_EXTRA_PTH)


def _pip_install(version, target):
    tmp = tempfile.mkdtemp(dir=MISTRAL_EXTRA_DIR, prefix='.new-')
    try:
        subprocess.check_call([
            PYTHON, '-m', 'pip', 'install', '--quiet', '--no-deps',
            '--no-input', '--disable-pip-version-check', '--target', tmp,
            # an unreachable index costs a hook 20 s, not pip's 90
            '--timeout', '10', '--retries', '1',
            'mistral-extra=={}'.format(version)],
            # the model's juju-https-proxy: how an air-gapped cloud reaches
            # PyPI (or its mirror)
            env=dict(os.environ, **(env_proxy_settings(['https']) or {})))
        os.chmod(tmp, 0o755)
        os.rename(tmp, target)  # whole or not at all
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_pth(target):
    path = pth_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + '.new', 'w') as f:
        f.write(target + '\n')
    os.rename(path + '.new', path)


def _remove_others(keep=None):
    """Versions other than `keep`; True when one was removed."""
    removed = False
    if os.path.isdir(MISTRAL_EXTRA_DIR):
        for name in os.listdir(MISTRAL_EXTRA_DIR):
            if name != keep:
                shutil.rmtree(os.path.join(MISTRAL_EXTRA_DIR, name))
                removed = True
    return removed


def installed(version):
    """Is `version` in place and on the path? (files only: cheap)"""
    target = os.path.join(MISTRAL_EXTRA_DIR, version)
    try:
        with open(pth_path()) as f:
            return os.path.isdir(target) and f.read().strip() == target
    except FileNotFoundError:
        return False


def install(release):
    """mistral-extra as `openstack-actions` wants it for `release`; what
    changed (restart_map() keys)."""
    store = kv()
    version = wanted_version(release)
    if not version:
        removed = _remove_others()
        try:
            os.unlink(pth_path())
            removed = True
        except FileNotFoundError:
            pass
        store.unset(STATE_KEY)
        return [CHANGED] if removed else []
    if installed(version):
        return []
    state = store.get(STATE_KEY) or {}
    if (state.get('wanted') == version and
            time.time() - state.get('failed', 0) < RETRY_AFTER):
        return []  # failed a moment ago: not on every hook
    target = os.path.join(MISTRAL_EXTRA_DIR, version)
    os.makedirs(MISTRAL_EXTRA_DIR, exist_ok=True)
    try:
        fetch.apt_install(MISTRAL_EXTRA_PACKAGES,
                          options=['--no-install-recommends'], fatal=True)
        if not os.path.isdir(target):
            _pip_install(version, target)
    except subprocess.CalledProcessError as e:
        reason = 'installing mistral-extra {} failed ({}): OpenStack ' \
                 'actions unavailable, std.* actions only'.format(version, e)
        log(reason, level=WARNING)
        store.set(STATE_KEY, {'wanted': version, 'failed': time.time(),
                              'reason': reason})
        store.flush()
        return []
    _write_pth(target)
    _remove_others(keep=version)
    store.set(STATE_KEY, {'wanted': version, 'version': version})
    store.flush()
    log('mistral-extra {} installed: OpenStack actions available'.format(
        version))
    return [CHANGED]


def state():
    """What the openstack-actions action reports first: the version in
    place, or why none is."""
    recorded = kv().get(STATE_KEY) or {}
    if recorded.get('version') and installed(recorded['version']):
        return 'mistral-extra {} installed'.format(recorded['version'])
    if recorded.get('reason'):
        return recorded['reason']
    if not config(OPTION):
        return 'not installed: {} is false'.format(OPTION)
    return 'not installed yet'


# Asks the installed Mistral what its legacy action provider would load:
# each OpenStack generator's actions (0 when the service's client is
# missing), as the services do at start.
LOADED_SCRIPT = '''
import json
from oslo_config import cfg
import mistral_extra.config  # noqa: its options
from mistral_extra.actions import generator_factory
cfg.CONF([], project='mistral', default_config_files=[])
counts = {}
for generator in generator_factory.all_generators():
    try:
        counts[generator.action_namespace] = len(generator.create_actions())
    except Exception:
        counts[generator.action_namespace] = 0
print(json.dumps(counts))
'''


def loaded_namespaces():
    """{namespace: number of actions} that mistral-extra loads here.
    Raises CalledProcessError when it cannot be imported."""
    import json
    out = subprocess.check_output([PYTHON, '-c', LOADED_SCRIPT],
                                  universal_newlines=True,
                                  stderr=subprocess.DEVNULL)
    return json.loads(out.strip().splitlines()[-1])
