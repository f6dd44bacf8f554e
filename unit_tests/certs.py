"""Certificates for tests: a CA, certificates it signs, keys, in PEM."""

import base64
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()


def b64(text):
    return base64.b64encode(text.encode()).decode()


class CA:
    """A CA (RSA, as most are) that signs EC server certificates."""

    def __init__(self, name='Test CA', issuer=None):
        self.key = rsa.generate_private_key(65537, 2048)
        self.name = name
        signer = issuer or self
        builder = self._builder(_name(name), _name(signer.name),
                                self.key.public_key(),
                                NOW - datetime.timedelta(days=1),
                                NOW + datetime.timedelta(days=365))
        self.cert = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None),
            critical=True).sign(signer.key, hashes.SHA256())
        self.pem = _pem(self.cert)

    @staticmethod
    def _builder(subject, issuer_name, public_key, start, end):
        return (x509.CertificateBuilder()
                .subject_name(subject).issuer_name(issuer_name)
                .public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end))

    def issue(self, cn='mistral.example.com', sans=(), days=30,
              starts_in_days=-1):
        """(certificate PEM, key PEM) for `cn`."""
        key = ec.generate_private_key(ec.SECP256R1())
        start = NOW + datetime.timedelta(days=starts_in_days)
        builder = self._builder(_name(cn), _name(self.name), key.public_key(),
                                start, start + datetime.timedelta(days=days))
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(s) for s in sans]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        return _pem(cert), key_pem(key)
