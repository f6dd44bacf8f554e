"""Install, upgrade, database, service and status logic of the charm."""

import contextlib
import json
import os
import time
import subprocess
import urllib.request
from collections import OrderedDict

import jinja2

from charmhelpers.contrib.openstack import context, templating
from charmhelpers.contrib.openstack.utils import (
    clear_unit_paused,
    configure_installation_source,
    get_os_codename_install_source,
    is_unit_paused_set,
    is_unit_upgrading_set,
    make_assess_status_func,
    pause_unit,
)
from charmhelpers.core.hookenv import (
    config,
    flush,
    is_leader,
    local_unit,
    log,
    relation_ids,
    related_units,
    status_set,
    WARNING,
)
from charmhelpers.core.host import (
    file_hash,
    service,
    service_stop,
)
from charmhelpers.core.decorators import retry_on_exception
from charmhelpers.core.unitdata import kv
from charmhelpers.fetch import (
    apt_install,
    apt_update,
)

import config_checks
import installed_release
import mistral_context
import mistral_db_check
import mistral_first_migration
import openstack_actions
import mistral_ha
import mistral_maintenance
import mistral_patches
import mistral_schema
import mistral_ssh
import mistral_tls
import safe_files
from hook_tools import leader_get, leader_set, relation_get
from mistral_constants import (
    API_BACKEND_PORT,
    API_SERVICE,
    API_SYSTEMD_OVERRIDE,
    API_UWSGI_INI,
    DB_INITIALISED_KEY,
    DB_MIGRATION_FAILED_KEY,
    DB_SCHEMA_KEY,
    ENGINE_WORKER_UNIT,
    ENGINE_WORKERS_KEY,
    FIXES_STATE,
    HAPROXY_CONF,
    HAPROXY_GROUP,
    HAPROXY_SERVICE,
    MEMCACHED_CONF,
    MEMCACHED_SERVICE,
    MISTRAL_CONF,
    MISTRAL_TLS_DIR,
    MISTRAL_USER,
    PERIODIC_SERVICE,
    PERIODIC_UNIT,
    REQUIRED_INTERFACES,
    SERVICES,
    TEMPLATE_CACHE,
)
from quick_status import (
    api_on_uwsgi,
    engine_workers,
    extra_engines,
    has_periodic_server,
    installed_versions,
    mistral_services,
    packages,
    service_states,
    services,
    set_application_version,
)

TEMPLATES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'templates')
DB_RELATIONS = ('shared-db', 'pgsql-db')
# Services that the packages would start on their stock configuration:
# every one the charm runs
HELD_BACK_SERVICES = SERVICES
POLICY_RC_D = '/usr/sbin/policy-rc.d'
# seconds a service just (re)started may take to listen on its port
PORT_WAIT = 20
# Recommends would bring a compiler and numpy: half the packages, none used
APT_OPTIONS = ['--option=Dpkg::Options::=--force-confold',
               '--no-install-recommends']
# Not files the charm writes, yet changes that restart the services running
# them: an upgrade of the packages (all of Mistral's code), and each of our
# fixes (mistral_patches), which restarts the services its fix.yaml names.
MISTRAL_UPGRADE = 'mistral packages upgraded'
MISTRAL_FIX = 'mistral fix applied: '


def fix_applied(name):
    """The change our fix `name` going in is (a restart_map() key)."""
    return MISTRAL_FIX + name


def resource_map():
    """Config files, the contexts that render them, the services reading them.

    Mistral's files come first so that the API restarts before haproxy.
    'systemd' marks a file systemd itself reads (a unit or drop-in);
    'group' the group that may read a file with secrets in it (0640).
    """
    mistral = mistral_context.MistralContext()
    ports = mistral_context.HAProxyPortsContext()
    memcache = context.MemcacheContext()
    rmap = OrderedDict([
        (MISTRAL_CONF, {
            'services': mistral_services(),
            'group': MISTRAL_USER,
            'contexts': [
                mistral_context.AMQPContext(ssl_dir=MISTRAL_TLS_DIR),
                mistral_context.SharedDBContext(ssl_dir=MISTRAL_TLS_DIR),
                mistral_context.PostgresqlDBContext(),
                mistral_context.IdentityServiceContext(),
                context.InternalEndpointContext(),
                context.BindHostContext(),
                context.LogLevelContext(),
                context.SyslogContext(),
                context.WorkerConfigContext(),
                memcache, ports, mistral,
            ],
        }),
        (API_SYSTEMD_OVERRIDE, {'services': [API_SERVICE],
                                'contexts': [mistral], 'systemd': True}),
        (API_UWSGI_INI, {'services': [API_SERVICE],
                         'contexts': [mistral, context.WorkerConfigContext(),
                                      mistral_context.UwsgiSocketContext()]}),
        (PERIODIC_UNIT, {'services': [PERIODIC_SERVICE],
                         'contexts': [mistral], 'systemd': True}),
        (ENGINE_WORKER_UNIT, {'services': extra_engines(),
                              'contexts': [mistral], 'systemd': True}),
        (MEMCACHED_CONF, {'services': [MEMCACHED_SERVICE],
                          'contexts': [memcache]}),
        (HAPROXY_CONF, {'services': [HAPROXY_SERVICE],
                        'group': HAPROXY_GROUP,
                        'contexts': [context.HAProxyContext(
                            singlenode_mode=True), ports,
                            mistral_context.TLSContext()]}),
    ])
    if not has_periodic_server():
        del rmap[PERIODIC_UNIT]
    if not api_on_uwsgi():
        del rmap[API_UWSGI_INI]
    return rmap


def restart_map():
    """What changes (files, code) -> the services that read it."""
    rmap = OrderedDict((path, spec['services'])
                       for path, spec in resource_map().items())
    # a new certificate: haproxy reloads, nothing else restarts
    rmap[mistral_tls.HAPROXY_PEM] = [HAPROXY_SERVICE]
    rmap[MISTRAL_UPGRADE] = mistral_services()
    for fix in mistral_patches.load_fixes():
        # an extra engine ('mistral-engine@2') runs what mistral-engine runs
        rmap[fix_applied(fix.name)] = [svc for svc in mistral_services()
                                       if svc.split('@')[0] in fix.services]
    # every Mistral service loads the actions (the API lists them)
    rmap[openstack_actions.CHANGED] = mistral_services()
    return rmap


class ConfigRenderer(templating.OSConfigRenderer):
    """charmhelpers' renderer, writing each file with safe_files (atomic,
    no symlink followed) as root:<its 'group'>, 0640 with a group and 0644
    without."""

    def _get_tmpl_env(self):
        # compiling the templates took half a no-op hook's rendering; the
        # cache knows each by its source's checksum
        fresh = not self._tmpl_env
        super()._get_tmpl_env()
        if fresh:
            os.makedirs(TEMPLATE_CACHE, mode=0o700, exist_ok=True)
            self._tmpl_env.bytecode_cache = jinja2.FileSystemBytecodeCache(
                TEMPLATE_CACHE)

    def write(self, config_file):
        spec = resource_map()[config_file]
        group = spec.get('group')
        safe_files.write_atomic(
            config_file, self.render(config_file), group=group or 'root',
            perms=0o640 if group else 0o644)


def register_configs(release=None):
    release = release or installed_release.release()
    configs = ConfigRenderer(
        templates_dir=TEMPLATES,
        openstack_release=release)
    register_new_files(configs)
    return configs


def register_new_files(configs):
    """Register the files of resource_map() that `configs` has not: those
    of code installed since (the periodic server's unit)."""
    for path, spec in resource_map().items():
        if path not in configs.templates:
            configs.register(path, spec['contexts'])


# --- configuration checks ----------------------------------------------------

# Relations whose data the templates render (certificates' data only
# goes to PEM files, checked as such), and the keys of theirs that do not
# (base64 CAs, certificates and keys, written to files)
RENDERED_RELATIONS = ('shared-db', 'pgsql-db', 'amqp', 'identity-service',
                      'cluster', 'ha')
FILE_KEYS = ('ssl_ca', 'ssl_cert', 'ssl_key', 'ca_cert')


def line_break_problem():
    """A relation value that would add a line to a rendered file, or None.

    Refused, never escaped: a line of mistral.conf can hold no line break
    (an injected '[pecan]\nauth_enable = False' would turn auth off).
    """
    for rel in RENDERED_RELATIONS:
        for rid in relation_ids(rel):
            for unit in related_units(rid):
                data = relation_get(rid=rid, unit=unit) or {}
                for key in sorted(data):
                    if key not in FILE_KEYS and config_checks.has_line_break(
                            data[key]):
                        return ('{}: {} from {} contains a line break; '
                                'refused'.format(rel, key, unit))
    return None


def config_problem():
    """The operator's (or a related application's) input that stops this
    unit converging, or None."""
    error = (config_checks.config_error(config()) or line_break_problem() or
             mistral_tls.problem() or mistral_ssh.problem() or
             openstack_actions.problem())
    if error:
        return error
    related = [r for r in DB_RELATIONS if relation_ids(r)]
    if len(related) > 1:
        return ('shared-db and pgsql-db are both related: remove one '
                'database relation')
    if relation_ids('ha') and not (config('vip') or config('dns-ha')):
        return 'vip: required with the ha relation (or set dns-ha)'
    return None


# --- packages ----------------------------------------------------------------

@contextlib.contextmanager
def services_held_back():
    """Keep package scripts from starting services on stock configuration.

    Debian and Ubuntu start a service as soon as its package is installed;
    Mistral's would serve on the packaged config (the uWSGI API on the
    public port) before the charm has rendered its own.
    """
    if os.path.exists(POLICY_RC_D):
        # someone else's policy; stop our services afterwards instead
        yield
        for svc in HELD_BACK_SERVICES:
            service_stop(svc)
        return
    # invoke-rc.d asks with the init script's name ('haproxy'),
    # deb-systemd-invoke with the unit's ('haproxy.service'); options may
    # come first
    with open(POLICY_RC_D, 'w') as script:
        script.write('#!/bin/sh\n# mistral charm: held back while installing\n'
                     'for arg; do case "$arg" in {}) exit 101;; esac; done\n'
                     'exit 0\n'.format('|'.join(
                         '{0}|{0}.*'.format(svc)
                         for svc in HELD_BACK_SERVICES)))
    os.chmod(POLICY_RC_D, 0o755)
    try:
        yield
    finally:
        os.unlink(POLICY_RC_D)


def missing_packages():
    """The charm's packages not installed, from one dpkg query a hook
    (charmhelpers' filter_installed_packages runs `apt-cache show` per
    package, about a second for ours)."""
    installed = installed_versions()
    return [pkg for pkg in packages() if pkg not in installed]


def install_packages():
    """Install what is missing; what changed (see restart_map())."""
    status_set('maintenance', 'Installing packages')
    configure_installation_source(config('openstack-origin'))
    apt_update(fatal=True)
    with services_held_back():
        install_until_complete(missing_packages())
    return patch_mistral()


def install_until_complete(wanted):
    """Install `wanted`, then what the code installed asks for too (uWSGI
    where the API runs under it: quick_status.packages), until nothing is
    missing or apt leaves the same packages missing twice."""
    while wanted:
        apt_install(wanted, options=APT_OPTIONS, fatal=True)
        installed_release.forget()
        wanted, before = missing_packages(), wanted
        if wanted == before:
            return


def patch_mistral():
    """Our fixes for the installed Mistral's known bugs (mistral_patches),
    again after every install or upgrade, which undoes them; what changed
    (see restart_map())."""
    applied, missing = mistral_patches.apply_fixes(log=log)
    for name in missing:
        log('Mistral fix {} fits no variant of the installed code; '
            'left out'.format(name), level=WARNING)
    # for the NRPE check, which cannot read the unit's kv store
    os.makedirs(os.path.dirname(FIXES_STATE), exist_ok=True)
    safe_files.write_atomic(FIXES_STATE, json.dumps({
        'missing': missing,
        'files': mistral_patches.recorded_files()}, sort_keys=True))
    return [fix_applied(name) for name in applied]


def repatch_mistral():
    """Our fixes again where a package upgrade the charm did not run
    (unattended-upgrades, an operator's apt) replaced the files they
    change; nothing, at the cost of hashing them, where they are as the
    charm left them."""
    return patch_mistral() if mistral_patches.files_changed() else []


def do_openstack_upgrade(configs):
    """Move this unit's packages to the release openstack-origin names;
    what changed (see restart_map()). Converging then renders for the new
    release, migrates the schema and restarts (and the leader, which
    drained the running executions first, resumes them)."""
    new_src = config('openstack-origin')
    new_release = get_os_codename_install_source(new_src)
    mistral_maintenance.drain()
    status_set('maintenance', 'Upgrading to {}'.format(new_release))
    configure_installation_source(new_src)
    apt_update(fatal=True)
    # the charm's packages (and what they depend on), not the whole
    # machine; the charm renders its own files, the rest keep the operator's
    with services_held_back():
        install_until_complete(packages())
    configs.set_release(openstack_release=new_release)
    return [MISTRAL_UPGRADE] + patch_mistral()


# --- configuration files and services ----------------------------------------

def render(configs):
    """Install the certificates, write every config file; what changed
    (restart_map() keys). The certificate first: haproxy.cfg names it."""
    for path, spec in resource_map().items():
        if spec.get('systemd'):
            os.makedirs(os.path.dirname(path), exist_ok=True)
    safe_files.private_dir(MISTRAL_TLS_DIR, MISTRAL_USER)
    changed = mistral_tls.install()
    register_new_files(configs)
    before = {path: file_hash(path) for path in configs.templates}
    configs.write_all()
    return changed + [path for path, digest in before.items()
                      if file_hash(path) != digest]


def running(svc):
    """Is `svc` active? One systemctl call answers for every service until
    this hook starts, stops or restarts one (forget_service_states)."""
    return service_states().get(svc, False)


def forget_service_states():
    flush(service_states.__name__)


def restart_services(changed=(), start=()):
    """The one place that restarts, reloads and starts services.

    Every running service reading one of `changed` (keys of restart_map())
    takes the change: haproxy reloads, the rest restart. `start` are
    stopped services to start (and enable). systemd re-reads its units
    first when a unit file of a service (re)started changed, or may have
    while the service was stopped. Returns the services restarted.
    """
    rmap = restart_map()
    restart = [svc for svc in services() if running(svc) and
               any(svc in rmap[path] for path in changed)]
    if restart or start:
        forget_service_states()
    for path, spec in resource_map().items():
        readers = set(spec['services'])
        if spec.get('systemd') and (readers & set(start) or (
                path in changed and readers & set(restart))):
            subprocess.check_call(['systemctl', 'daemon-reload'])
            break
    # one systemctl call each: systemd runs the jobs side by side (a
    # Mistral service takes seconds to stop)
    restarts = [svc for svc in restart if svc != HAPROXY_SERVICE]
    # one that crashed in a loop while what it needs was not ready (the
    # database's grant) may be at systemd's start limit, which would refuse
    # this (re)start
    if restarts or start:
        subprocess.call(['systemctl', 'reset-failed'] + restarts + list(start))
    if restarts:
        subprocess.check_call(['systemctl', 'restart'] + restarts)
    # a reload hands the listening socket over: requests in flight through
    # the VIP are not refused while a peer joins or leaves
    if HAPROXY_SERVICE in restart and not service('reload', HAPROXY_SERVICE):
        service('restart', HAPROXY_SERVICE)
    if start:
        # a pause (charmhelpers' service_pause) masked them
        subprocess.check_call(['systemctl', 'unmask', '--quiet'] + start)
        subprocess.check_call(['systemctl', 'enable', '--quiet'] + start)
        subprocess.check_call(['systemctl', 'start'] + start)
    return restart


def required_relations_complete(configs):
    complete = configs.complete_contexts()
    return all(any(rel in complete for rel in rels)
               for rels in REQUIRED_INTERFACES.values())


def ready_to_serve(configs):
    return (required_relations_complete(configs) and
            database_initialised(configs) and not schema_mismatch())


def manage_services(configs, changed=()):
    """Run Mistral once it has everything it needs, and not before;
    restart what runs and reads something in `changed` (restart_map()).

    haproxy and memcached run as soon as their files are written. A paused
    unit restarts nothing. Returns {'restarted'|'started'|'stopped':
    services}.
    """
    if is_unit_paused_set() or is_unit_upgrading_set():
        return {}
    wanted = ready_to_serve(configs)
    stop = [svc for svc in mistral_services()
            if not wanted and running(svc)]
    for svc in stop:
        service_stop(svc)
    if stop:
        forget_service_states()
    # the token cache and the public port before the API
    candidates = [MEMCACHED_SERVICE, HAPROXY_SERVICE]
    if wanted:
        candidates += mistral_services()
    start = [svc for svc in candidates if not running(svc)]
    return {'restarted': restart_services(changed, start=start),
            'started': start, 'stopped': stop}


def apply_engine_workers():
    """Run as many engines as engine-workers says from now on: those no
    longer wanted stop now (and lose a pause's mask), the new ones start
    with the others (manage_services). Returns the services stopped."""
    wanted = config('engine-workers')
    if wanted == engine_workers():
        return []
    surplus = extra_engines()[max(wanted - 1, 0):]
    if surplus:
        subprocess.call(['systemctl', 'disable', '--now', '--quiet'] +
                        surplus)
        subprocess.call(['systemctl', 'unmask', '--quiet'] + surplus)
    store = kv()
    store.set(ENGINE_WORKERS_KEY, wanted)
    store.flush()
    forget_service_states()
    return surplus


def check_isolation(configs, changed=()):
    """Ask a Mistral database session its isolation (status shows what
    is not READ COMMITTED) when Mistral runs on a new mistral.conf or new
    code: `changed` as manage_services takes it."""
    new_code = any(path in (MISTRAL_CONF, MISTRAL_UPGRADE) or
                   path.startswith(MISTRAL_FIX) for path in changed)
    if new_code and ready_to_serve(configs) and not is_unit_paused_set():
        mistral_db_check.measure(MISTRAL_CONF)


# --- database ----------------------------------------------------------------

def _database_data():
    for ctxt in (context.SharedDBContext(), context.PostgresqlDBContext()):
        data = ctxt()
        if data.get('database_host'):
            return data
    return None


def database_fingerprint():
    """Which database mistral.conf points at (no secrets), or None: its
    type and name, not the host it is reached through (mysql-router
    re-pointed, a VIP moved: the same database, nothing to migrate).

    The leader records it once migrated: another type is migrated again,
    and so is a database related anew (db_broken forgets the record).
    """
    data = _database_data()
    return data and '{}/{}'.format(data['database_type'], data['database'])


def legacy_fingerprint():
    """What charms before this one recorded: the host in it."""
    data = _database_data()
    return data and '{}://{}/{}'.format(
        data['database_type'], data['database_host'], data['database'])


def database_allows_this_unit():
    """Has the database granted this unit access? (no data lost: we never
    migrate a database that has not listed us)."""
    keys = {'shared-db': 'allowed_units', 'pgsql-db': 'allowed-units'}
    for rel, key in keys.items():
        for rid in relation_ids(rel):
            for unit in related_units(rid):
                allowed = relation_get(key, rid=rid, unit=unit) or ''
                if local_unit() in allowed.split():
                    return True
    return False


def database_initialised(configs):
    fingerprint = database_fingerprint()
    return bool(fingerprint) and leader_get(DB_INITIALISED_KEY) in (
        fingerprint, legacy_fingerprint())


def schema_mismatch():
    """(revision the leader published, the one this unit's code expects)
    when they differ and both are known, else None."""
    published = leader_get(DB_SCHEMA_KEY)
    head = mistral_schema.revisions(mistral_patches.TARGET_DIR)[0]
    if published and head and published != head:
        return published, head
    return None


def db_manage(*command):
    subprocess.check_call(['mistral-db-manage', '--config-file',
                           MISTRAL_CONF] + list(command))


@retry_on_exception(3, base_delay=5, exc_type=subprocess.CalledProcessError)
def migrate_database(first=None):
    """`first`: the fingerprint of a database never migrated yet."""
    if first:
        mistral_first_migration.prepare(MISTRAL_CONF, first)
    db_manage('upgrade', 'head')
    db_manage('populate')


def register_preinstalled_workflows(configs):
    """On the leader of a migrated database: the workflows packages
    preinstall (mistral-extra's std.create_instance, ...), which only
    `populate` registers, after mistral-extra came or went. A failure
    leaves them as they were and says so; the next change tries again."""
    if not is_leader() or not database_initialised(configs):
        return
    try:
        db_manage('populate')
    except subprocess.CalledProcessError as e:
        log('Registering the preinstalled workflows failed: {}'.format(e),
            level=WARNING)


def initialise_database(configs, upgraded=False):
    """On the leader, migrate a database not migrated yet, or to the schema
    of the new code (`upgraded`, or the code knows the published revision
    and goes beyond it), once it lets this unit in; publish the revision
    reached. The other units wait for the leader settings (schema_mismatch).
    A leader on older code than the database's leaves it alone."""
    if not is_leader() or is_unit_paused_set():
        return
    fingerprint = database_fingerprint()
    if not fingerprint:
        return
    head, known = mistral_schema.revisions(mistral_patches.TARGET_DIR)
    mismatch = schema_mismatch()
    first = not database_initialised(configs)
    if not first and not upgraded and not (
            mismatch and mismatch[0] in known):
        # brought up to date what an older charm recorded (the host in
        # the fingerprint, no schema revision), without migrating
        record = {DB_INITIALISED_KEY: fingerprint}
        if head and not leader_get(DB_SCHEMA_KEY):
            record[DB_SCHEMA_KEY] = head
        if any(leader_get(key) != value for key, value in record.items()):
            leader_set(record)
        return
    if not database_allows_this_unit():
        return
    if not required_relations_complete(configs):
        return
    status_set('maintenance', 'Migrating the database')
    log('Migrating the database {} to {}'.format(fingerprint, head))
    store = kv()
    try:
        migrate_database(fingerprint if first else None)
    except subprocess.CalledProcessError as e:
        # e.g. the database asked for TLS before the relation-changed
        # bringing its CA ran here: the next hook tries again; status
        # says so meanwhile (a hook traceback would stop every other hook)
        log('The database migration failed ({}); the next hook tries '
            'again'.format(e), level=WARNING)
        store.set(DB_MIGRATION_FAILED_KEY, ' '.join(e.cmd[3:]))
        store.flush()
        return
    store.unset(DB_MIGRATION_FAILED_KEY)
    store.flush()
    leader_set({DB_INITIALISED_KEY: fingerprint, DB_SCHEMA_KEY: head})
    if first:
        mistral_first_migration.done()


# --- status ------------------------------------------------------------------

def listening_ports():
    """TCP ports something listens on here (/proc: no netcat needed)."""
    ports = set()
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for fields in map(str.split, rows):
            if fields[3] == '0A':  # LISTEN
                ports.add(int(fields[1].rsplit(':', 1)[1], 16))
    return ports


def api_answers(path):
    """Does the API on this unit answer 200 at `path`?"""
    host = '[::1]' if config('prefer-ipv6') else '127.0.0.1'
    try:
        with urllib.request.urlopen('http://{}:{}{}'.format(
                host, API_BACKEND_PORT, path), timeout=5) as answer:
            return answer.status == 200
    except OSError:   # refused, timed out, or an HTTP error status
        return False


def closed_ports():
    """The ports of the API's chain that a running service should listen on
    and does not ('8979 (mistral-api)'), after up to PORT_WAIT seconds for
    services just (re)started. (A stopped one the services check names.)
    uWSGI listens before Mistral has loaded: there the API's port counts
    as open once the API answers its health check."""
    deadline = time.monotonic() + PORT_WAIT
    health = mistral_context.healthcheck_path() if api_on_uwsgi() else None
    failed = None
    while True:
        listening = listening_ports()   # /proc read once a round
        waiting = [(svc, port) for svc, port in
                   mistral_context.listen_ports().items()
                   if running(svc) and port not in listening]
        closed = ['{} ({})'.format(port, svc) for svc, port in waiting]
        if not closed and health and running(API_SERVICE) and \
                not api_answers(health):
            waiting = [(API_SERVICE, API_BACKEND_PORT)]
            closed = ['{} ({}: no answer at {})'.format(
                API_BACKEND_PORT, API_SERVICE, health)]
        if not closed or time.monotonic() >= deadline:
            return closed
        # one that failed since (say, refused by a database that has just
        # turned to TLS) will not open its port in this wait, though
        # systemd starts it again: the next hook looks again
        now = failures([svc for svc, _ in waiting])
        if failed is not None and now > failed:
            return closed
        failed = now
        time.sleep(1)


def failures(services):
    """How often `services` have failed: systemd's restarts of them
    (Restart=on-failure), plus those not active now."""
    try:
        out = subprocess.check_output(
            ['systemctl', 'show', '-p', 'NRestarts', '-p', 'ActiveState'] +
            services, universal_newlines=True)
    except subprocess.CalledProcessError:
        return 0   # no news: wait on
    count = 0
    for line in out.splitlines():
        key, _, value = line.partition('=')
        if key == 'NRestarts' and value.isdigit():
            count += int(value)
        elif key == 'ActiveState' and value != 'active':
            count += 1
    return count


def charm_status(configs):
    """What the generic relation checks cannot know."""
    if not required_relations_complete(configs):
        return None, None
    state, message = mistral_ha.ha_status()
    if state:
        return state, message
    if not database_initialised(configs):
        if not database_allows_this_unit():
            return 'waiting', 'Waiting for the database to allow this unit'
        if is_leader():
            failed = kv().get(DB_MIGRATION_FAILED_KEY)
            if failed:
                return 'blocked', ('Database migration failed (mistral-db-'
                                   'manage {}): see the unit log; the next '
                                   'hook tries again'.format(failed))
            return 'waiting', 'Database not migrated yet'
        return 'waiting', 'Waiting for the leader to migrate the database'
    mismatch = schema_mismatch()
    if mismatch:
        published, head = mismatch
        if is_leader() and published not in mistral_schema.revisions(
                mistral_patches.TARGET_DIR)[1]:
            return 'blocked', ('Database schema {} is newer than this '
                               "unit's Mistral ({}): upgrade it".format(
                                   published, head))
        return 'waiting', ('Waiting for the leader to migrate the database '
                           'to schema {} (now {})'.format(head, published))
    if is_unit_paused_set():
        return None, None
    stopped = [svc for svc in services() if not running(svc)]
    if stopped:
        return 'blocked', 'Services not running that should be: {}'.format(
            ', '.join(stopped))
    closed = closed_ports()
    if closed:
        # e.g. the API moved away from where haproxy forwards
        return 'blocked', 'Not listening: {}'.format(', '.join(closed))
    isolation = mistral_db_check.problem()
    if isolation:
        return 'blocked', isolation
    return None, None


def assess_status_func(configs):
    """charmhelpers' status assessment; charm_status checks the services
    are running, from one systemctl call. charmhelpers checks them (a
    systemctl call each) only on a paused unit, that they are stopped."""
    return make_assess_status_func(
        configs, REQUIRED_INTERFACES, charm_func=charm_status,
        services=services() if is_unit_paused_set() else None, ports=None)


def assess_status(configs):
    problem = config_problem()
    if problem:
        # the operator's mistake first: nothing converges until it is fixed
        status_set('blocked', problem)
    else:
        assess_status_func(configs)()
    set_application_version()


def pause_unit_helper(configs):
    # assessed once paused
    pause_unit(lambda: assess_status_func(configs)(), services=services())


def resume_unit_helper(configs):
    """charmhelpers' resume_unit would start Mistral before a migration
    the pause held back: here the migration comes first."""
    clear_unit_paused()
    initialise_database(configs)
    manage_services(configs)
    message = assess_status_func(configs)()
    if message:
        raise Exception("Couldn't resume: {}".format(message))
