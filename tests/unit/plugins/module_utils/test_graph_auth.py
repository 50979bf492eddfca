# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tokens: credential choice, certificates, msal (real, over a fake transport) and its failures."""

import base64
import datetime
import http.server
import ipaddress
import json
import ssl
import threading

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from requests.structures import CaseInsensitiveDict

from ansible_collections.m365.licensing.plugins.module_utils.graph import _auth as _graph_auth
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import AuthenticationError, GraphError
from ansible_collections.m365.licensing.plugins.module_utils.graph._auth import (
    MsalHttpClient,
    describe_token_failure,
    load_client_certificate,
    select_auth_method,
)
from ansible_collections.m365.licensing.plugins.module_utils.graph._client import GraphClient

SECRET = 'Qx8~very.secret-client-secret-value'
PASSWORD = 'cert-password-!never-shown'
CLIENT_ID = '11111111-2222-3333-4444-555555555555'
TENANT = 'contoso.onmicrosoft.com'
AUTHORITY = 'https://login.microsoftonline.com/' + TENANT


# ----- certificates made for the tests -----

def make_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate(key, common_name='m365-licensing-test', issuer_key=None, san_ip=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1)))
    if san_ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(san_ip))]), False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def key_pem(key, password=None, traditional=False):
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    key_format = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, key_format, encryption)


def cert_pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope='module')
def identity():
    key = make_key()
    return key, make_certificate(key)


@pytest.fixture(scope='module')
def other_identity():
    key = make_key()
    return key, make_certificate(key, common_name='someone-else')


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# ----- a fake transport that real msal talks to -----

class FakeResponse:
    def __init__(self, status, body=None, headers=None, text=None):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers or {'Content-Type': 'application/json'})
        self.text = text if text is not None else (json.dumps(body) if body is not None else '')

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.exceptions.HTTPError('HTTP %s' % self.status_code)


def entra_error(code, error, text):
    return {'error': error,
            'error_description': 'AADSTS%d: %s\r\nTrace ID: 0000-trace\r\nCorrelation ID: 1111-corr\r\n'
                                 'Timestamp: 2026-01-01 00:00:00Z' % (code, text),
            'error_codes': [code], 'timestamp': '2026-01-01 00:00:00Z', 'trace_id': '0000-trace',
            'correlation_id': '1111-corr', 'error_uri': 'https://login.microsoftonline.com/error?code=%d' % code}


class EntraAndGraph:
    """Answers msal's discovery and token calls, and Graph calls; records everything."""

    def __init__(self, token_answers=None, graph_answers=None, unknown_tenants=()):
        self.calls = []
        self.token_answers = list(token_answers or [])
        self.graph_answers = list(graph_answers or [])
        self.unknown_tenants = unknown_tenants
        self.issued = 0

    def request(self, method, url, **kwargs):
        self.calls.append({'method': method, 'url': url, **kwargs})
        if url.endswith('/v2.0/.well-known/openid-configuration'):
            tenant = url.split('/')[3]
            if tenant in self.unknown_tenants:
                return FakeResponse(400, entra_error(90002, 'invalid_tenant', "Tenant '%s' not found." % tenant))
            base = url.split('/v2.0/')[0]
            return FakeResponse(200, {'authorization_endpoint': base + '/oauth2/v2.0/authorize',
                                      'token_endpoint': base + '/oauth2/v2.0/token', 'issuer': base + '/v2.0'})
        if '/common/discovery/instance' in url:
            return FakeResponse(200, {'tenant_discovery_endpoint': '', 'api-version': '1.1', 'metadata': []})
        if url.endswith('/oauth2/v2.0/token') or '/metadata/identity/oauth2/token' in url:
            if self.token_answers:
                answer = self.token_answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer
            self.issued += 1
            return FakeResponse(200, {'token_type': 'Bearer', 'expires_in': 3599, 'ext_expires_in': 3599,
                                      'access_token': 'issued-token-%d' % self.issued})
        if self.graph_answers:
            return self.graph_answers.pop(0)
        return FakeResponse(200, {'value': []})

    def close(self):
        pass

    def token_posts(self):
        return [call for call in self.calls if call['url'].endswith('/oauth2/v2.0/token')]


def graph_client(transport, **options):
    options.setdefault('tenant_id', TENANT)
    options.setdefault('client_id', CLIENT_ID)
    return GraphClient(session=transport, sleep=lambda seconds: None, **options)


def assert_no_secret(error, *secrets):
    texts = (str(error), repr(error), str(error.to_dict()), str(error.args))
    for secret in secrets:
        for text in texts:
            assert secret not in text


# ----- choosing the credential -----

def test_precedence_access_token_certificate_secret_managed_identity():
    everything = dict(tenant_id='t', client_id='c', client_secret='s', client_certificate_path='/p.pem',
                      managed_identity='system', access_token='tok')
    assert select_auth_method(**everything) == 'access_token'
    everything['access_token'] = None
    assert select_auth_method(**everything) == 'client_certificate'
    everything['client_certificate_path'] = None
    assert select_auth_method(**everything) == 'client_secret'
    everything['client_secret'] = None
    assert select_auth_method(**everything) == 'managed_identity'


@pytest.mark.parametrize('options, missing', [
    ({'client_secret': SECRET, 'client_id': 'c'}, 'missing: tenant_id'),
    ({'client_secret': SECRET, 'tenant_id': 't'}, 'missing: client_id'),
    ({'client_certificate_path': '/c.pem'}, 'missing: tenant_id, client_id'),
])
def test_missing_companions_are_listed(options, missing):
    with pytest.raises(AuthenticationError) as caught:
        select_auth_method(**options)
    assert missing in str(caught.value)
    assert_no_secret(caught.value, SECRET)


def test_no_credentials_at_all():
    with pytest.raises(AuthenticationError, match='no credentials given'):
        GraphClient(tenant_id='t', client_id='c', session=EntraAndGraph())


# ----- certificates -----

def test_pem_with_key_and_certificate(tmp_path, identity):
    key, certificate = identity
    path = write(tmp_path, 'app.pem', key_pem(key) + cert_pem(certificate))
    credential = load_client_certificate(path)
    assert credential['thumbprint'] == certificate.fingerprint(hashes.SHA1()).hex()
    assert credential['public_certificate'] == cert_pem(certificate).decode()
    loaded = serialization.load_pem_private_key(credential['private_key'].encode(), None)
    assert loaded.private_numbers() == key.private_numbers()


def test_encrypted_pem_is_decrypted_with_the_password(tmp_path, identity):
    key, certificate = identity
    path = write(tmp_path, 'app.pem', cert_pem(certificate) + key_pem(key, PASSWORD))
    credential = load_client_certificate(path, PASSWORD)
    assert 'ENCRYPTED' not in credential['private_key']
    assert credential['thumbprint'] == certificate.fingerprint(hashes.SHA1()).hex()


def test_traditional_rsa_key_with_a_needless_password(tmp_path, identity):
    key, certificate = identity
    path = write(tmp_path, 'app.pem', key_pem(key, traditional=True) + cert_pem(certificate))
    assert load_client_certificate(path, PASSWORD)['thumbprint'] == certificate.fingerprint(hashes.SHA1()).hex()


@pytest.mark.parametrize('suffix, password', [('pfx', PASSWORD), ('p12', None)])
def test_pfx_with_and_without_password(tmp_path, identity, suffix, password):
    key, certificate = identity
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    path = write(tmp_path, 'app.' + suffix, pkcs12.serialize_key_and_certificates(b'app', key, certificate, None, encryption))
    credential = load_client_certificate(path, password)
    assert credential['thumbprint'] == certificate.fingerprint(hashes.SHA1()).hex()


def test_certificate_matching_the_key_is_chosen_from_a_chain(tmp_path, identity, other_identity):
    key, certificate = identity
    path = write(tmp_path, 'chain.pem', cert_pem(other_identity[1]) + key_pem(key) + cert_pem(certificate))
    assert load_client_certificate(path)['thumbprint'] == certificate.fingerprint(hashes.SHA1()).hex()


def certificate_failures(tmp_path, identity, other_identity):
    key, certificate = identity
    encrypted = key_pem(key, PASSWORD) + cert_pem(certificate)
    pfx = pkcs12.serialize_key_and_certificates(b'app', key, certificate, None,
                                                serialization.BestAvailableEncryption(PASSWORD.encode()))
    return [
        (write(tmp_path, 'a.pem', encrypted), PASSWORD + 'x', 'wrong client_certificate_password'),
        (write(tmp_path, 'b.pem', encrypted), None, 'is encrypted: set client_certificate_password'),
        (write(tmp_path, 'c.pfx', pfx), 'not-' + PASSWORD, 'wrong or missing client_certificate_password'),
        (write(tmp_path, 'd.pfx', pfx), None, 'wrong or missing client_certificate_password'),
        (write(tmp_path, 'e.pem', cert_pem(certificate)), PASSWORD, 'holds no private key'),
        (write(tmp_path, 'f.pem', key_pem(key)), None, 'holds no certificate'),
        (write(tmp_path, 'g.pem', key_pem(key) + cert_pem(other_identity[1])), None, 'belongs to its private key'),
        (str(tmp_path / 'missing.pem'), PASSWORD, 'No such file or directory'),
    ]


def test_certificate_problems_name_the_path_and_never_the_password(tmp_path, identity, other_identity):
    for path, password, expected in certificate_failures(tmp_path, identity, other_identity):
        with pytest.raises(AuthenticationError) as caught:
            load_client_certificate(path, password)
        assert expected in str(caught.value), path
        assert path in str(caught.value)
        assert_no_secret(caught.value, PASSWORD)
        # no chained cryptography or OS error in a traceback either
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_wrong_certificate_password_surfaces_from_the_client(tmp_path, identity):
    key, certificate = identity
    path = write(tmp_path, 'app.pem', key_pem(key, PASSWORD) + cert_pem(certificate))
    transport = EntraAndGraph()
    client = graph_client(transport, client_certificate_path=path, client_certificate_password='wrong')
    with pytest.raises(AuthenticationError, match='wrong client_certificate_password'):
        client.get('/subscribedSkus')
    assert transport.calls == []


def test_installed_msal_signs_with_our_certificate_credential(tmp_path, identity):
    key, certificate = identity
    path = write(tmp_path, 'app.pem', key_pem(key, PASSWORD) + cert_pem(certificate))
    transport = EntraAndGraph()
    graph_client(transport, client_certificate_path=path, client_certificate_password=PASSWORD).get('/subscribedSkus')
    form = transport.token_posts()[0]['data']
    assert 'client_secret' not in form
    assertion = form['client_assertion']
    header = jwt.get_unverified_header(assertion)
    expected_x5t = base64.urlsafe_b64encode(certificate.fingerprint(hashes.SHA1())).decode().rstrip('=')
    assert header['alg'] == 'RS256' and header['x5t'].rstrip('=') == expected_x5t
    assert header['x5c'][0].replace('\n', '') in cert_pem(certificate).decode().replace('\n', '')
    claims = jwt.decode(assertion, key.public_key(), algorithms=['RS256'],
                        audience=AUTHORITY + '/oauth2/v2.0/token')
    assert claims['iss'] == claims['sub'] == CLIENT_ID
    assert PASSWORD not in json.dumps(transport.calls, default=str)


# ----- client secret with real msal -----

def test_secret_flow_wire_format_and_tls_settings(tmp_path):
    transport = EntraAndGraph()
    ca_path = str(tmp_path / 'ca.pem')
    open(ca_path, 'w').close()
    client = graph_client(transport, client_secret=SECRET, ca_path=ca_path, timeout=7)
    client.get('/subscribedSkus')
    client.get('/subscribedSkus')
    form = transport.token_posts()[0]['data']
    assert form['grant_type'] == 'client_credentials'
    assert form['client_secret'] == SECRET
    assert form['scope'] == 'https://graph.microsoft.com/.default'
    assert len(transport.token_posts()) == 1
    assert client.stats['token_requests'] == 1
    assert all(call['verify'] == ca_path and call['timeout'] == 7 for call in transport.calls)


def test_expired_token_refresh_with_real_msal():
    expired = FakeResponse(401, {'error': {'code': 'InvalidAuthenticationToken', 'message': 'token expired'}})
    transport = EntraAndGraph(graph_answers=[expired, FakeResponse(200, {'value': [{'n': 1}]})])
    client = graph_client(transport, client_secret=SECRET)
    assert client.get('/subscribedSkus') == {'value': [{'n': 1}]}
    graph_calls = [call for call in transport.calls if call['url'].startswith('https://graph.microsoft.com/')]
    assert [call['headers']['Authorization'] for call in graph_calls] == ['Bearer issued-token-1', 'Bearer issued-token-2']
    assert len(transport.token_posts()) == 2


@pytest.mark.parametrize('status, code, error, text, expected', [
    (401, 7000215, 'invalid_client', 'Invalid client secret provided. Ensure the secret being sent in the request is the'
     ' client secret value, not the client secret ID.', 'secret value, not the secret ID'),
    (401, 7000222, 'invalid_client', 'The provided client secret keys for app are expired.', 'has expired'),
    (400, 700016, 'unauthorized_client', "Application with identifier '%s' was not found in the directory." % CLIENT_ID,
     'check client_id, tenant_id and cloud'),
])
def test_entra_errors_become_clear_authentication_errors(status, code, error, text, expected):
    transport = EntraAndGraph(token_answers=[FakeResponse(status, entra_error(code, error, text))])
    client = graph_client(transport, client_secret=SECRET)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    message = str(caught.value)
    assert message.startswith('authentication failed for client %s in tenant %s: AADSTS%d: %s'
                              % (CLIENT_ID, TENANT, code, text.rstrip('.')))
    assert expected in message
    assert caught.value.code == 'AADSTS%d' % code
    for noise in ('Trace ID', 'Correlation ID', 'Timestamp'):
        assert noise not in message
    assert_no_secret(caught.value, SECRET)
    assert not [call for call in transport.calls if 'graph.microsoft.com' in call['url']]


def test_a_secret_echoed_by_the_server_is_masked():
    echo = entra_error(7000215, 'invalid_client', 'Invalid client secret provided: %s.' % SECRET)
    transport = EntraAndGraph(token_answers=[FakeResponse(401, echo)])
    with pytest.raises(AuthenticationError) as caught:
        graph_client(transport, client_secret=SECRET).get('/subscribedSkus')
    assert 'Invalid client secret provided: ********' in str(caught.value)
    assert_no_secret(caught.value, SECRET)


def test_unknown_tenant_value_error_is_translated():
    transport = EntraAndGraph(unknown_tenants=('nosuchtenant',))
    client = graph_client(transport, tenant_id='nosuchtenant', client_secret=SECRET)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    assert 'tenant nosuchtenant' in str(caught.value)
    assert 'tenant not found at https://login.microsoftonline.com/nosuchtenant' in str(caught.value)
    assert caught.value.code == 'AADSTS90002'
    assert_no_secret(caught.value, SECRET)


# Entra has blips too (issue 15, class 6): these failed the whole run on 1.0, blaming the credentials.

@pytest.mark.parametrize('blip', [
    FakeResponse(500, {'error': 'server_error', 'error_description': 'AADSTS90033: A transient error has occurred.'},
                 {'Retry-After': '1'}),
    FakeResponse(503, text='<html><body>Service Unavailable</body></html>'),
    FakeResponse(429, {'error': 'temporarily_unavailable'}, {'Retry-After': '2'}),
    requests.exceptions.ConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'),
    requests.exceptions.ReadTimeout('read timed out'),
], ids=['500 AADSTS90033', '503 HTML page', '429', 'connection refused', 'read timeout'])
def test_one_token_endpoint_blip_is_retried_and_the_run_goes_on(blip):
    transport = EntraAndGraph(token_answers=[blip])
    client = graph_client(transport, client_secret=SECRET)
    assert client.get('/subscribedSkus') == {'value': []}
    assert len(transport.token_posts()) == 2


def test_a_token_endpoint_that_stays_down_is_entras_fault_not_the_credentials():
    down = FakeResponse(503, {'error': 'temporarily_unavailable', 'error_description': 'AADSTS90033: A transient error.'})
    transport = EntraAndGraph(token_answers=[down] * 3)
    client = graph_client(transport, client_secret=SECRET, max_retries=2)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    text = str(caught.value)
    assert 'could not get a token for client %s' % CLIENT_ID in text
    assert 'HTTP 503 (AADSTS90033' in text and "a fault on Entra's side, not a problem with the credentials" in text
    assert 'after 3 attempts' in text and 'authentication failed' not in text
    assert len(transport.token_posts()) == 3
    assert_no_secret(caught.value, SECRET)


@pytest.mark.parametrize('page', ['<!DOCTYPE html><html><body>Sign in to the proxy</body></html>', '', 'plain words'])
def test_a_token_answer_that_is_not_json_says_so(page):
    transport = EntraAndGraph(token_answers=[FakeResponse(200, text=page)])
    client = graph_client(transport, client_secret=SECRET)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    text = str(caught.value)
    assert 'answered HTTP 200 with a body that is not JSON' in text and 'proxy' in text
    assert len(transport.token_posts()) == 1
    assert_no_secret(caught.value, SECRET)


@pytest.mark.parametrize('failure, expected', [
    (requests.exceptions.ConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'),
     'cannot reach %s' % AUTHORITY),
    (requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:1006)'),
     'set ca_path'),
])
def test_connection_failures_while_getting_a_token(failure, expected):
    transport = EntraAndGraph(token_answers=[failure] * 6)
    client = graph_client(transport, client_secret=SECRET, max_retries=5)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    assert expected in str(caught.value)
    assert '_ssl.c' not in str(caught.value)
    assert_no_secret(caught.value, SECRET)


# ----- msal replaced by fakes: the calls we make -----

class RecordingApp:
    instances = []
    result = None

    def __init__(self, client_id, **options):
        self.client_id = client_id
        self.options = options
        RecordingApp.instances.append(self)

    def acquire_token_for_client(self, scopes):
        return RecordingApp.result or {'access_token': 'recorded-token'}


@pytest.fixture
def recording_app(monkeypatch):
    RecordingApp.instances = []
    RecordingApp.result = None
    monkeypatch.setattr(_graph_auth.msal, 'ConfidentialClientApplication', RecordingApp)
    return RecordingApp


def test_msal_app_options(recording_app):
    transport = EntraAndGraph()
    client = graph_client(transport, client_secret=SECRET, authority_url='https://127.0.0.1:8443',
                          graph_url='https://127.0.0.1:8443')
    client.get('/a')
    client.get('/b')
    assert len(recording_app.instances) == 1
    options = recording_app.instances[0].options
    assert options['client_credential'] == SECRET
    assert options['authority'] == 'https://127.0.0.1:8443/' + TENANT
    assert options['instance_discovery'] is False
    assert options['azure_region'] is False
    assert isinstance(options['http_client'], MsalHttpClient)


def test_other_msal_value_errors_are_translated(monkeypatch):
    def reject_authority(*args, **kwargs):
        raise ValueError('Your given address (http://x/t) should consist of an https url')

    monkeypatch.setattr(_graph_auth.msal, 'ConfidentialClientApplication', reject_authority)
    client = graph_client(EntraAndGraph(), client_secret=SECRET)
    with pytest.raises(AuthenticationError, match='should consist of an https url'):
        client.get('/a')


def test_error_dict_without_description(recording_app):
    recording_app.result = {'error': 'invalid_request', 'error_codes': [7000218]}
    client = graph_client(EntraAndGraph(), client_secret=SECRET)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/a')
    assert str(caught.value).endswith('in tenant %s: AADSTS7000218' % TENANT)


def test_describe_token_failure_keeps_only_the_first_line():
    code, text = describe_token_failure(entra_error(7000215, 'invalid_client', 'Invalid client secret provided.'))
    assert code == 'AADSTS7000215'
    assert text == 'AADSTS7000215: Invalid client secret provided. (client_secret must be the secret value, not the secret ID)'


# ----- managed identity -----

class FakeManagedIdentityClient:
    instances = []
    result = None

    def __init__(self, identity, http_client=None):
        self.identity = identity
        self.http_client = http_client
        self.resources = []
        FakeManagedIdentityClient.instances.append(self)

    def acquire_token_for_client(self, resource):
        self.resources.append(resource)
        return FakeManagedIdentityClient.result or {
            'access_token': 'mi-token-%d' % len(FakeManagedIdentityClient.instances), 'token_source': 'identity_provider'}


@pytest.fixture
def fake_managed_identity(monkeypatch):
    FakeManagedIdentityClient.instances = []
    FakeManagedIdentityClient.result = None
    monkeypatch.setattr(_graph_auth.msal, 'ManagedIdentityClient', FakeManagedIdentityClient)
    return FakeManagedIdentityClient


@pytest.mark.parametrize('value, identity_type', [('system', 'SystemAssigned'), ('0000-user-assigned-id', 'ClientId')])
def test_managed_identity_kinds_and_resource(fake_managed_identity, value, identity_type):
    client = GraphClient(managed_identity=value, cloud='usgov', session=EntraAndGraph())
    client.get('/subscribedSkus')
    created = fake_managed_identity.instances[0]
    assert created.identity['ManagedIdentityIdType'] == identity_type
    if identity_type == 'ClientId':
        assert created.identity['Id'] == value
    assert created.resources == ['https://graph.microsoft.us']
    assert isinstance(created.http_client, MsalHttpClient)


def test_managed_identity_refresh_starts_from_an_empty_cache(fake_managed_identity):
    expired = FakeResponse(401, {'error': {'code': 'InvalidAuthenticationToken', 'message': 'expired'}})
    transport = EntraAndGraph(graph_answers=[expired, FakeResponse(200, {'value': []})])
    client = GraphClient(managed_identity='system', session=transport)
    client.get('/subscribedSkus')
    assert len(fake_managed_identity.instances) == 2
    assert [call['headers']['Authorization'] for call in transport.calls] == ['Bearer mi-token-1', 'Bearer mi-token-2']


def test_managed_identity_failure(fake_managed_identity):
    fake_managed_identity.result = {'error': 'invalid_request', 'error_description': 'Identity not found'}
    client = GraphClient(managed_identity='system', session=EntraAndGraph())
    with pytest.raises(AuthenticationError, match='system-assigned managed identity: Identity not found'):
        client.get('/a')


def test_real_msal_managed_identity_uses_our_transport(monkeypatch, tmp_path):
    for name in ('IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'MSI_ENDPOINT', 'MSI_SECRET',
                 'IMDS_ENDPOINT'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_graph_auth.msal.managed_identity, '_is_running_in_cloud_shell', lambda: False, raising=False)
    monkeypatch.setenv('AZURE_POD_IDENTITY_AUTHORITY_HOST', 'http://127.0.0.1:50342')
    transport = EntraAndGraph()
    ca_path = str(tmp_path / 'ca.pem')
    open(ca_path, 'w').close()
    client = GraphClient(managed_identity='system', session=transport, ca_path=ca_path)
    client.get('/subscribedSkus')
    token_call = transport.calls[0]
    assert token_call['url'] == 'http://127.0.0.1:50342/metadata/identity/oauth2/token'
    assert token_call['params']['resource'] == 'https://graph.microsoft.com'
    assert token_call['verify'] == ca_path
    assert transport.calls[1]['headers']['Authorization'] == 'Bearer issued-token-1'


# ----- the msal transport -----

def test_msal_http_client_forces_verify_and_timeout():
    transport = EntraAndGraph()
    wrapper = MsalHttpClient(transport, '/ca.pem', 9)
    wrapper.get('https://login.example/a', params={'p': '1'}, headers={'h': '1'}, verify=True, timeout=1)
    wrapper.post('https://login.example/b', data={'d': '1'}, headers={'h': '2'})
    wrapper.close()
    assert [(call['method'], call['verify'], call['timeout']) for call in transport.calls] == [
        ('GET', '/ca.pem', 9), ('POST', '/ca.pem', 9)]
    assert transport.calls[0]['params'] == {'p': '1'} and transport.calls[1]['data'] == {'d': '1'}


# ----- real msal against a local https stub -----

class StubHandler(http.server.BaseHTTPRequestHandler):
    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        base = 'https://127.0.0.1:%d/contoso' % self.server.server_address[1]
        if self.path.startswith('/contoso/v2.0/.well-known/openid-configuration'):
            self._reply(200, {'authorization_endpoint': base + '/oauth2/v2.0/authorize',
                              'token_endpoint': base + '/oauth2/v2.0/token', 'issuer': base + '/v2.0'})
        elif self.path == '/v1.0/subscribedSkus' and self.headers.get('Authorization') == 'Bearer stub-token':
            self._reply(200, {'value': [{'skuId': 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', 'skuPartNumber': 'MCOEV'}]})
        else:
            self._reply(404, {'error': {'code': 'NotFound', 'message': self.path}})

    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self._reply(200, {'token_type': 'Bearer', 'expires_in': 3599, 'access_token': 'stub-token'})

    def log_message(self, *args):
        pass


@pytest.fixture(scope='module')
def https_stub(tmp_path_factory):
    key = make_key()
    certificate = make_certificate(key, common_name='127.0.0.1', san_ip='127.0.0.1')
    directory = tmp_path_factory.mktemp('stub')
    ca_path = write(directory, 'ca.pem', cert_pem(certificate))
    key_path = write(directory, 'key.pem', key_pem(key))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), StubHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'https://127.0.0.1:%d' % server.server_address[1], ca_path
    server.shutdown()
    server.server_close()


def test_real_msal_over_https_with_ca_path_despite_requests_ca_bundle(https_stub, monkeypatch):
    url, ca_path = https_stub
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', requests.certs.where())
    client = GraphClient(tenant_id='contoso', client_id=CLIENT_ID, client_secret=SECRET,
                         authority_url=url, graph_url=url, ca_path=ca_path, timeout=5)
    assert client.get_paged('/subscribedSkus') == [{'skuId': 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', 'skuPartNumber': 'MCOEV'}]
    client.close()


def test_real_tls_failure_suggests_ca_path(https_stub, monkeypatch):
    url = https_stub[0]
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', requests.certs.where())
    client = GraphClient(tenant_id='contoso', client_id=CLIENT_ID, client_secret=SECRET,
                         authority_url=url, graph_url=url, timeout=5)
    with pytest.raises(AuthenticationError) as caught:
        client.get('/subscribedSkus')
    message = str(caught.value)
    assert 'cannot reach %s/contoso: [SSL: CERTIFICATE_VERIFY_FAILED]' % url in message
    assert 'set ca_path' in message
    assert_no_secret(caught.value, SECRET)
    client.close()


def test_real_unreachable_host():
    client = GraphClient(tenant_id='contoso', client_id=CLIENT_ID, client_secret=SECRET,
                         authority_url='https://127.0.0.1:9', graph_url='https://127.0.0.1:9', timeout=5, max_retries=1,
                         sleep=lambda seconds: None)
    with pytest.raises(GraphError) as caught:
        client.get('/subscribedSkus')
    assert 'cannot reach https://127.0.0.1:9/contoso/' in str(caught.value)
    assert '[Errno 111] Connection refused' in str(caught.value) and 'gave up after 2 attempts' in str(caught.value)
    assert_no_secret(caught.value, SECRET)
    client.close()
