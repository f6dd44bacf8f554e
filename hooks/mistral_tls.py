"""The API's certificate: where it comes from, whether it is good, where it
goes; and the CAs the machine trusts.

haproxy terminates TLS on the public port with HAPROXY_PEM (certificate,
chain, key). The certificate comes from the `certificates` relation (vault's
tls-certificates: one request per unit, answered under
'<unit>.processed_requests') when it has answered, else from the ssl_cert,
ssl_key and ssl_ca options (base64 PEM). A bad one is refused whole, with a
message naming where it came from; the last good one keeps serving.
"""

import base64
import binascii
import datetime
import glob
import json
import os
import socket
import subprocess

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from charmhelpers.contrib.openstack.cert_utils import get_certificate_sans
from charmhelpers.core.hookenv import (
    cached,
    config,
    local_unit,
    related_units,
    relation_ids,
)

import safe_files
from hook_tools import relation_get
from mistral_constants import (
    CA_TRUST_DIR,
    HAPROXY_GROUP,
    HAPROXY_PEM,
)

CERT_RELATION = 'certificates'
HOSTNAME_OPTIONS = ('os-public-hostname', 'os-internal-hostname',
                    'os-admin-hostname')
# the charm's files in the trust store, one per source of a CA
CA_FILE = 'mistral-charm-{}.crt'


class BadCertificate(Exception):
    """What is wrong, starting with the option or relation to fix."""


class Bundle:
    """A certificate to serve: its chain (leaf first) and key, in PEM."""

    def __init__(self, source, chain, key):
        self.source = source
        self.chain = chain
        self.key = key

    def pem(self):
        return b''.join(c.public_bytes(serialization.Encoding.PEM)
                        for c in self.chain) + self.key


# --- reading and checking --------------------------------------------------

def _unbase64(name, value):
    try:
        # `base64` wraps its output: line breaks are no error
        return base64.b64decode(''.join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadCertificate('{}: not base64-encoded'.format(name))


def _certificates(name, pem):
    """The PEM certificates in `pem` (bytes), in order."""
    marker = b'-----BEGIN CERTIFICATE-----'
    blocks = [marker + b for b in pem.split(marker)[1:]]
    try:
        certs = [x509.load_pem_x509_certificate(b) for b in blocks]
    except ValueError:
        certs = []
    if not certs:
        raise BadCertificate('{}: not a PEM certificate'.format(name))
    return certs


def _private_key(name, pem):
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise BadCertificate(
            '{}: not a PEM private key (or one with a passphrase)'
            .format(name))
    # haproxy reads the key in PKCS#8 as well as any other form
    return key, key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())


def _public_der(key):
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _signed_by(cert, issuer):
    if cert.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes,
                       ec.ECDSA(cert.signature_hash_algorithm))
        else:
            key.verify(cert.signature, cert.tbs_certificate_bytes)
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def _not_after(cert):
    return getattr(cert, 'not_valid_after_utc', None) or \
        cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _not_before(cert):
    return getattr(cert, 'not_valid_before_utc', None) or \
        cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def check(names, chain, key, cas):
    """Raise BadCertificate unless `key` belongs to the leaf of `chain`,
    which is valid now and, given `cas`, leads to one of them.

    `names`: (certificate, key, CA) as the operator knows them.
    """
    cert_name, key_name, ca_name = names
    leaf = chain[0]
    if _public_der(key.public_key()) != _public_der(leaf.public_key()):
        raise BadCertificate('{}: does not match {}'.format(
            key_name, cert_name))
    now = datetime.datetime.now(datetime.timezone.utc)
    if _not_after(leaf) < now:
        raise BadCertificate('{}: expired on {:%Y-%m-%d}'.format(
            cert_name, _not_after(leaf)))
    if _not_before(leaf) > now:
        raise BadCertificate('{}: not valid before {:%Y-%m-%d %H:%M}'.format(
            cert_name, _not_before(leaf)))
    if not cas:
        return
    cert, pool = leaf, chain[1:] + cas
    for _ in range(len(pool)):
        if any(_signed_by(cert, ca) for ca in cas):
            return
        issuers = [c for c in pool if _signed_by(cert, c)]
        if not issuers:
            break
        cert = issuers[0]
    raise BadCertificate('{}: did not sign {}'.format(ca_name, cert_name))


def config_bundle():
    """The certificate from ssl_cert/ssl_key/ssl_ca, None if unset."""
    cert, key, ca = (config(o) for o in ('ssl_cert', 'ssl_key', 'ssl_ca'))
    if ca:
        cas = _certificates('ssl_ca', _unbase64('ssl_ca', ca))
    if not cert and not key:
        return None
    if not cert or not key:
        raise BadCertificate('ssl_cert and ssl_key: set both or neither '
                             '({} is missing)'.format(
                                 'ssl_key' if cert else 'ssl_cert'))
    chain = _certificates('ssl_cert', _unbase64('ssl_cert', cert))
    private, pem = _private_key('ssl_key', _unbase64('ssl_key', key))
    check(('ssl_cert', 'ssl_key', 'ssl_ca'), chain, private,
          cas if ca else [])
    return Bundle('config', chain, pem)


def common_name():
    """The name this unit asks its certificate for."""
    return socket.gethostname()


def _provider_data():
    """What the certificates provider sent (the first unit that did)."""
    for rid in relation_ids(CERT_RELATION):
        for unit in related_units(rid):
            data = relation_get(rid=rid, unit=unit) or {}
            if data.get('ca'):
                return data
    return {}


def relation_bundle():
    """The certificate the provider issued for this unit, None if none."""
    data = _provider_data()
    raw = data.get('{}.processed_requests'.format(
        local_unit().replace('/', '_')))
    if not raw:
        return None
    name = 'certificates'
    try:
        issued = json.loads(raw)[common_name()]
        cert, key = issued['cert'], issued['key']
    except (ValueError, KeyError, TypeError):
        return None  # not (yet) an answer to this unit's request
    cas = _certificates(name + ' ca', data['ca'].encode())
    chain = _certificates(name + ' cert', cert.encode())
    if data.get('chain'):
        chain += _certificates(name + ' chain', data['chain'].encode())
    private, pem = _private_key(name + ' key', key.encode())
    check((name + ' cert', name + ' key', name + ' ca'), chain, private, cas)
    return Bundle('certificates', chain, pem)


@cached
def served_bundle():
    """The certificate to serve (the relation's first), None for plain
    HTTP. Raises BadCertificate: the config is checked even when the
    relation's certificate wins, as the operator set it to be used.
    Checked once a hook (a key takes 40 ms to load), as what it reads
    does not change during one."""
    from_config = config_bundle()
    return relation_bundle() or from_config


def problem():
    """What is wrong with a certificate or CA given to the charm, or None."""
    try:
        served_bundle()
        trusted_cas()
    except BadCertificate as e:
        return str(e)
    return None


def trusted_cas():
    """{source: PEM} of the CAs this machine should trust."""
    cas = {}
    if config('ssl_ca'):
        cas['ssl_ca'] = _unbase64('ssl_ca', config('ssl_ca'))
    provider_ca = _provider_data().get('ca')
    if provider_ca:
        cas['certificates'] = provider_ca.encode()
    for rid in relation_ids('identity-service'):
        for unit in related_units(rid):
            ca = relation_get('ca_cert', rid=rid, unit=unit)
            if ca:
                cas['keystone'] = _unbase64('identity-service ca_cert', ca)
    labels = {'ssl_ca': 'ssl_ca', 'certificates': 'certificates ca',
              'keystone': 'identity-service ca_cert'}
    for source, pem in cas.items():
        _certificates(labels[source], pem)  # nothing but certificates
        cas[source] = pem.strip() + b'\n'
    return cas


# --- certificate request ---------------------------------------------------

def certificate_request():
    """This unit's request: one certificate naming every address and host
    name clients reach it by (its bindings, the VIPs, os-*-hostname)."""
    cn = common_name()
    sans = set(get_certificate_sans())
    sans.update((config('vip') or '').split())
    sans.update(config(o) for o in HOSTNAME_OPTIONS if config(o))
    sans.discard(cn)
    return {'cert_requests': json.dumps({cn: {'sans': sorted(sans)}},
                                        sort_keys=True),
            'unit_name': local_unit().replace('/', '_')}


# --- installing --------------------------------------------------------------

def install():
    """Put the certificate to serve and the trusted CAs in place (the
    caller checked problem()); the restart_map() keys that changed."""
    bundle = served_bundle()
    if bundle:
        changed = safe_files.write_atomic(HAPROXY_PEM, bundle.pem(),
                                          group=HAPROXY_GROUP, perms=0o640)
    else:
        changed = safe_files.remove(HAPROXY_PEM)
    install_cas(trusted_cas())
    return [HAPROXY_PEM] if changed else []


def install_cas(cas):
    """The trust store holds exactly `cas`; update-ca-certificates runs
    only when that changed something."""
    wanted = {os.path.join(CA_TRUST_DIR, CA_FILE.format(source)): pem
              for source, pem in cas.items()}
    changed = False
    for path in glob.glob(os.path.join(CA_TRUST_DIR, CA_FILE.format('*'))):
        if path not in wanted:
            changed |= safe_files.remove(path)
    if wanted:
        os.makedirs(CA_TRUST_DIR, exist_ok=True)
    for path, pem in wanted.items():
        changed |= safe_files.write_atomic(path, pem)
    if changed:
        subprocess.check_call(['update-ca-certificates'],
                              stdout=subprocess.DEVNULL)
    return changed
