"""Checks of the operator's configuration.

A hook that finds a problem here renders nothing and restarts nothing, so
the last good configuration keeps serving; status names the option.
"""

import ipaddress
import re

from charmhelpers.contrib.openstack.utils import (
    OPENSTACK_CODENAMES,
    CompareOpenStackReleases,
)
from charmhelpers.core.host import lsb_release
from charmhelpers.fetch.ubuntu import (
    CLOUD_ARCHIVE_POCKETS,
    UBUNTU_OPENSTACK_RELEASE,
)

from mistral_constants import (
    ACTION_PROVIDERS,
    EXPRESSION_LANGUAGES,
    MAX_ENGINE_WORKERS,
    OLDEST_RELEASE,
)
from mistral_options import as_list

CLOUD_ORIGIN = re.compile(
    r'^cloud:(?P<series>[a-z]+)-(?P<release>[a-z]+)'
    r'(/(updates|proposed|staging))?$')
# add-apt-repository forms: charmhelpers takes the release from a codename
# anywhere in the text (get_os_codename_install_source)
APT_REPOSITORY_ORIGIN = re.compile(
    r'^(ppa:[^/\s]+/\S+|deb (https?|file):\S+ \S+( \S+)+)(\|.+)?$')
ORIGIN_FORMS = ("distro, distro-proposed, cloud:<series>-<release>[/updates|"
                "/proposed|/staging], ppa:<owner>/<name> or 'deb <url> "
                "<suite> <components>[|<key>]'")

# option: (lowest allowed value, what the value means)
INT_BOUNDS = {
    'worker-multiplier': (0, 'worker processes per CPU'),
    'engine-workers': (1, 'engine processes per unit'),
    'vip_cidr': (1, 'a netmask length'),
    'ha-mcastport': (1, 'a port'),
    'haproxy-server-timeout': (1, 'milliseconds'),
    'haproxy-client-timeout': (1, 'milliseconds'),
    'haproxy-queue-timeout': (1, 'milliseconds'),
    'haproxy-connect-timeout': (1, 'milliseconds'),
    'execution-expiration-interval': (1, 'minutes'),
    'execution-expiration-older-than': (0, 'minutes'),
    'execution-expiration-max-finished': (0, 'executions'),
    'execution-expiration-batch-size': (0, 'executions, or 0 for all'),
    'execution-field-size-limit-kb': (-1, 'KiB, or -1 for no limit'),
    'action-heartbeat-interval': (1, 'seconds'),
    'action-heartbeat-max-missed': (1, 'heartbeats'),
    'action-heartbeat-first-timeout': (1, 'seconds'),
    'nagios-stuck-execution-minutes': (1, 'minutes'),
}
UPPER_BOUNDS = {'vip_cidr': 128, 'ha-mcastport': 65535,
                'engine-workers': MAX_ENGINE_WORKERS}
REQUIRED_STRINGS = ['region', 'rabbit-user', 'rabbit-vhost', 'database',
                    'database-user']
NETWORK_OPTIONS = ['os-public-network', 'os-internal-network',
                   'os-admin-network']
HOSTNAME_OPTIONS = ['os-public-hostname', 'os-internal-hostname',
                    'os-admin-hostname']


def _is_network(value):
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


HOST_NAME = re.compile(r'^[a-z0-9]([a-z0-9-]*[a-z0-9])?'
                       r'(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$')
# list options (items separated by commas or blanks): option -> (is an item
# good?, what an item must be)
LIST_OPTIONS = {
    'action-provider-allowlist': (ACTION_PROVIDERS.__contains__,
                                  'one of ' + ', '.join(ACTION_PROVIDERS)),
    'action-provider-denylist': (ACTION_PROVIDERS.__contains__,
                                 'one of ' + ', '.join(ACTION_PROVIDERS)),
    'std-http-allowed-hosts': (HOST_NAME.match, 'a lowercase host name'),
    'std-http-denied-cidrs': (_is_network, 'a network in CIDR form'),
    'expression-languages': (EXPRESSION_LANGUAGES.__contains__,
                             'one of ' + ', '.join(EXPRESSION_LANGUAGES)),
}
# options that never reach a rendered file: a line break in them is no
# injection (base64 is often wrapped; an apt key is armoured text; a PEM
# key is lines)
MULTILINE_OPTIONS = ['ssl_cert', 'ssl_key', 'ssl_ca', 'openstack-origin',
                     'ssh-private-key']


def has_line_break(value):
    """Would `value` start a new line of a file? (any line boundary that
    Python or an INI parser knows)"""
    return isinstance(value, str) and value.splitlines() not in ([], [value])


def _list_error(name, value):
    good, meaning = LIST_OPTIONS[name]
    for item in as_list(value):
        if not good(item):
            return "{}: '{}' is not {}".format(name, item, meaning)
    return None


def _release_error(origin, release):
    if release not in OPENSTACK_CODENAMES.values():
        return ("openstack-origin: unknown OpenStack release '{}'"
                .format(release))
    if CompareOpenStackReleases(release) < OLDEST_RELEASE:
        return ("openstack-origin: '{}' installs {}; the charm supports {} "
                "and later".format(origin, release, OLDEST_RELEASE))
    return None


def _cloud_archive_error(origin, match, series):
    wanted, release = match.group('series'), match.group('release')
    if wanted != series:
        return ("openstack-origin: '{}' is the Cloud Archive of {}, this "
                "unit runs {}".format(origin, wanted, series))
    error = _release_error(origin, release)
    if error:
        return error
    if '{}-{}'.format(series, release) not in CLOUD_ARCHIVE_POCKETS:
        offered = [k.split('-', 1)[1] for k in CLOUD_ARCHIVE_POCKETS
                   if re.match(r'^{}-[a-z]+$'.format(series), k)]
        return ("openstack-origin: the Cloud Archive has no {} for {} "
                "({} ships {}: use distro; the Cloud Archive has {})".format(
                    release, series, series,
                    UBUNTU_OPENSTACK_RELEASE.get(series),
                    ', '.join(offered) or 'nothing for it'))
    return None


def origin_error(origin, host):
    """What is wrong with openstack-origin on this host, or None.

    `host` is lsb_release()'s answer. Every form config.yaml documents
    either installs a release the charm knows, from a source this host's
    distribution has, or is refused here, before charmhelpers would exit
    in the middle of a hook.
    """
    distro, series = host['DISTRIB_ID'], host['DISTRIB_CODENAME']
    ubuntu = distro.lower() == 'ubuntu'
    if origin in ('distro', 'distro-proposed'):
        if origin == 'distro-proposed' and not ubuntu:
            return ("openstack-origin: distro-proposed is Ubuntu's "
                    "-proposed pocket; use distro on {}".format(distro))
        if series not in UBUNTU_OPENSTACK_RELEASE:
            return ('openstack-origin: no OpenStack release known for {} '
                    '{}'.format(distro, series))
        return _release_error(origin, UBUNTU_OPENSTACK_RELEASE[series])
    cloud = CLOUD_ORIGIN.match(origin)
    if cloud or APT_REPOSITORY_ORIGIN.match(origin):
        if not ubuntu:
            return ("openstack-origin: '{}' needs Ubuntu (the Cloud Archive,"
                    " Launchpad, add-apt-repository); use distro on {}"
                    .format(origin, distro))
        if cloud:
            return _cloud_archive_error(origin, cloud, series)
        named = [r for r in OPENSTACK_CODENAMES.values()
                 if r in origin.split('|')[0]]
        if not named:
            return ("openstack-origin: '{}' names no OpenStack release (the "
                    "charm reads it from the source, e.g. .../epoxy)"
                    .format(origin))
        return _release_error(origin, named[0])
    return "openstack-origin: '{}' is not one of {}".format(
        origin, ORIGIN_FORMS)


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


def config_error(cfg, host=None):
    """The first problem found in the charm config `cfg` on `host`
    (lsb_release()'s answer; this machine's by default), or None.

    The message starts with the option's name so that an operator knows
    what to change. Certificates are checked in mistral_tls.
    """
    for name in sorted(cfg):
        if name not in MULTILINE_OPTIONS and has_line_break(cfg[name]):
            return '{}: contains a line break; refused'.format(name)
    error = origin_error(cfg.get('openstack-origin') or '',
                         host or lsb_release())
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
            if not _is_network(cidr):
                return "{}: '{}' is not a network in CIDR form".format(
                    name, cidr)
    for name in sorted(LIST_OPTIONS):
        error = _list_error(name, cfg.get(name))
        if error:
            return error
    return _vip_error(cfg)
