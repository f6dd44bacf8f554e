"""The ha relation: what the charm asks of hacluster, and what the
endpoints and status make of the cluster's answer."""

import json

from charmhelpers.contrib.hahelpers.cluster import is_clustered
from charmhelpers.contrib.openstack.ha.utils import (
    JSON_ENCODE_OPTIONS,
    generate_ha_relation_data,
)
from charmhelpers.core.hookenv import (
    config,
    goal_state,
    hook_name,
    local_unit,
    relation_id,
    relation_ids,
)

from hook_tools import relation_get
from mistral_constants import SERVICE_NAME

# hooks in which the hook's own ha relation is on its way out
LEAVING_HOOKS = ('ha-relation-departed', 'ha-relation-broken')


def _names(data, key):
    """Resource names in a json_<key> value (a dict's keys or a list)."""
    return set(json.loads(data.get('json_' + key) or '[]'))


def delete_resources(previous, current):
    """hacluster's json_delete_resources value.

    hacluster updates primitives but creates groups and clones only if
    absent, and never deletes what a principal stops asking for: a changed
    or removed VIP would keep running. So every resource this unit asked
    for before (`previous`, its settings on the relation) and does not ask
    for now (`current`) is listed, with those retired earlier, until it is
    asked for again. crmsh removes a group with its last member, so a
    changed single VIP comes back in a new group.
    """
    retired = _names(previous, 'resources') | _names(previous,
                                                     'delete_resources')
    wanted = _names(current, 'resources')
    names = (retired - wanted) | _names(current, 'delete_resources')
    return json.dumps(sorted(names), **JSON_ENCODE_OPTIONS)


def ha_settings(rid=None):
    """The relation data for hacluster on `rid` (the hook's relation)."""
    settings = generate_ha_relation_data(SERVICE_NAME)
    previous = relation_get(unit=local_unit(), rid=rid or relation_id()) or {}
    deleted = delete_resources(previous, settings)
    if deleted != '[]':
        settings['json_delete_resources'] = deleted
    # hacluster reads these (plain keys) for its multicast transport
    settings['corosync_bindiface'] = config('ha-bindiface')
    settings['corosync_mcastport'] = config('ha-mcastport')
    return settings


def ha_relations():
    """The ha relations that stay after this hook."""
    leaving = relation_id() if hook_name() in LEAVING_HOOKS else None
    return [rid for rid in relation_ids('ha') if rid != leaving]


def unit_leaving():
    """Is this unit being removed? Its own ha relation departs first, and
    its address must not then replace the VIP in the catalog."""
    units = goal_state().get('units', {})
    return units.get(local_unit(), {}).get('status') in (None, 'dying',
                                                         'dead')


def endpoints_wait_for_cluster():
    """With a VIP and hacluster related, endpoints are registered once the
    cluster has formed, never with a unit's address first; without the ha
    relation (never related, or removed) the unit's own address serves."""
    return bool(config('vip') and ha_relations() and not is_clustered())


def ha_status():
    """(state, message) of the VIP's cluster, (None, None) when fine."""
    if not config('vip'):
        return None, None
    if not ha_relations():
        return ('blocked', "vip: set, but no ha relation: relate hacluster "
                "or unset vip (endpoints use this unit's address)")
    if not is_clustered():
        return ('waiting', 'vip: waiting for hacluster to form the cluster '
                '(endpoints are registered once clustered)')
    return None, None
