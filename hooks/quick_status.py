"""update-status on a settled unit, without the imports the other hooks
need (most of a hook's run time is charmhelpers' imports)."""

import os
import subprocess

from charmhelpers.core.hookenv import (
    application_version_set,
    cached,
    flush,
    hook_name,
    status_get,
)
from charmhelpers.core.unitdata import kv

import mistral_patches
from mistral_constants import (
    ENGINE_WORKER_SERVICE,
    ENGINE_WORKERS_KEY,
    HAPROXY_SERVICE,
    MEMCACHED_SERVICE,
    MISTRAL_SERVICES,
    PACKAGES,
    PERIODIC_SERVER_CODE,
    PERIODIC_SERVICE,
    READY,
    UWSGI_PACKAGES,
    VERSION_PACKAGE,
)


def has_periodic_server():
    """Has the installed Mistral `mistral-server --server periodic`?"""
    return os.path.exists(os.path.join(mistral_patches.TARGET_DIR,
                                       PERIODIC_SERVER_CODE))


def api_on_uwsgi():
    """Does the API run under uWSGI here (API_UWSGI_INI)?

    Where the periodic server runs the cron triggers. Mistral 21 and later
    serve the API from a single mistral-server process, and from more only
    under a WSGI server. Without the periodic server (Mistral 22 and
    before) the cron triggers run in the API: it stays the one
    mistral-server process, where their loop runs (see PERIODIC_SERVICE).
    """
    return has_periodic_server()


def packages():
    """The packages the charm installs here: uWSGI's too where it runs the
    API (as the installed Mistral tells)."""
    return PACKAGES + (UWSGI_PACKAGES if api_on_uwsgi() else [])


def engine_workers():
    """How many engine processes this unit runs."""
    return kv().get(ENGINE_WORKERS_KEY, 1)


def extra_engines(count=None):
    """The services of the engines beyond the packaged one, for `count`
    engines (by default, those this unit runs)."""
    return [ENGINE_WORKER_SERVICE.format(i)
            for i in range(2, (count or engine_workers()) + 1)]


def mistral_services():
    """Mistral's services on this unit: the extra engines', and the
    periodic server's where the installed Mistral has one."""
    api, engine, executor = MISTRAL_SERVICES
    return [api, engine] + extra_engines() + [executor] + (
        [PERIODIC_SERVICE] if has_periodic_server() else [])


def services():
    """Every service the charm runs here, in the order they restart
    (Mistral's first, the API before haproxy)."""
    return mistral_services() + [MEMCACHED_SERVICE, HAPROXY_SERVICE]


@cached
def service_states():
    """{service: active?} for every service of the charm, from one
    systemctl call (a call each costs a hook 10 ms or more per service),
    for the rest of the hook (mistral_utils.forget_service_states)."""
    names = services()
    try:
        out = subprocess.check_output(['systemctl', 'is-active'] + names,
                                      universal_newlines=True)
    except subprocess.CalledProcessError as exc:   # none of them is active
        out = exc.output or ''
    return {svc: state == 'active'
            for svc, state in zip(names, out.split())}


def services_running():
    states = service_states()
    return len(states) == len(services()) and all(states.values())


@cached
def installed_versions():
    """{package: dpkg's version ('1:20.0.0-2')} of the charm's packages and
    mistral-common installed, from one dpkg-query per hook: which are
    missing, the release (installed_release), the application version."""
    cmd = ['dpkg-query', '-W', '-f', '${Package} ${db:Status-Abbrev} '
           '${Version}\n'] + packages() + [VERSION_PACKAGE]
    try:
        out = subprocess.check_output(cmd, universal_newlines=True,
                                      stderr=subprocess.DEVNULL)
    except subprocess.CalledProcessError as e:
        # exit 1 when dpkg knows some package not at all; it lists the rest
        out = e.output or ''
    # 'ii': installed; 'rc' (removed, its config files left) has a version
    return {fields[0]: fields[2]
            for fields in map(str.split, out.splitlines())
            if len(fields) == 3 and fields[1] == 'ii'}


def installed_version(package):
    """`package`'s version when installed and one of those asked, else
    None."""
    return installed_versions().get(package)


def forget_installed_versions():
    """After apt has run."""
    flush(installed_versions.__name__)


def upstream_version(version):
    """'1:20.0.0-2+deb13u1' -> '20.0.0'."""
    return version.split(':')[-1].split('-')[0]


def application_version():
    """The upstream version of the installed Mistral, e.g. 20.0.0."""
    version = installed_version(VERSION_PACKAGE)
    return version and upstream_version(version) or None


def set_application_version():
    """application-version-set, only when the version changed."""
    version = application_version()
    store = kv()
    if version and store.get('application-version') != version:
        application_version_set(version)
        store.set('application-version', version)
        store.flush()


def settled():
    """Is this update-status on a unit that nothing has changed since the
    last hook found it ready?

    Only hooks change what the unit's readiness depends on (config,
    relations, leader settings), and each hook ends assessing status, so
    an active unit stays ready until a service stops or the packages
    change, which is all this checks. Any other status (waiting, blocked,
    paused) is assessed in full, as every other hook does, and so is a
    unit whose package upgrade removed our fixes (the hook re-applies them).
    """
    if hook_name() != 'update-status' or mistral_patches.files_changed():
        return False
    if status_get() != ('active', READY) or not services_running():
        return False
    set_application_version()
    return True
