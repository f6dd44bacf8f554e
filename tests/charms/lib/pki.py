"""A small certificate authority on the openssl command line.

Shared, like standin.py, by the stand-ins that need it (each links
hooks/pki.py to this file), and loaded by the tests that make or check
certificates.  Only the Python standard library and the `openssl` program.
PEM text in, PEM text out: no file outlives a call.
"""

import ipaddress
import os
import re
import secrets
import subprocess
import tempfile

# What a CN or a DNS SAN may be: a host name (no openssl -subj syntax)
NAME = re.compile(r"^[A-Za-z0-9*]([A-Za-z0-9.*_-]{0,252})$")


def openssl(*args, stdin=None):
    res = subprocess.run(["openssl"] + list(args), input=stdin, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise ValueError("openssl %s: %s" % (args[0], res.stderr.strip()))
    return res.stdout


def _write(directory, name, text):
    path = os.path.join(directory, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(text)
    return path


def _read(path):
    with open(path) as f:
        return f.read()


def is_ip(value):
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def valid_name(value):
    """A CN or SAN we can sign: an IP address or a host name."""
    return is_ip(value) or bool(NAME.match(value or ""))


def make_ca(cn, days=3650):
    """(cert, key) of a new self-signed CA named `cn`."""
    with tempfile.TemporaryDirectory() as tmp:
        key, crt = os.path.join(tmp, "ca.key"), os.path.join(tmp, "ca.crt")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key, "-out", crt, "-subj", "/CN=" + cn,
                "-days", str(days),
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return _read(crt), _read(key)


def issue(ca_cert, ca_key, cn, sans=(), days=365, client=False):
    """(cert, key): a new key and a certificate for `cn` signed by the CA.

    The CN is a SAN too (as vault adds it); IP SANs and DNS SANs are told
    apart.  A server certificate also allows clientAuth (vault's server role
    does), a client one only clientAuth.  days=-1 gives one that expired.
    """
    names = [cn] + [s for s in sans if s != cn]
    bad = [n for n in names if not valid_name(n)]
    if bad:
        raise ValueError("not a host name or address: %r" % bad)
    alt = ",".join(("IP:%s" if is_ip(n) else "DNS:%s") % n
                   for n in sorted(set(names)))
    usage = "clientAuth" if client else "serverAuth,clientAuth"
    with tempfile.TemporaryDirectory() as tmp:
        ext = _write(tmp, "ext.cnf", "\n".join([
            "[v3]",
            "basicConstraints = critical,CA:FALSE",
            "keyUsage = critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage = " + usage,
            "subjectAltName = " + alt, ""]))
        key, csr = os.path.join(tmp, "key.pem"), os.path.join(tmp, "req.csr")
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key, "-out", csr,
                "-subj", "/CN=" + (cn if len(cn) <= 64 else cn[:64]))
        crt = os.path.join(tmp, "cert.pem")
        openssl("x509", "-req", "-in", csr,
                "-CA", _write(tmp, "ca.crt", ca_cert),
                "-CAkey", _write(tmp, "ca.key", ca_key),
                "-set_serial", "0x" + secrets.token_hex(16),
                "-days", str(days), "-sha256",
                "-extfile", ext, "-extensions", "v3", "-out", crt)
        return _read(crt), _read(key)


def sans(cert):
    """The subjectAltName entries of a PEM certificate, as 'IP:x'/'DNS:x'."""
    out = openssl("x509", "-noout", "-ext", "subjectAltName", stdin=cert)
    lines = out.splitlines()[1:]
    return sorted(s.strip().replace("IP Address:", "IP:")
                  for line in lines for s in line.split(",") if s.strip())


def fingerprint(cert):
    """SHA-256 fingerprint of a PEM certificate ('AB:CD:...')."""
    out = openssl("x509", "-noout", "-fingerprint", "-sha256", stdin=cert)
    return out.strip().split("=", 1)[1]


def verifies(ca_cert, cert):
    """Does the CA's signature on `cert` check out (dates included)?"""
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(
            ["openssl", "verify", "-CAfile", _write(tmp, "ca.crt", ca_cert),
             _write(tmp, "cert.pem", cert)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return res.returncode == 0
