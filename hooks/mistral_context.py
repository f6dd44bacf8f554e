"""Template contexts of the Mistral charm that charmhelpers does not have."""

import socket

from charmhelpers.contrib.hahelpers.cluster import (
    determine_api_port,
    determine_apache_port,
)
from charmhelpers.contrib.openstack import context
from charmhelpers.core.hookenv import config

from mistral_constants import (
    API_PORT, MISTRAL_CONF, MISTRAL_LOG_DIR, MISTRAL_USER)


class HAProxyPortsContext(context.OSContextGenerator):
    """Where haproxy listens, and where the API behind it listens.

    haproxy always fronts the API (single unit too), so that adding units,
    a VIP or TLS never moves the public port.
    """

    def __call__(self):
        return {
            'service_ports': {
                'mistral_api': [API_PORT, determine_apache_port(
                    API_PORT, singlenode_mode=True)],
            },
            'api_listen_port': determine_api_port(
                API_PORT, singlenode_mode=True),
        }


class IdentityServiceContext(context.IdentityServiceContext):
    """Keystone credentials for [keystone_authtoken].

    Our template writes that section itself, so the parent's lookup of the
    keystonemiddleware release (an apt-cache call each time a context is
    evaluated, several times a hook) is skipped.
    """

    def _get_pkg_name(self, python_name='keystonemiddleware'):
        return None


class MistralContext(context.OSContextGenerator):
    """Mistral's own settings from the charm config."""

    def __call__(self):
        cfg = config()
        expire = (cfg['execution-expiration-older-than'] or
                  cfg['execution-expiration-max-finished'])
        return {
            # engines and executors need names unique across units
            'node_name': socket.gethostname(),
            'region': cfg['region'],
            'mistral_conf': MISTRAL_CONF,
            'mistral_user': MISTRAL_USER,
            'api_log': MISTRAL_LOG_DIR + '/mistral-api.log',
            'expiration_interval': (cfg['execution-expiration-interval']
                                    if expire else None),
            'expiration_older_than': cfg['execution-expiration-older-than'],
            'expiration_max_finished':
                cfg['execution-expiration-max-finished'],
            'field_size_limit_kb': cfg['execution-field-size-limit-kb'],
            'heartbeat_interval': cfg['action-heartbeat-interval'],
            'heartbeat_max_missed': cfg['action-heartbeat-max-missed'],
            'heartbeat_first_timeout': cfg['action-heartbeat-first-timeout'],
        }
