"""Template contexts of the Mistral charm that charmhelpers does not have."""

import os
import socket
from collections import OrderedDict
from urllib.parse import quote, urlencode

from charmhelpers.contrib.openstack import context, utils as os_utils
from charmhelpers.core.hookenv import config

import mistral_options
import mistral_patches
import mistral_tls
import quick_status
import safe_files
from mistral_constants import (
    API_BACKEND_PORT,
    API_PORT,
    API_SERVICE,
    API_UWSGI_INI,
    HAPROXY_SERVICE,
    HEALTHCHECK_PATH,
    HEALTHCHECK_SINCE,
    HEALTHCHECK_UNSAFE,
    MISTRAL_CONF,
    MISTRAL_LOG_DIR,
    MISTRAL_USER,
    MYSQL_INIT_COMMAND,
    OLDEST_RELEASE,
    SYSTEM_CA_BUNDLE,
    VERSION_PACKAGE,
)


def release():
    """The OpenStack release of the installed Mistral (read again after
    an upgrade: reset_os_release)."""
    return os_utils.os_release(VERSION_PACKAGE, base=OLDEST_RELEASE)


def since(first, rel=None):
    """Is the installed release (or `rel`) `first` or a later one?"""
    return os_utils.CompareOpenStackReleases(rel or release()) >= first


def healthcheck_path():
    """Where the API answers health checks, or None where it cannot
    (see HEALTHCHECK_UNSAFE)."""
    rel = release()
    if since(HEALTHCHECK_SINCE, rel) and rel not in HEALTHCHECK_UNSAFE:
        return HEALTHCHECK_PATH
    return None


def listen_ports():
    """Every port of the API's chain, service -> port, in every TLS state.

    haproxy always fronts the API (single unit too) on the public port and
    terminates TLS there when a certificate is installed; the API listens
    on its backend port behind it. Adding units, a VIP or TLS moves no
    port (charmhelpers' determine_api_port would move the API 10 down for
    TLS while its determine_apache_port kept haproxy's backend).
    """
    return OrderedDict([(HAPROXY_SERVICE, API_PORT),
                        (API_SERVICE, API_BACKEND_PORT)])


class HAProxyPortsContext(context.OSContextGenerator):
    """Where haproxy listens, and where the API behind it listens."""

    def __call__(self):
        ports = listen_ports()
        return {
            'service_ports': {
                'mistral_api': [ports[HAPROXY_SERVICE], ports[API_SERVICE]],
            },
            'api_listen_port': ports[API_SERVICE],
            # haproxy polls it; without it, the version document at /
            'healthcheck_path': healthcheck_path(),
        }


class UwsgiSocketContext(context.BindHostContext):
    """Where uWSGI serves the API: mistral.conf's [api] host and port
    (which mistral-server reads, uWSGI not), an IPv6 host in brackets."""

    def __call__(self):
        host = super().__call__()['bind_host']
        if ':' in host:
            host = '[{}]'.format(host)
        return {'api_http_socket': '{}:{}'.format(
            host, listen_ports()[API_SERVICE])}


class TLSContext(context.OSContextGenerator):
    """The API's certificate, when one is installed (mistral_tls.install).

    Complete ('https') exactly then, so that canonical_url() gives https
    endpoints; a certificate refused later leaves the installed one, and
    https, in place.
    """
    interfaces = ['https']

    def __call__(self):
        if os.path.exists(mistral_tls.HAPROXY_PEM):
            return {'ssl_pem': mistral_tls.HAPROXY_PEM}
        return {}


def _quote(value):
    """`value` as one part of a URL ('/', '@', ':' and all quoted)."""
    return quote(str(value), safe='')


class AMQPContext(context.AMQPContext):
    """charmhelpers' context, its transport_url quoting the user, password
    and vhost (charmhelpers puts them in as they are)."""

    def __call__(self):
        ctxt = super().__call__()
        if ctxt.get('transport_url'):
            hosts = (ctxt.get('rabbitmq_hosts') or
                     ctxt['rabbitmq_host']).split(',')
            port = ctxt.get('rabbit_ssl_port') or '5672'
            auth = '{}:{}@'.format(_quote(ctxt['rabbitmq_user']),
                                   _quote(ctxt['rabbitmq_password']))
            ctxt['transport_url'] = 'rabbit://{}/{}'.format(
                ','.join('{}{}:{}'.format(auth, host, port)
                         for host in hosts),
                _quote(ctxt['rabbitmq_virtual_host']))
        return ctxt


def _database_connection(ctxt):
    """The SQLAlchemy URL of a database context, its parts quoted, with
    the TLS files MySQL offered (PyMySQL's ssl_ca/ssl_cert/ssl_key) and,
    for MySQL, READ COMMITTED on every connection (PyMySQL's
    init_command, which SQLAlchemy passes on from the URL)."""
    port = ':{}'.format(ctxt['database_port']) if ctxt.get(
        'database_port') else ''
    params = [(name, ctxt['database_' + name])
              for name in ('ssl_ca', 'ssl_cert', 'ssl_key')
              if ctxt.get('database_' + name)]
    if ctxt['database_type'].startswith('mysql'):
        params.append(('init_command', MYSQL_INIT_COMMAND))
    return '{}://{}:{}@{}{}/{}{}'.format(
        ctxt['database_type'], _quote(ctxt['database_user']),
        _quote(ctxt['database_password']), ctxt['database_host'], port,
        _quote(ctxt['database']), '?' + urlencode(params) if params else '')


class SharedDBContext(context.SharedDBContext):
    """MySQL, with the connection URL; the client key and certificates
    charmhelpers writes made root:mistral 0640."""

    def __call__(self):
        ctxt = super().__call__()
        if ctxt:
            for name in ('ssl_ca', 'ssl_cert', 'ssl_key'):
                path = ctxt.get('database_' + name)
                if path:
                    os.chown(path, 0, safe_files._gid(MISTRAL_USER))
                    os.chmod(path, 0o640)
            ctxt['database_connection'] = _database_connection(ctxt)
        return ctxt


class PostgresqlDBContext(context.PostgresqlDBContext):
    """PostgreSQL, with the connection URL."""

    def __call__(self):
        ctxt = super().__call__()
        if ctxt:
            ctxt['database_connection'] = _database_connection(ctxt)
        return ctxt


class IdentityServiceContext(context.IdentityServiceContext):
    """Keystone credentials for [keystone_authtoken].

    Our template writes that section itself, so the parent's lookup of the
    keystonemiddleware release (an apt-cache call each time a context is
    evaluated, several times a hook) is skipped.
    """

    def _get_pkg_name(self, python_name='keystonemiddleware'):
        return None

    def __call__(self):
        ctxt = super().__call__()
        if 'https' in (ctxt.get('auth_protocol'),
                       ctxt.get('service_protocol')):
            # Keystone's CA (from this relation, the certificates relation
            # or ssl_ca) is in the system store: mistral_tls.install_cas
            ctxt['keystone_cafile'] = SYSTEM_CA_BUNDLE
        return ctxt


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
            # the API under uWSGI with this ini, else as mistral-server
            'api_uwsgi_ini': (API_UWSGI_INI if quick_status.api_on_uwsgi()
                              else None),
            'periodic_log': MISTRAL_LOG_DIR + '/mistral-periodic.log',
            # the extra engines', each its own (%i: the instance's number)
            'engine_worker_log': MISTRAL_LOG_DIR + '/mistral-engine-%i.log',
            # cron triggers run there, not in the API (mistral-periodic)
            'periodic_server': quick_status.has_periodic_server(),
            'expiration_interval': (cfg['execution-expiration-interval']
                                    if expire else None),
            'expiration_older_than': cfg['execution-expiration-older-than'],
            'expiration_max_finished':
                cfg['execution-expiration-max-finished'],
            'expiration_batch_size': cfg['execution-expiration-batch-size'],
            'allow_action_execution_deletion':
                cfg['allow-action-execution-deletion'],
            # {section: [(option, value)]}, where the installed code has them
            'release_options': mistral_options.release_options(
                mistral_patches.TARGET_DIR),
            'field_size_limit_kb': cfg['execution-field-size-limit-kb'],
            'heartbeat_interval': cfg['action-heartbeat-interval'],
            'heartbeat_max_missed': cfg['action-heartbeat-max-missed'],
            'heartbeat_first_timeout': cfg['action-heartbeat-first-timeout'],
            'rabbit_quorum_queues': cfg['rabbit-quorum-queues'],
            'openstack_actions': cfg['openstack-actions'],
            'os_actions_endpoint_type':
                cfg['openstack-actions-endpoint-type'],
        }
