# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contract: the emulator's Entra side answers msal and raw clients as graph-facts §7 records,
and Graph refuses missing, unknown, expired and under-privileged tokens (401/403)."""

import datetime
import re
import time
import uuid

import jwt
import msal
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

EMULATOR_ARGS = ('--tenant', 'contoso')
ERROR_DESCRIPTION = re.compile(r'^AADSTS(\d+): .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\n'
                               r'Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$', re.DOTALL)
MANAGED_IDENTITY_VARIABLES = ('IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'MSI_ENDPOINT', 'MSI_SECRET',
                              'IMDS_ENDPOINT', 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'MSAL_FORCE_REGION')


def assert_entra_error(body, error, code):
    """The §7.3 / §7.6 error body: error, AADSTS description with trace, correlation and time, error_codes, ..."""
    assert body['error'] == error
    assert body['error_codes'] == [code]
    match = ERROR_DESCRIPTION.match(body['error_description'])
    assert match and int(match.group(1)) == code, body['error_description']
    assert body['error_uri'] == 'https://login.microsoftonline.com/error?code=%d' % code
    for key in ('timestamp', 'trace_id', 'correlation_id'):
        assert body[key]


def make_certificate(common_name='emulator-test-app'):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return key_pem, certificate_pem, certificate.fingerprint(hashes.SHA1()).hex()


@pytest.fixture(scope='module')
def certificates():
    """Two key pairs: the registered one and a stranger (RSA generation is the slow part, so once per module)."""
    return make_certificate('registered'), make_certificate('stranger')


@pytest.fixture
def certificate_app(fresh_emulator, certificates):
    (_key, certificate_pem, _thumbprint), _stranger = certificates
    client_id = str(uuid.uuid4())
    fresh_emulator.register_app({'client_id': client_id, 'display_name': 'certificate app', 'certificates': [certificate_pem],
                                 'roles': ['LicenseAssignment.Read.All']})
    return client_id


def posted_assertion_header(http_client):
    """The JOSE header of the client assertion msal posted last."""
    form = http_client.posted[-1]
    return jwt.get_unverified_header(form['client_assertion'])


# --- OIDC discovery ---------------------------------------------------------------------------------

@pytest.mark.parametrize('tenant_key', ['8f2c6c3e-7d5a-4c1b-9e0f-2a6b3c4d5e6f', 'contoso.onmicrosoft.com', 'Contoso.OnMicrosoft.com'])
def test_discovery_names_https_endpoints_on_the_same_host_with_the_tenant_guid(graph, tenant_key):
    info = graph.info
    response = graph.session.get('%s/%s/v2.0/.well-known/openid-configuration' % (info['authority_url'], tenant_key), verify=info['ca_path'])
    assert response.status_code == 200
    document = response.json()
    root = '%s/%s' % (info['authority_url'], info['tenant_id'])
    assert document['token_endpoint'] == root + '/oauth2/v2.0/token'
    assert document['authorization_endpoint'] == root + '/oauth2/v2.0/authorize'
    assert document['issuer'] == root + '/v2.0'


def test_unknown_tenant_is_400_aadsts90002_and_msal_raises_valueerror_in_its_constructor(graph, msal_app):
    info = graph.info
    response = graph.session.get('%s/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration' % info['authority_url'],
                                 verify=info['ca_path'])
    assert response.status_code == 400
    assert_entra_error(response.json(), 'invalid_tenant', 90002)
    with pytest.raises(ValueError, match='Unable to get authority configuration'):
        msal_app(tenant='fabrikam.onmicrosoft.com')


# --- client secret ----------------------------------------------------------------------------------

def test_msal_client_secret_token_works_on_graph_and_the_second_call_comes_from_msal_cache(graph, msal_app, http_client, fresh_emulator):
    app = msal_app()
    result = app.acquire_token_for_client([graph.scope])
    assert result['token_type'] == 'Bearer'
    assert result['expires_in'] == 3599 and result['ext_expires_in'] == 3599
    assert result['token_source'] == 'identity_provider'
    assert graph.get('/v1.0/subscribedSkus', token=result['access_token']).status_code == 200
    assert app.acquire_token_for_client([graph.scope])['token_source'] == 'cache'
    assert [method for method, _url in http_client.calls] == ['GET', 'POST']
    assert fresh_emulator.stats()['tokens_issued'] == 1


@pytest.mark.parametrize('client, secret, status, error, code', [
    ('read_write', 'not-the-secret', 401, 'invalid_client', 7000215),
    ('expired', 'expired_secret', 401, 'invalid_client', 7000222),
    ('unknown', 'read_write_secret', 400, 'unauthorized_client', 700016),
])
def test_token_errors_as_msal_surfaces_them_and_on_the_wire(graph, msal_app, creds, client, secret, status, error, code):
    client_id = str(uuid.uuid4()) if client == 'unknown' else getattr(creds, client)
    secret_value = getattr(creds, secret, secret)
    result = msal_app(client_id, secret_value).acquire_token_for_client([graph.scope])
    assert 'access_token' not in result
    assert_entra_error(result, error, code)
    response = graph.token_response({'grant_type': 'client_credentials', 'client_id': client_id, 'client_secret': secret_value,
                                     'scope': graph.scope})
    assert response.status_code == status
    assert_entra_error(response.json(), error, code)


def test_scope_must_be_the_emulator_graph_resource_with_default(graph, fresh_emulator, creds):
    form = {'grant_type': 'client_credentials', 'client_id': creds.read_write, 'client_secret': creds.read_write_secret}
    public = graph.token_response(dict(form, scope='https://graph.microsoft.com/.default'))
    assert public.status_code == 400
    assert_entra_error(public.json(), 'invalid_scope', 500011)
    not_default = graph.token_response(dict(form, scope=graph.info['graph_url'] + '/User.Read.All'))
    assert not_default.status_code == 400
    assert_entra_error(not_default.json(), 'invalid_scope', 1002012)
    fresh_emulator.configure(accept_public_scope=True)
    assert graph.token_response(dict(form, scope='https://graph.microsoft.com/.default')).status_code == 200


def test_missing_credential_and_missing_parameters(graph, creds):
    no_credential = graph.token_response({'grant_type': 'client_credentials', 'client_id': creds.read_write, 'scope': graph.scope})
    assert no_credential.status_code == 401
    assert_entra_error(no_credential.json(), 'invalid_client', 7000218)
    no_grant = graph.token_response({'client_id': creds.read_write, 'client_secret': creds.read_write_secret, 'scope': graph.scope})
    assert no_grant.status_code == 400
    assert_entra_error(no_grant.json(), 'invalid_request', 900144)
    assert "'grant_type'" in no_grant.json()['error_description']


# --- certificate assertions -------------------------------------------------------------------------

def test_certificate_with_sha1_thumbprint_signs_rs256_with_x5t_and_gets_a_token(graph, msal_app, http_client, certificates, certificate_app):
    (key_pem, _certificate_pem, sha1), _stranger = certificates
    result = msal_app(certificate_app, {'private_key': key_pem, 'thumbprint': sha1}).acquire_token_for_client([graph.scope])
    assert 'access_token' in result, result
    header = posted_assertion_header(http_client)
    assert header['alg'] == 'RS256' and 'x5t' in header and 'x5t#S256' not in header
    assert graph.get('/v1.0/subscribedSkus', token=result['access_token']).status_code == 200


def test_certificate_with_public_certificate_signs_ps256_with_x5t_s256_and_gets_a_token(graph, msal_app, http_client, certificates,
                                                                                        certificate_app):
    (key_pem, certificate_pem, _sha1), _stranger = certificates
    credential = {'private_key': key_pem, 'public_certificate': certificate_pem}
    result = msal_app(certificate_app, credential).acquire_token_for_client([graph.scope])
    assert 'access_token' in result, result
    header = posted_assertion_header(http_client)
    assert header['alg'] == 'PS256' and 'x5t#S256' in header and 'x5t' not in header


def test_assertion_signed_with_the_wrong_key_fails_signature_validation(graph, msal_app, certificates, certificate_app):
    (_key, _certificate, sha1), (stranger_key, _stranger_certificate, _stranger_sha1) = certificates
    result = msal_app(certificate_app, {'private_key': stranger_key, 'thumbprint': sha1}).acquire_token_for_client([graph.scope])
    assert_entra_error(result, 'invalid_client', 700027)
    assert 'signature validation' in result['error_description']


def test_assertion_with_an_unregistered_certificate_is_refused(graph, msal_app, certificates, certificate_app):
    _registered, (stranger_key, _stranger_certificate, stranger_sha1) = certificates
    result = msal_app(certificate_app, {'private_key': stranger_key, 'thumbprint': stranger_sha1}).acquire_token_for_client([graph.scope])
    assert_entra_error(result, 'invalid_client', 700027)
    assert 'not registered' in result['error_description']


@pytest.mark.parametrize('claims, code', [
    ({'aud': 'https://login.microsoftonline.com/other/oauth2/v2.0/token'}, 700027),
    ({'exp': 1000000000, 'iat': 999999000}, 700024),
])
def test_raw_assertion_with_wrong_audience_or_lifetime_is_refused(graph, certificates, certificate_app, claims, code):
    (key_pem, _certificate, sha1), _stranger = certificates
    now = int(time.time())
    payload = {'aud': graph.token_url, 'iss': certificate_app, 'sub': certificate_app, 'exp': now + 600, 'iat': now, 'jti': str(uuid.uuid4())}
    payload.update(claims)
    x5t = jwt.utils.base64url_encode(bytes.fromhex(sha1)).decode()
    assertion = jwt.encode(payload, key_pem, algorithm='RS256', headers={'x5t': x5t})
    response = graph.token_response({'grant_type': 'client_credentials', 'client_id': certificate_app, 'scope': graph.scope,
                                     'client_assertion_type': 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
                                     'client_assertion': assertion})
    assert response.status_code == 401
    assert_entra_error(response.json(), 'invalid_client', code)


# --- managed identity -------------------------------------------------------------------------------

@pytest.fixture
def imds(monkeypatch, fresh_emulator):
    """Point msal's Azure VM IMDS client at the emulator (msal 1.39 reads AZURE_POD_IDENTITY_AUTHORITY_HOST)."""
    for name in MANAGED_IDENTITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('AZURE_POD_IDENTITY_AUTHORITY_HOST', fresh_emulator.info['graph_url'])
    return fresh_emulator


@pytest.mark.parametrize('identity_name', ['system', 'user'])
def test_managed_identity_through_imds_gives_a_token_graph_accepts(graph, imds, http_client, creds, identity_name):
    identity = (msal.SystemAssignedManagedIdentity() if identity_name == 'system'
                else msal.UserAssignedManagedIdentity(client_id=creds.user_identity))
    client = msal.ManagedIdentityClient(identity, http_client=http_client)
    result = client.acquire_token_for_client(resource=graph.info['graph_url'])
    assert result.get('access_token'), result
    assert result['token_type'] == 'Bearer' and result['expires_in'] > 3000
    assert http_client.calls == [('GET', graph.info['graph_url'] + '/metadata/identity/oauth2/token')]
    assert graph.get('/v1.0/users/AdeleV@contoso.onmicrosoft.com', token=result['access_token']).status_code == 200


def test_managed_identity_unknown_user_assigned_identity_and_missing_metadata_header(graph, imds, http_client):
    identity = msal.UserAssignedManagedIdentity(client_id=str(uuid.uuid4()))
    result = msal.ManagedIdentityClient(identity, http_client=http_client).acquire_token_for_client(resource=graph.info['graph_url'])
    assert result == {'error': 'invalid_request', 'error_description': 'Identity not found'}
    raw = graph.session.get(graph.info['graph_url'] + '/metadata/identity/oauth2/token',
                            params={'api-version': '2018-02-01', 'resource': graph.info['graph_url']}, verify=graph.info['ca_path'])
    assert raw.status_code == 400
    assert raw.json()['error_description'] == 'Required metadata header not specified'


def test_managed_identity_in_app_service_shape(graph, monkeypatch, http_client):
    for name in MANAGED_IDENTITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('IDENTITY_ENDPOINT', graph.info['graph_url'] + '/msi/token')
    monkeypatch.setenv('IDENTITY_HEADER', 'emulator-identity-header')
    client = msal.ManagedIdentityClient(msal.SystemAssignedManagedIdentity(), http_client=http_client)
    result = client.acquire_token_for_client(resource=graph.info['graph_url'])
    assert graph.get('/v1.0/subscribedSkus', token=result['access_token']).status_code == 200
    monkeypatch.setenv('IDENTITY_HEADER', 'wrong')
    refused = msal.ManagedIdentityClient(msal.SystemAssignedManagedIdentity(), http_client=http_client).acquire_token_for_client(
        resource=graph.info['graph_url'])
    assert 'access_token' not in refused and refused['error']


# --- Graph: 401 and 403 -----------------------------------------------------------------------------

def assert_graph_error(response, status, code, message):
    assert response.status_code == status, response.text
    error = response.json()['error']
    assert (error['code'], error['message']) == (code, message)
    assert set(error['innerError']) >= {'date', 'request-id', 'client-request-id'}


def test_graph_401_for_missing_and_unknown_tokens(graph):
    missing = graph.session.get(graph.info['graph_url'] + '/v1.0/subscribedSkus', verify=graph.info['ca_path'])
    assert_graph_error(missing, 401, 'InvalidAuthenticationToken', 'Access token is empty.')
    assert missing.headers['WWW-Authenticate'].startswith('Bearer ')
    unknown = graph.get('/v1.0/subscribedSkus', token='not-a-token-the-emulator-issued')
    assert_graph_error(unknown, 401, 'InvalidAuthenticationToken', 'Access token validation failure.')


def test_graph_401_for_an_expired_token(graph, fresh_emulator, creds):
    fresh_emulator.configure(token_lifetime=1)
    response = graph.token_response({'grant_type': 'client_credentials', 'client_id': creds.read_write,
                                     'client_secret': creds.read_write_secret, 'scope': graph.scope})
    assert response.json()['expires_in'] == 1
    token = response.json()['access_token']
    assert graph.get('/v1.0/subscribedSkus', token=token).status_code == 200
    time.sleep(1.1)
    assert_graph_error(graph.get('/v1.0/subscribedSkus', token=token), 401, 'InvalidAuthenticationToken',
                       'Lifetime validation failed, the token is expired.')


def test_graph_403_without_the_app_role_and_nothing_is_written(graph, fresh_emulator, creds):
    reader = graph.token(creds.read_only, creds.read_only_secret)
    assert graph.get('/v1.0/subscribedSkus', token=reader).status_code == 200
    assert graph.get('/v1.0/users/AdeleV@contoso.onmicrosoft.com/licenseDetails', token=reader).status_code == 200
    body = {'addLicenses': [{'skuId': graph.sku_id('MCOEV'), 'disabledPlans': []}], 'removeLicenses': []}
    denied = graph.post('/v1.0/users/AdeleV@contoso.onmicrosoft.com/assignLicense', body, token=reader)
    assert_graph_error(denied, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
    writer = graph.token(creds.licence_writer, creds.licence_writer_secret)
    patch = graph.patch('/v1.0/users/TomasN@contoso.onmicrosoft.com', {'usageLocation': 'US'}, token=writer)
    assert_graph_error(patch, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
    stats = fresh_emulator.stats()
    assert (stats['writes'], stats['writes_applied']) == (2, 0)
    assert graph.post('/v1.0/users/AdeleV@contoso.onmicrosoft.com/assignLicense', body, token=writer).status_code == 200
