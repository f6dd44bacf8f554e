"""The key Mistral's executors log in with for `std.ssh`.

The leader makes one RSA key pair and shares it with every unit through
leader settings; `ssh-private-key` replaces it with the operator's own.
The key goes where std.ssh finds it with no `private_key_filename`
(paramiko looks for ~/.ssh/id_rsa of the executor's user) and where a
relative `private_key_filename: id_rsa` points (Mistral's ssh_utils joins
it to ~/.ssh/). RSA, not Ed25519: ssh_utils loads a named key, and every
key of std.ssh_proxied, as paramiko.RSAKey (Mistral 14 to 22).

Host keys: Mistral's std.ssh (14 to 23) accepts any host key: it sets
paramiko's AutoAddPolicy and reads no known_hosts, so a known_hosts file
written here would change nothing (see the README, "SSH jobs").

Key material never goes to juju-log, status or action output: only the
public key is shown (the ssh-public-key action).
"""

import base64
import binascii
import os
import pwd

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from charmhelpers.core.hookenv import cached, config, is_leader, log

import safe_files
from hook_tools import leader_get, leader_set
from mistral_constants import (
    MISTRAL_USER,
    SSH_KEY_BITS,
    SSH_KEY_FILE,
    SSH_PRIVATE_KEY_SETTING,
)

OPTION = 'ssh-private-key'


class BadKey(Exception):
    """What is wrong, starting with the option's name."""


def _serialise(key):
    # traditional PEM ('BEGIN RSA PRIVATE KEY'): every paramiko reads it
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def generate():
    """A new private key, PEM."""
    return _serialise(rsa.generate_private_key(public_exponent=65537,
                                               key_size=SSH_KEY_BITS))


def _load(pem):
    """The private key in `pem` text (PEM or OpenSSH form)."""
    data = pem.encode()
    loader = (serialization.load_ssh_private_key
              if b'OPENSSH PRIVATE KEY' in data
              else serialization.load_pem_private_key)
    try:
        return loader(data, password=None)
    except TypeError:
        raise BadKey('{}: the key has a passphrase; give it without one'
                     .format(OPTION))
    except (ValueError, binascii.Error):
        raise BadKey('{}: not a private key in PEM or OpenSSH form (nor '
                     'base64 of one)'.format(OPTION))


@cached
def supplied_key():
    """The operator's key from `ssh-private-key` as PEM, None if unset.
    Raises BadKey. Loaded once a hook (an RSA key takes 40 ms), though
    the config checks and the install ask each."""
    value = (config(OPTION) or '').strip()
    if not value:
        return None
    if '-----BEGIN' not in value:
        try:
            value = base64.b64decode(''.join(value.split()),
                                     validate=True).decode()
        except (binascii.Error, ValueError):
            raise BadKey('{}: neither PEM text nor base64 of it'
                         .format(OPTION))
    key = _load(value)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise BadKey("{}: an RSA key is needed (Mistral's std.ssh loads "
                     "keys as RSA); this one is {}".format(
                         OPTION, type(key).__name__.replace(
                             'PrivateKey', '').lstrip('_')))
    return _serialise(key)


def problem():
    """What is wrong with `ssh-private-key`, or None."""
    try:
        supplied_key()
    except BadKey as e:
        return str(e)
    return None


def ensure_shared_key():
    """On the leader: make the shared key once, keep it for good (a unit
    joining later, or a new leader, uses the same)."""
    if not leader_get(SSH_PRIVATE_KEY_SETTING) and is_leader():
        log('Generating the executors\' SSH key (shared with every unit)')
        leader_set({SSH_PRIVATE_KEY_SETTING: generate()})


def private_key():
    """The key this unit's executor uses (PEM), None until the leader has
    shared one. The caller checked problem()."""
    return supplied_key() or leader_get(SSH_PRIVATE_KEY_SETTING) or None


def public_key(pem=None):
    """The OpenSSH public line of the key in use, None without one."""
    pem = pem or private_key()
    if not pem:
        return None
    line = _load(pem).public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()
    return '{} mistral-executor'.format(line)


def mistral_home():
    """The executor user's home (/var/lib/mistral); None before the
    packages made the user."""
    try:
        return pwd.getpwnam(MISTRAL_USER).pw_dir
    except KeyError:
        return None


def _ssh_dir(home):
    path = os.path.join(home, '.ssh')
    if os.path.islink(path):
        os.unlink(path)  # never write through a link the user planted
    os.makedirs(path, exist_ok=True)
    os.chown(path, safe_files._uid(MISTRAL_USER),
             safe_files._gid(MISTRAL_USER))
    os.chmod(path, 0o700)
    return path


def install():
    """Write the key pair for the executor's user; paramiko reads it at
    each connection, so nothing restarts. The caller checked problem().
    True when a file changed."""
    home = mistral_home()
    pem = private_key()
    if not home or not pem:
        return False
    ssh = _ssh_dir(home)
    owner = dict(owner=MISTRAL_USER, group=MISTRAL_USER)
    changed = safe_files.write_atomic(os.path.join(ssh, SSH_KEY_FILE), pem,
                                      perms=0o600, **owner)
    pub = os.path.join(ssh, SSH_KEY_FILE + '.pub')
    # from the key, loaded (40 ms) only when the key changed
    if changed or not os.path.exists(pub):
        safe_files.write_atomic(pub, public_key(pem) + '\n', perms=0o644,
                                **owner)
    return changed
