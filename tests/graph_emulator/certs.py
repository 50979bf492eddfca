# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throw-away certificate authority and the server certificate it signs.

msal accepts only https authorities and token endpoints (graph-facts §7.6), so the
emulator speaks TLS. Clients trust ca.pem (the module option ca_path); the
server certificate names IP 127.0.0.1 and DNS localhost (plus --host) because
msal and requests check the subjectAltName against the authority host.
EC P-256 keys: generating two takes milliseconds, RSA would add a noticeable
part of the start-up time.
"""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=30)
CLOCK_SKEW = datetime.timedelta(days=1)


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'm365.licensing Graph emulator'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _subject_alt_names(host):
    names = [x509.IPAddress(ipaddress.ip_address('127.0.0.1')), x509.DNSName('localhost')]
    if host and host not in ('127.0.0.1', 'localhost', '0.0.0.0', '::'):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _builder(subject, issuer, public_key, now):
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW)
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _make_ca(now):
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name('Graph emulator test CA')
    certificate = (_builder(name, name, key.public_key(), now)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    return key, certificate


def _make_server(ca_key, ca_certificate, host, now):
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca_certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    certificate = (_builder(_name('127.0.0.1'), ca_certificate.subject, key.public_key(), now)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.SubjectAlternativeName(_subject_alt_names(host)), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    return key, certificate


def _write(path, data, private=False):
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    with os.fdopen(os.open(path, flags, 0o600 if private else 0o644), 'wb') as handle:
        handle.write(data)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def create_certificates(state_dir, host='127.0.0.1'):
    """Write ca.pem, server.pem (certificate) and server-key.pem into state_dir.

    Returns (ca_path, server_certificate_path, server_key_path), all absolute.
    A new CA is made at every start so no trust outlives the emulator run.
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, ca_certificate = _make_ca(now)
    server_key, server_certificate = _make_server(ca_key, ca_certificate, host, now)
    state_dir = os.path.abspath(state_dir)
    ca_path = os.path.join(state_dir, 'ca.pem')
    certificate_path = os.path.join(state_dir, 'server.pem')
    key_path = os.path.join(state_dir, 'server-key.pem')
    _write(ca_path, ca_certificate.public_bytes(serialization.Encoding.PEM))
    _write(certificate_path, server_certificate.public_bytes(serialization.Encoding.PEM))
    _write(key_path, _key_pem(server_key), private=True)
    return ca_path, certificate_path, key_path
