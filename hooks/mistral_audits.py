"""The security-checklist action: the OpenStack Security Guide's checks, as
charmhelpers' audits run them, against Mistral's files and configuration.

charmhelpers' generic checks cover the owner and mode of the files; its
checks of keystone and glance read options Mistral does not have
(auth_strategy, auth_uri, a [glance] section), so they are left out and the
checks below read what Mistral reads instead. Each result is printed and
set; a failed check fails the action, naming it.
"""

import os

from charmhelpers.contrib.openstack import audits
from charmhelpers.contrib.openstack.audits import (
    openstack_security_guide as guide,
)
from charmhelpers.core.hookenv import action_fail, action_set

from mistral_constants import (
    HAPROXY_GROUP,
    HAPROXY_PEM,
    MISTRAL_CONF,
    MISTRAL_USER,
)

SERVICE = 'mistral'
EXCLUDES = ['validate-uses-keystone', 'validate-uses-tls-for-keystone',
            'validate-uses-tls-for-glance']


def options():
    """What audits.run() is given: mistral.conf, the files whose owner and
    mode matter (secrets in both), and where the API's certificate is."""
    return {
        'audit_type': audits.AuditType.OpenStackSecurityGuide,
        'service': SERVICE,
        'config_path': os.path.dirname(MISTRAL_CONF),
        'config_file': os.path.basename(MISTRAL_CONF),
        'files': {
            MISTRAL_CONF: {'owner': 'root', 'group': MISTRAL_USER,
                           'mode': '640'},
            HAPROXY_PEM: {'owner': 'root', 'group': HAPROXY_GROUP,
                          'mode': '640'},
        },
        'api_certificate': HAPROXY_PEM,
        'excludes': EXCLUDES,
    }


def _ours(audit_options):
    return audit_options.get('service') == SERVICE


def _section(audit_options, name):
    section = guide._config_section(audit_options, name)
    assert section is not None, 'mistral.conf has no [{}]'.format(name)
    return section


def _true(value):
    return str(value).strip().lower() == 'true'


@audits.audit(audits.is_audit_type(audits.AuditType.OpenStackSecurityGuide),
              _ours)
def validate_api_uses_tls(audit_options):
    """Clients reach the API over HTTPS (haproxy has a certificate)."""
    assert os.path.exists(audit_options['api_certificate']), \
        'the API is served over plain HTTP: relate a certificates ' \
        'provider or set ssl_cert and ssl_key'


@audits.audit(audits.is_audit_type(audits.AuditType.OpenStackSecurityGuide),
              _ours)
def validate_auth_by_keystone(audit_options):
    """Every API request is authenticated by keystone."""
    assert _true(_section(audit_options, 'pecan').get('auth_enable')), \
        '[pecan] auth_enable is not True'
    auth_type = _section(audit_options, 'DEFAULT').get('auth_type')
    assert auth_type == 'keystone', \
        "[DEFAULT] auth_type is '{}', not keystone".format(auth_type)
    _section(audit_options, 'keystone_authtoken')


@audits.audit(audits.is_audit_type(audits.AuditType.OpenStackSecurityGuide),
              _ours)
def validate_keystone_over_tls(audit_options):
    """Tokens are checked with keystone over HTTPS, its certificate too."""
    section = _section(audit_options, 'keystone_authtoken')
    for option in ('www_authenticate_uri', 'auth_url'):
        assert (section.get(option) or '').startswith('https://'), \
            '[keystone_authtoken] {} is not https'.format(option)
    assert not _true(section.get('insecure')), \
        "[keystone_authtoken] insecure is True: keystone's certificate " \
        "is not verified"


@audits.audit(audits.is_audit_type(audits.AuditType.OpenStackSecurityGuide),
              _ours)
def validate_messaging_over_tls(audit_options):
    """RabbitMQ is reached over TLS."""
    assert _true(_section(audit_options, 'oslo_messaging_rabbit').get(
        'ssl')), '[oslo_messaging_rabbit] ssl is not True'


@audits.audit(audits.is_audit_type(audits.AuditType.OpenStackSecurityGuide),
              _ours)
def validate_debug_disabled(audit_options):
    """No debug logging (it logs request bodies, secrets in them)."""
    assert not _true(_section(audit_options, 'DEFAULT').get('debug')), \
        '[DEFAULT] debug is True: set the debug option to false'


def security_checklist(configs):
    """Run the checks (each printed as it runs), set PASS or FAIL and why
    for each, and fail the action naming the checks that failed."""
    failed = []
    for name, result in sorted(audits.run(options()).items()):
        if result['success']:
            action_set({name: 'PASS'})
        else:
            action_set({name: 'FAIL: {}'.format(result['message'])})
            failed.append('{} ({})'.format(name, result['message']))
    if failed:
        action_fail('Failed checks: {}'.format('; '.join(failed)))
