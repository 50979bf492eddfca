# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every way to authenticate, through a real playbook against the emulator's Entra side."""

import time
import uuid

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from playbook_harness import connection_vars, self_signed_certificate

pytestmark = pytest.mark.integration

CERTIFICATE_PASSWORD = 'pfx-password-3e1c'


@pytest.fixture(scope='module')
def certificate_files(tmp_path_factory):
    """The same key and certificate as plain PEM, encrypted PEM and PFX."""
    directory = tmp_path_factory.mktemp('certificates')
    key, certificate = self_signed_certificate()
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    plain = directory / 'app.pem'
    plain.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()) + certificate_pem)
    encrypted = directory / 'app-encrypted.pem'
    encrypted.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.BestAvailableEncryption(CERTIFICATE_PASSWORD.encode())) + certificate_pem)
    pfx = directory / 'app.pfx'
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(b'app', key, certificate, None,
                                                          serialization.BestAvailableEncryption(CERTIFICATE_PASSWORD.encode())))
    return dict(certificate_pem=certificate_pem.decode(), plain=str(plain), encrypted=str(encrypted), pfx=str(pfx))


@pytest.fixture
def certificate_app(fresh_emulator, certificate_files):
    client_id = str(uuid.uuid4())
    fresh_emulator.register_app({'client_id': client_id, 'display_name': 'Certificate automation',
                                 'certificates': [certificate_files['certificate_pem']],
                                 'roles': ['LicenseAssignment.Read.All']})
    return client_id


def certificate_vars(emulator, client_id, path, password=None):
    extra = connection_vars(emulator, client_id=client_id)
    del extra['m365_client_secret']
    extra['m365_client_certificate_path'] = path
    if password:
        extra['m365_client_certificate_password'] = password
    return extra


@pytest.mark.parametrize('form', ['plain', 'encrypted', 'pfx'])
def test_certificate_credentials_authenticate(fresh_emulator, run_playbook, certificate_files, certificate_app, form):
    password = CERTIFICATE_PASSWORD if form != 'plain' else None
    run = run_playbook('sku_info.yml', certificate_vars(fresh_emulator, certificate_app, certificate_files[form], password),
                       verbosity=4)
    assert run.rc == 0, run
    assert run.task('Read SKUs')['result']['skus']
    assert CERTIFICATE_PASSWORD not in run.output


def test_wrong_certificate_password_fails_naming_the_file_not_the_password(
        fresh_emulator, run_playbook, certificate_files, certificate_app):
    wrong = 'not-the-password-77'
    run = run_playbook('sku_info.yml', certificate_vars(fresh_emulator, certificate_app, certificate_files['pfx'], wrong))
    assert run.rc != 0
    message = run.task('Read SKUs')['result']['msg']
    assert certificate_files['pfx'] in message and 'password' in message.lower()
    assert wrong not in run.output


def test_unregistered_certificate_is_refused_by_entra(fresh_emulator, run_playbook, certificate_files):
    client_id = str(uuid.uuid4())
    _key, other_certificate = self_signed_certificate()
    fresh_emulator.register_app({'client_id': client_id, 'display_name': 'Other certificate',
                                 'certificates': [other_certificate.public_bytes(serialization.Encoding.PEM).decode()],
                                 'roles': ['LicenseAssignment.Read.All']})
    run = run_playbook('sku_info.yml', certificate_vars(fresh_emulator, client_id, certificate_files['plain']))
    assert run.rc != 0
    assert 'AADSTS' in run.task('Read SKUs')['result']['msg']


def test_system_assigned_managed_identity(fresh_emulator, run_playbook):
    info = fresh_emulator.info
    extra = dict(m365_managed_identity='system', m365_graph_url=info['graph_url'], m365_ca_path=info['ca_path'])
    # msal asks the instance metadata service at this host (msal/managed_identity.py, 1.39).
    run = run_playbook('sku_info.yml', extra, env=dict(AZURE_POD_IDENTITY_AUTHORITY_HOST=info['graph_url']))
    assert run.rc == 0, run
    assert run.task('Read SKUs')['result']['skus']


def fetch_token(emulator):
    """A token obtained the way a caller outside Ansible would: client credentials, straight from Entra."""
    info = emulator.info
    extra = connection_vars(emulator)
    answer = requests.post('%s/%s/oauth2/v2.0/token' % (info['authority_url'], info['tenant_id']), verify=info['ca_path'],
                           data=dict(grant_type='client_credentials', client_id=extra['m365_client_id'],
                                     client_secret=extra['m365_client_secret'], scope='%s/.default' % info['graph_url']),
                           timeout=30)
    answer.raise_for_status()
    return answer.json()['access_token']


def token_vars(emulator, token):
    return dict(m365_access_token=token, m365_graph_url=emulator.info['graph_url'], m365_ca_path=emulator.info['ca_path'])


def test_caller_supplied_access_token(fresh_emulator, run_playbook):
    token = fetch_token(fresh_emulator)
    run = run_playbook('sku_info.yml', token_vars(fresh_emulator, token), verbosity=4)
    assert run.rc == 0, run
    assert run.task('Read SKUs')['result']['skus']
    assert token not in run.output


def test_expired_access_token_fails_clearly(fresh_emulator, run_playbook):
    fresh_emulator.configure(token_lifetime=1)
    try:
        token = fetch_token(fresh_emulator)
    finally:
        fresh_emulator.configure(token_lifetime=3599)
    time.sleep(1.5)
    run = run_playbook('sku_info.yml', token_vars(fresh_emulator, token))
    assert run.rc != 0
    message = run.task('Read SKUs')['result']['msg']
    assert 'access_token' in message or 'token' in message.lower()
    assert token not in run.output
