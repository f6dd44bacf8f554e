"""Checks of the operator's configuration.

A hook that finds a problem here renders nothing and restarts nothing, so
the last good configuration keeps serving; status names the option.
"""

import ipaddress
import re

from charmhelpers.contrib.openstack.utils import OPENSTACK_CODENAMES
from charmhelpers.core.host import lsb_release

UBUNTU_ORIGIN = re.compile(
    r'^cloud:(?P<series>[a-z]+)-(?P<release>[a-z]+)'
    r'(/(updates|staging|proposed))?$')
OTHER_ORIGINS = re.compile(r'^(distro|distro-proposed|ppa:\S+/\S+|deb \S+.*)$')

# option: (lowest allowed value, what the value means)
INT_BOUNDS = {
    'worker-multiplier': (0, 'worker processes per CPU'),
    'vip_cidr': (1, 'a netmask length'),
    'ha-mcastport': (1, 'a port'),
    'haproxy-server-timeout': (1, 'milliseconds'),
    'haproxy-client-timeout': (1, 'milliseconds'),
    'haproxy-queue-timeout': (1, 'milliseconds'),
    'haproxy-connect-timeout': (1, 'milliseconds'),
    'execution-expiration-interval': (1, 'minutes'),
    'execution-expiration-older-than': (0, 'minutes'),
    'execution-expiration-max-finished': (0, 'executions'),
    'execution-field-size-limit-kb': (-1, 'KiB, or -1 for no limit'),
    'action-heartbeat-interval': (1, 'seconds'),
    'action-heartbeat-max-missed': (1, 'heartbeats'),
    'action-heartbeat-first-timeout': (1, 'seconds'),
}
UPPER_BOUNDS = {'vip_cidr': 128, 'ha-mcastport': 65535}
REQUIRED_STRINGS = ['region', 'rabbit-user', 'rabbit-vhost', 'database',
                    'database-user']
NETWORK_OPTIONS = ['os-public-network', 'os-internal-network',
                   'os-admin-network']
HOSTNAME_OPTIONS = ['os-public-hostname', 'os-internal-hostname',
                    'os-admin-hostname']
# options that never reach a rendered file: a line break in them is no
# injection (base64 is often wrapped; an apt key is armoured text)
MULTILINE_OPTIONS = ['ssl_cert', 'ssl_key', 'ssl_ca', 'openstack-origin']


def has_line_break(value):
    """Would `value` start a new line of a file? (any line boundary that
    Python or an INI parser knows)"""
    return isinstance(value, str) and value.splitlines() not in ([], [value])


def origin_error(origin, distro_id):
    """What is wrong with openstack-origin on this host, or None."""
    match = UBUNTU_ORIGIN.match(origin)
    if match:
        if distro_id.lower() != 'ubuntu':
            return ("openstack-origin: the Cloud Archive ('{}') exists only "
                    "on Ubuntu; use 'distro' on {}".format(origin, distro_id))
        if match.group('release') not in OPENSTACK_CODENAMES.values():
            return ("openstack-origin: unknown OpenStack release '{}'"
                    .format(match.group('release')))
        return None
    if OTHER_ORIGINS.match(origin):
        return None
    return ("openstack-origin: '{}' is not distro, cloud:<series>-<release>, "
            "ppa:<owner>/<name> or a deb line".format(origin))


def _number_error(name, value):
    low, meaning = INT_BOUNDS[name]
    high = UPPER_BOUNDS.get(name)
    if value < low or (high is not None and value > high):
        allowed = ('from {} to {}'.format(low, high) if high is not None
                   else 'at least {}'.format(low))
        return '{}: must be {} ({}), got {}'.format(
            name, allowed, meaning, value)
    return None


def _vip_error(cfg):
    vips = (cfg.get('vip') or '').split()
    for vip in vips:
        try:
            address = ipaddress.ip_address(vip)
        except ValueError:
            return "vip: '{}' is not an IP address".format(vip)
        if vips.count(vip) > 1:
            return "vip: '{}' is listed twice".format(vip)
        cidr = cfg.get('vip_cidr')
        if cidr and cidr > address.max_prefixlen:
            return ('vip_cidr: {} is longer than an IPv{} netmask '
                    '(vip {})'.format(cidr, address.version, vip))
    if vips and cfg.get('dns-ha'):
        return 'vip and dns-ha: set one of them, not both'
    if cfg.get('dns-ha') and not any(cfg.get(o) for o in HOSTNAME_OPTIONS):
        return 'dns-ha: needs at least one of {}'.format(
            ', '.join(HOSTNAME_OPTIONS))
    return None


def config_error(cfg, distro_id=None):
    """The first problem found in the charm config `cfg`, or None.

    The message starts with the option's name so that an operator knows
    what to change. Certificates are checked in mistral_tls.
    """
    for name in sorted(cfg):
        if name not in MULTILINE_OPTIONS and has_line_break(cfg[name]):
            return '{}: contains a line break; refused'.format(name)
    if distro_id is None:
        distro_id = lsb_release()['DISTRIB_ID']
    error = origin_error(cfg.get('openstack-origin') or '', distro_id)
    if error:
        return error
    for name in REQUIRED_STRINGS:
        if not (cfg.get(name) or '').strip():
            return '{}: must not be empty'.format(name)
    for name in INT_BOUNDS:
        if cfg.get(name) is not None:
            error = _number_error(name, cfg[name])
            if error:
                return error
    for name in NETWORK_OPTIONS:
        for cidr in (cfg.get(name) or '').split():
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                return "{}: '{}' is not a network in CIDR form".format(
                    name, cidr)
    return _vip_error(cfg)
