"""Nagios checks through the nrpe subordinate (nrpe-external-master).

A check per service the charm runs, haproxy's backends and queue, the API
as clients reach it (through haproxy, https once haproxy serves a
certificate), executions stuck RUNNING, and the charm's fixes to Mistral.
The scripts are copied before the checks naming them are written:
charmhelpers writes an empty command for a script it cannot find.
"""

import glob
import os
import shutil

from charmhelpers.contrib.charmsupport import nrpe
from charmhelpers.core.hookenv import config
from charmhelpers.fetch import apt_install

import mistral_context
import mistral_tls
import quick_status
import safe_files
from mistral_constants import (
    EXECUTIONS_CHECK,
    FIXES_CHECK,
    FIXES_STATE,
    HAPROXY_SERVICE,
    MAX_ENGINE_WORKERS,
    MISTRAL_CONF,
    MISTRAL_USER,
    NRPE_SUDOERS,
    PERIODIC_SERVICE,
    SERVICES,
)

RELATION = 'nrpe-external-master'
# charmhelpers' scripts (check_haproxy.sh, ...), next to its openstack code
CHARMHELPERS_FILES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(nrpe.__file__))),
    'openstack', 'files')
CHARM_FILES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.realpath(__file__))),
    'files', 'nrpe')
API_CHECK = 'mistral_api'
# charmhelpers' names for its haproxy checks, and their scripts
HAPROXY_CHECKS = ['haproxy_servers', 'haproxy_queue']
HAPROXY_SCRIPTS = ['check_haproxy.sh', 'check_haproxy_queue_depth.sh']
EXECUTIONS = 'mistral_executions'
FIXES = 'mistral_fixes'


def plugin(name):
    return os.path.join(nrpe.NAGIOS_PLUGINS, name)


def _copy_scripts():
    nrpe.copy_nrpe_checks(CHARMHELPERS_FILES)
    if not shutil.which('sudo'):  # minimal images may lack it
        apt_install(['sudo'], fatal=True)
    for script in glob.glob(os.path.join(CHARM_FILES, 'check_*')):
        shutil.copy2(script, nrpe.NAGIOS_PLUGINS)
    # charmhelpers' PyPI release ships its scripts without the x bit
    for script in HAPROXY_SCRIPTS:
        os.chmod(plugin(script), 0o755)
    # nagios may run the executions check as mistral (mistral.conf) and
    # haproxy's as root (haproxy.cfg, its stats password), nothing else
    safe_files.write_atomic(NRPE_SUDOERS, (
        '# mistral charm: NRPE checks reading files nagios may not\n'
        'nagios ALL=({}) NOPASSWD: {}\n'
        'nagios ALL=(root) NOPASSWD: {}\n'.format(
            MISTRAL_USER, plugin(EXECUTIONS_CHECK),
            ', '.join(map(plugin, HAPROXY_SCRIPTS)))), perms=0o440)


def api_check_command():
    """check_http against haproxy's public port, TLS as haproxy serves."""
    port = mistral_context.listen_ports()[HAPROXY_SERVICE]
    tls = ' --ssl' if os.path.exists(mistral_tls.HAPROXY_PEM) else ''
    return ('check_http -I 127.0.0.1 -p {} -u / -e 200{}'.format(port, tls))


def _checks():
    """NRPE with every check of ours added (checks need the scripts)."""
    checks = nrpe.NRPE(hostname=nrpe.get_nagios_hostname(RELATION))
    unit = nrpe.get_nagios_unit_name(RELATION)
    nrpe.add_init_service_checks(checks, quick_status.services(), unit)
    nrpe.add_haproxy_checks(checks, unit)
    # they read haproxy.cfg, root:haproxy 0640: silently OK (no server
    # found) when run as nagios
    for check in checks.checks:
        if check.shortname in HAPROXY_CHECKS and check.check_cmd:
            check.check_cmd = 'sudo -n ' + check.check_cmd
    checks.add_check(shortname=API_CHECK,
                     description='Mistral API through haproxy {%s}' % unit,
                     check_cmd=api_check_command())
    checks.add_check(
        shortname=EXECUTIONS,
        description='Mistral executions RUNNING without progress {%s}' % unit,
        check_cmd='{} --minutes {} --config {}'.format(
            EXECUTIONS_CHECK, config('nagios-stuck-execution-minutes'),
            MISTRAL_CONF))
    checks.add_check(
        shortname=FIXES,
        description='Mistral recovery fixes applied {%s}' % unit,
        check_cmd='{} --state {}'.format(FIXES_CHECK, FIXES_STATE))
    return checks


def update():
    """Write every check, with the context and service groups configured."""
    if not nrpe.NRPE.does_nrpe_conf_dir_exist():
        return  # the subordinate has not installed nrpe yet
    _copy_scripts()
    _checks().write()
    # engines engine-workers no longer asks for
    _remove(quick_status.extra_engines(MAX_ENGINE_WORKERS)[
        len(quick_status.extra_engines()):])


def remove():
    """The relation is going: no check of ours is left behind."""
    # Check.remove() only deletes files; NRPE() would write to the
    # relation, which a broken hook may no longer do
    _remove(SERVICES + quick_status.extra_engines(MAX_ENGINE_WORKERS) +
            [PERIODIC_SERVICE] + HAPROXY_CHECKS +
            [API_CHECK, EXECUTIONS, FIXES])
    safe_files.remove(NRPE_SUDOERS)


def _remove(names):
    for name in names:
        nrpe.Check(shortname=name, description='',
                   check_cmd='check_disk').remove(None)
