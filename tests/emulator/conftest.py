# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the emulator contract tests: one emulator per test module, reset before each test.

A module chooses its command line with a module-level EMULATOR_ARGS tuple. The
contract tests talk to the emulator with raw requests and msal only, never with
the collection's Graph client, so they check the emulator on its own.
"""

import types

import msal
import pytest
import requests

from graph_emulator.launcher import Emulator

APP_READ_WRITE = '11111111-1111-4111-8111-111111111111'
SECRET_READ_WRITE = 'emulator-secret-0001'
APP_READ_ONLY = '22222222-2222-4222-8222-222222222222'
SECRET_READ_ONLY = 'emulator-secret-0002'
APP_EXPIRED_SECRET = '33333333-3333-4333-8333-333333333333'
SECRET_EXPIRED = 'emulator-secret-0003'
APP_LICENCE_WRITER = '44444444-4444-4444-8444-444444444444'
SECRET_LICENCE_WRITER = 'emulator-secret-0004'
APP_SYSTEM_IDENTITY = '55555555-5555-4555-8555-555555555555'
APP_USER_IDENTITY = '66666666-6666-4666-8666-666666666666'
DEFAULT_ARGS = ('--tenant', 'contoso')
CREDENTIALS = types.SimpleNamespace(
    read_write=APP_READ_WRITE, read_write_secret=SECRET_READ_WRITE,
    read_only=APP_READ_ONLY, read_only_secret=SECRET_READ_ONLY,
    expired=APP_EXPIRED_SECRET, expired_secret=SECRET_EXPIRED,
    licence_writer=APP_LICENCE_WRITER, licence_writer_secret=SECRET_LICENCE_WRITER,
    system_identity=APP_SYSTEM_IDENTITY, user_identity=APP_USER_IDENTITY,
)


class VerifyingHttpClient:
    """An msal http_client that passes verify=ca_path on every request.

    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would otherwise override a Session's verify
    (graph-facts §7.6, toolchain.md).
    """

    def __init__(self, ca_path):
        self.ca_path = ca_path
        self.session = requests.Session()
        self.session.trust_env = False
        self.calls = []
        self.posted = []

    def get(self, url, **kwargs):
        self.calls.append(('GET', url))
        return self.session.get(url, verify=self.ca_path, timeout=30, **kwargs)

    def post(self, url, **kwargs):
        self.calls.append(('POST', url))
        self.posted.append(dict(kwargs.get('data') or {}))
        return self.session.post(url, verify=self.ca_path, timeout=30, **kwargs)

    def close(self):
        self.session.close()


class GraphSession:
    """Raw HTTP to the emulator: tokens from the token endpoint, Graph calls with a bearer token."""

    def __init__(self, info):
        self.info = info
        self.session = requests.Session()
        self.session.trust_env = False
        self._tokens = {}

    @property
    def token_url(self):
        return '%s/%s/oauth2/v2.0/token' % (self.info['authority_url'], self.info['tenant_id'])

    @property
    def scope(self):
        return self.info['graph_url'] + '/.default'

    def token_response(self, form):
        return self.session.post(self.token_url, data=form, verify=self.info['ca_path'], timeout=30)

    def token(self, client_id=APP_READ_WRITE, secret=SECRET_READ_WRITE, cached=True):
        key = (client_id, secret)
        if not cached or key not in self._tokens:
            response = self.token_response({'grant_type': 'client_credentials', 'client_id': client_id, 'client_secret': secret,
                                            'scope': self.scope})
            assert response.status_code == 200, response.text
            self._tokens[key] = response.json()['access_token']
        return self._tokens[key]

    def request(self, method, path, token=None, headers=None, **kwargs):
        """path: '/v1.0/...' on the emulator, or an absolute URL (an @odata.nextLink)."""
        url = path if path.startswith('https://') else self.info['graph_url'] + path
        all_headers = {'Authorization': 'Bearer ' + (token or self.token())}
        all_headers.update(headers or {})
        kwargs.setdefault('timeout', 30)
        return self.session.request(method, url, headers=all_headers, verify=self.info['ca_path'], **kwargs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request('POST', path, json=body, **kwargs)

    def patch(self, path, body, **kwargs):
        return self.request('PATCH', path, json=body, **kwargs)

    def batch(self, items, **kwargs):
        return self.post('/v1.0/$batch', {'requests': items}, **kwargs)

    def sku_id(self, part_number):
        skus = self.get('/v1.0/subscribedSkus?$select=skuId,skuPartNumber').json()['value']
        return next(sku['skuId'] for sku in skus if sku['skuPartNumber'] == part_number)

    def close(self):
        self.session.close()


@pytest.fixture(scope='module')
def emulator(request):
    args = getattr(request.module, 'EMULATOR_ARGS', DEFAULT_ARGS)
    with Emulator(args=args) as running:
        yield running


@pytest.fixture
def fresh_emulator(emulator, monkeypatch):
    """The module's emulator back at its start state and start-up knobs; CA bundle variables unset."""
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    emulator.reset(config=True)
    return emulator


@pytest.fixture
def graph(fresh_emulator):
    session = GraphSession(fresh_emulator.info)
    yield session
    session.close()


@pytest.fixture
def graph_session():
    """Factory of GraphSession objects for emulators a test starts itself."""
    sessions = []

    def make(emulator):
        sessions.append(GraphSession(emulator.info))
        return sessions[-1]
    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def http_client(fresh_emulator):
    client = VerifyingHttpClient(fresh_emulator.info['ca_path'])
    yield client
    client.close()


@pytest.fixture
def creds():
    """The sample apps of the contoso fixture (tests/graph_emulator/tenants/contoso.yml)."""
    return CREDENTIALS


@pytest.fixture
def msal_app(fresh_emulator, http_client):
    """Factory of msal confidential clients pointed at the emulator (graph-facts appendix item 2)."""
    info = fresh_emulator.info

    def make(client_id=APP_READ_WRITE, credential=SECRET_READ_WRITE, tenant=None):
        return msal.ConfidentialClientApplication(
            client_id, client_credential=credential, authority='%s/%s' % (info['authority_url'], tenant or info['tenant_id']),
            instance_discovery=False, azure_region=False, http_client=http_client)
    return make
