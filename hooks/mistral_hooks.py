#!/usr/bin/env python3
"""The Mistral charm's hooks. Every file in hooks/ is a link to this one."""

import os
import sys

_HOOKS = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [_HOOKS, os.path.dirname(_HOOKS)]

import python_deps  # noqa: E402

python_deps.ensure()

import quick_status  # noqa: E402

# update-status on a settled unit needs none of the modules below, whose
# import is most of a hook's run time
if __name__ == '__main__' and quick_status.settled():
    sys.exit(0)

from charmhelpers.contrib.network.ip import get_relation_ip  # noqa: E402
from charmhelpers.contrib.hahelpers.cluster import is_clustered  # noqa: E402
from charmhelpers.contrib.openstack.ip import (  # noqa: E402
    ADMIN,
    INTERNAL,
    PUBLIC,
    canonical_url,
)
from charmhelpers.contrib.openstack.utils import (  # noqa: E402
    clear_unit_paused,
    clear_unit_upgrading,
    is_unit_paused_set,
    openstack_upgrade_available,
    series_upgrade_prepare,
)
from charmhelpers.core.hookenv import (  # noqa: E402
    Hooks,
    UnregisteredHookError,
    config,
    is_leader,
    log,
    open_port,
    relation_ids,
    relation_set,
)
from charmhelpers.core.host import service_stop  # noqa: E402

import hook_tools  # noqa: E402
import installed_release  # noqa: E402
import openstack_actions  # noqa: E402
import mistral_ha  # noqa: E402
import mistral_maintenance  # noqa: E402
import mistral_nrpe  # noqa: E402
import mistral_patches  # noqa: E402
import mistral_ssh  # noqa: E402
import mistral_tls  # noqa: E402
import mistral_utils as utils  # noqa: E402
from hook_tools import leader_get, leader_set  # noqa: E402
from mistral_constants import (  # noqa: E402
    API_PATH,
    API_PORT,
    DB_INITIALISED_KEY,
    DB_SCHEMA_KEY,
    SERVICE_NAME,
    VERSION_PACKAGE,
)

hook_tools.install()
installed_release.install()
hooks = Hooks()
CONFIGS = utils.register_configs()


def converge(changed=(), upgraded=False):
    """Bring files, database and services in line with the model.

    `changed`: what this hook changed already (utils.restart_map() keys);
    `upgraded`: the packages moved to a new release. Bad operator input
    stops it here: nothing is rendered or restarted, the last good
    configuration keeps serving and status says what to fix.
    """
    problem = utils.config_problem()
    if problem:
        log('Not converging: {}'.format(problem))
        return
    changed = list(changed)
    if utils.missing_packages():
        changed += utils.install_packages()
    else:
        changed += utils.repatch_mistral()
    changed += openstack_actions.install(CONFIGS.openstack_release)
    changed += utils.render(CONFIGS)
    mistral_ssh.ensure_shared_key()
    mistral_ssh.install()  # read at each connection: nothing restarts
    utils.initialise_database(CONFIGS, upgraded)
    if openstack_actions.CHANGED in changed:
        utils.register_preinstalled_workflows(CONFIGS)
    fewer = utils.apply_engine_workers()
    done = utils.manage_services(CONFIGS, changed)
    done['stopped'] = fewer + done.get('stopped', [])
    utils.check_isolation(CONFIGS, changed)
    # executions paused for an upgrade resume on the new code
    mistral_maintenance.end(lambda: utils.ready_to_serve(CONFIGS))
    log(summary(len(CONFIGS.templates), changed, done))


def summary(rendered, changed, done):
    """The hook's one log line: what it rendered, changed and restarted, e.g.
    'converge: rendered 4 files; changed 1: /etc/mistral/mistral.conf;
    restarted 3: mistral-api, mistral-engine, mistral-executor; started 0;
    stopped 0'. `changed` also names a package upgrade or our fixes."""
    parts = ['rendered {} files'.format(rendered)]
    for what, items in (('changed', changed),
                        ('restarted', done.get('restarted', [])),
                        ('started', done.get('started', [])),
                        ('stopped', done.get('stopped', []))):
        parts.append(' '.join([what, str(len(items))]) +
                     (': ' + ', '.join(items) if items else ''))
    return 'converge: ' + '; '.join(parts)


def publish_all():
    """Re-send what this unit tells every related application."""
    for rid in relation_ids('shared-db'):
        shared_db_joined(rid)
    for rid in relation_ids('pgsql-db'):
        pgsql_db_joined(rid)
    for rid in relation_ids('amqp'):
        amqp_joined(rid)
    for rid in relation_ids('identity-service'):
        identity_joined(rid)
    for rid in relation_ids('cluster'):
        publish_addresses(rid)
    for rid in relation_ids('ha'):
        ha_joined(rid)
    for rid in relation_ids(mistral_tls.CERT_RELATION):
        certs_joined(rid)
    update_nrpe_config()


@hooks.hook('install')
def install():
    problem = utils.config_problem()
    if problem:
        log('Not installing yet: {}'.format(problem))
        return
    utils.install_packages()
    open_port(API_PORT)


@hooks.hook('config-changed')
def config_changed():
    if utils.config_problem():
        return
    # a paused unit stays on its release until resumed (then the next
    # config-changed, or the action, upgrades it)
    if (not config('action-managed-upgrade') and
            not is_unit_paused_set() and
            not utils.missing_packages() and
            openstack_upgrade_available(VERSION_PACKAGE)):
        openstack_upgrade()
    else:
        converge()
    publish_all()
    open_port(API_PORT)


def openstack_upgrade():
    """Upgrade to the release openstack-origin names, then converge on it
    (render, migrate the schema, restart)."""
    converge(utils.do_openstack_upgrade(CONFIGS), upgraded=True)


@hooks.hook('upgrade-charm')
def upgrade_charm():
    # a new charm may carry fixes for the installed Mistral
    fixed = [] if utils.missing_packages() else utils.patch_mistral()
    converge(fixed)
    publish_all()


@hooks.hook('leader-elected', 'leader-settings-changed', 'start',
            'amqp-relation-changed', 'amqp-relation-departed',
            'identity-service-relation-changed',
            'identity-service-relation-departed',
            'shared-db-relation-changed', 'shared-db-relation-departed',
            'pgsql-db-relation-changed', 'pgsql-db-relation-departed',
            'cluster-relation-changed', 'cluster-relation-departed',
            'cluster-relation-broken')
def changed():
    converge()


@hooks.hook('certificates-relation-joined')
def certs_joined(rid=None):
    relation_set(relation_id=rid,
                 relation_settings=mistral_tls.certificate_request())


@hooks.hook('certificates-relation-changed',
            'certificates-relation-departed',
            'certificates-relation-broken')
def certs_changed():
    """A certificate issued, reissued or gone: haproxy serves it after a
    reload, and the endpoints follow (https once one is in place)."""
    converge()
    for rid in relation_ids('identity-service'):
        identity_joined(rid)
    update_nrpe_config()


@hooks.hook('shared-db-relation-joined')
def shared_db_joined(rid=None):
    relation_set(relation_id=rid,
                 database=config('database'),
                 username=config('database-user'),
                 hostname=get_relation_ip('shared-db'))


@hooks.hook('pgsql-db-relation-joined')
def pgsql_db_joined(rid=None):
    relation_set(relation_id=rid, database=config('database'))


@hooks.hook('shared-db-relation-broken', 'pgsql-db-relation-broken')
def db_broken():
    # the next database related is migrated afresh (and its schema
    # published then)
    if is_leader() and leader_get(DB_INITIALISED_KEY):
        leader_set({DB_INITIALISED_KEY: None, DB_SCHEMA_KEY: None})
    converge()


@hooks.hook('amqp-relation-joined')
def amqp_joined(rid=None):
    relation_set(relation_id=rid, username=config('rabbit-user'),
                 vhost=config('rabbit-vhost'))


@hooks.hook('amqp-relation-broken', 'identity-service-relation-broken')
def required_relation_broken():
    converge()


@hooks.hook('identity-service-relation-joined')
def identity_joined(rid=None):
    if mistral_ha.endpoints_wait_for_cluster():
        log('Not registering endpoints until clustered')
        return
    url = '{}:{}' + API_PATH
    relation_set(relation_id=rid,
                 service=SERVICE_NAME,
                 region=config('region'),
                 public_url=url.format(canonical_url(CONFIGS, PUBLIC),
                                       API_PORT),
                 internal_url=url.format(canonical_url(CONFIGS, INTERNAL),
                                         API_PORT),
                 admin_url=url.format(canonical_url(CONFIGS, ADMIN),
                                      API_PORT))


def publish_addresses(rid=None):
    """This unit's addresses, for the peers' haproxy."""
    settings = {'private-address': get_relation_ip('cluster')}
    for addr_type in ('admin', 'internal', 'public'):
        settings['{}-address'.format(addr_type)] = get_relation_ip(
            addr_type, cidr_network=config('os-{}-network'.format(addr_type)))
    relation_set(relation_id=rid, relation_settings=settings)


@hooks.hook('cluster-relation-joined')
def cluster_joined():
    publish_addresses()
    converge()


@hooks.hook('ha-relation-joined')
def ha_joined(rid=None):
    if utils.config_problem():
        return  # no VIP (or a bad one) to hand to hacluster: status says
    relation_set(relation_id=rid,
                 relation_settings=mistral_ha.ha_settings(rid))


@hooks.hook('ha-relation-changed')
def ha_changed():
    if is_clustered():
        # endpoints move to the VIP
        for rid in relation_ids('identity-service'):
            identity_joined(rid)


@hooks.hook('ha-relation-departed', 'ha-relation-broken')
def ha_gone():
    # the VIP goes with the cluster: endpoints back on this unit's address,
    # unless the unit itself is on its way out
    if mistral_ha.unit_leaving():
        return
    for rid in relation_ids('identity-service'):
        identity_joined(rid)


@hooks.hook('nrpe-external-master-relation-joined',
            'nrpe-external-master-relation-changed')
def update_nrpe_config():
    if relation_ids(mistral_nrpe.RELATION):
        mistral_nrpe.update()


@hooks.hook('nrpe-external-master-relation-departed',
            'nrpe-external-master-relation-broken')
def remove_nrpe_config():
    mistral_nrpe.remove()


@hooks.hook('pre-series-upgrade')
def pre_series_upgrade():
    series_upgrade_prepare(utils.pause_unit_helper, CONFIGS)


@hooks.hook('post-series-upgrade')
def post_series_upgrade():
    """The release upgrade replaced Mistral: the charm's packages for the
    new series, our fixes for the new version, the schema (the leader;
    the others wait for it), then the services, as an upgrade would."""
    clear_unit_paused()
    clear_unit_upgrading()
    if utils.config_problem():
        return  # status says what to fix; converging resumes then
    openstack_upgrade()


@hooks.hook('stop')
def stop():
    for svc in quick_status.mistral_services():
        service_stop(svc)


@hooks.hook('update-status')
def update_status():
    """Status; and our fixes back, restarting the services that run them,
    where a package upgrade outside the charm removed them (quick_status
    noticed)."""
    if mistral_patches.files_changed():
        converge()


def main():
    try:
        hooks.execute(sys.argv)
    except UnregisteredHookError as e:
        log('Unknown hook {} - skipping.'.format(e))
    utils.assess_status(CONFIGS)


if __name__ == '__main__':
    main()
