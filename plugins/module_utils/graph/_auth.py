# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access tokens for Microsoft Graph: one token provider class per authentication method.

Private to the collection; ``_graph_client.GraphClient`` is the only caller.

One token provider per client, chosen by ``select_auth_method``:

* ``StaticTokenProvider``: a caller-supplied ``access_token``, used as it is.
* ``ConfidentialClientTokenProvider``: msal client credentials with a secret or
  a certificate (PEM holding key and certificate, or PFX/P12).
* ``ManagedIdentityTokenProvider``: msal managed identity (system or user-assigned).

Every provider talks to the network through ``MsalHttpClient``, which sends
msal's requests through the client's single ``requests.Session`` with the
client's ``verify`` and ``timeout`` (graph-facts section 7.6: REQUESTS_CA_BUNDLE
would otherwise override a session's ``verify``).

No error raised here ever carries a secret, a certificate password or a token.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re
import threading
import time
import traceback

from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import AuthenticationError, GraphError, describe_body, redact

try:
    import msal
except ImportError:
    HAS_MSAL = False
    MSAL_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_MSAL = True
    MSAL_IMPORT_ERROR = None

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None


# Entra authority hosts msal knows (msal/authority.py WELL_KNOWN_AUTHORITY_HOSTS,
# graph-facts section 6). For any other host msal would first call Microsoft's
# instance-discovery endpoint, which fails for an emulator or an offline host.
MICROSOFT_AUTHORITY_HOSTS = frozenset([
    'login.microsoftonline.com',
    'login.microsoft.com',
    'login.windows.net',
    'sts.windows.net',
    'login.chinacloudapi.cn',
    'login.partner.microsoftonline.cn',
    'login.microsoftonline.de',
    'login-us.microsoftonline.com',
    'login.microsoftonline.us',
    'login.usgovcloudapi.net',
    'login.sovcloud-identity.fr',
    'login.sovcloud-identity.de',
    'login.sovcloud-identity.sg',
])

# What to do about the Entra errors users meet most (graph-facts section 7.3).
AADSTS_HINTS = {
    'AADSTS7000215': 'client_secret must be the secret value, not the secret ID',
    'AADSTS7000222': 'the client secret has expired: create a new one for the app registration',
    'AADSTS700016': 'no application with this client_id exists in the tenant: check client_id, tenant_id and cloud',
    'AADSTS90002': 'the tenant does not exist in this cloud: check tenant_id and cloud',
    'AADSTS700027': 'the certificate does not match one registered on the app registration',
}


def describe_connection_error(exc):
    """The useful part of a requests connection error, without urllib3's wrapping."""
    reason = exc.args[0] if exc.args else exc
    # urllib3's MaxRetryError keeps the real cause in .reason
    reason = getattr(reason, 'reason', reason)
    text = str(reason)
    text = re.sub(r'^\w*Connection(Pool)?\([^)]*\):\s*', '', text)
    text = text.split('Failed to establish a new connection: ', 1)[-1]
    text = re.sub(r'\s*\(_ssl\.c:\d+\)', '', text)
    return text.strip() or type(exc).__name__


def connection_error(url, exc, secrets=()):
    """A GraphError for a request that never got an HTTP answer."""
    reason = redact(describe_connection_error(exc), secrets)
    message = 'cannot reach %s: %s' % (url, reason)
    # What to do depends on how the request failed; SSLError and ConnectTimeout are ConnectionErrors too.
    if isinstance(exc, requests.exceptions.SSLError):
        message += ('. TLS certificate verification failed: set ca_path to the CA bundle that signed'
                    ' the server certificate (or validate_certs: false, for tests only)')
    elif isinstance(exc, requests.exceptions.Timeout):
        message += '; no answer within timeout: raise timeout or check the network path'
    elif isinstance(exc, requests.exceptions.ConnectionError):
        message += ('; check authority_url, graph_url and cloud, and that this host can reach them through its proxy'
                    ' and firewall')
    return GraphError(message)


def select_auth_method(tenant_id=None, client_id=None, client_secret=None, client_certificate_path=None,
                       managed_identity=None, access_token=None):
    """Pick the credential by precedence and check that its companions are present.

    Precedence: access_token, client_certificate_path, client_secret, managed_identity.
    """
    if access_token:
        return 'access_token'
    if client_certificate_path or client_secret:
        method = 'client_certificate' if client_certificate_path else 'client_secret'
        option = 'client_certificate_path' if client_certificate_path else 'client_secret'
        missing = [name for name, value in (('tenant_id', tenant_id), ('client_id', client_id)) if not value]
        if missing:
            raise AuthenticationError('%s authentication also needs tenant_id and client_id; missing: %s'
                                      % (option, ', '.join(missing)))
        return method
    if managed_identity:
        return 'managed_identity'
    raise AuthenticationError('no credentials given: set access_token, client_certificate_path (with tenant_id and client_id),'
                              ' client_secret (with tenant_id and client_id), or managed_identity')


def _pem_blocks(data):
    """(label, block bytes) for every PEM block in a file."""
    pattern = re.compile(br'-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----', re.DOTALL)
    return [(match.group(1).decode('ascii'), match.group(0)) for match in pattern.finditer(data)]


def _public_key_bytes(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _certificate_for_key(path, private_key, certificates):
    """The certificate that belongs to the key; a chain may hold CA certificates too."""
    if not certificates:
        raise AuthenticationError('client certificate file %s holds no certificate: it must hold the private key'
                                  ' and its certificate' % path)
    wanted = _public_key_bytes(private_key.public_key())
    for certificate in certificates:
        if _public_key_bytes(certificate.public_key()) == wanted:
            return certificate
    raise AuthenticationError('no certificate in %s belongs to its private key' % path)


def _load_pem_key(path, key_block, password):
    try:
        return serialization.load_pem_private_key(key_block, password)
    except TypeError:
        if password is None:
            raise AuthenticationError('the private key in %s is encrypted: set client_certificate_password' % path) from None
        # A password given for a key that is not encrypted: the key is usable as it is.
        return serialization.load_pem_private_key(key_block, None)
    except ValueError:
        if password is not None:
            raise AuthenticationError('wrong client_certificate_password for the private key in %s' % path) from None
        raise AuthenticationError('the private key in %s cannot be read (not a PEM private key)' % path) from None


def _load_pem(path, data, password):
    blocks = _pem_blocks(data)
    key_blocks = [block for label, block in blocks if 'PRIVATE KEY' in label]
    if not key_blocks:
        raise AuthenticationError('client certificate file %s holds no private key: it must hold the private key'
                                  ' and its certificate (PEM), or be a .pfx/.p12 file' % path)
    private_key = _load_pem_key(path, key_blocks[0], password)
    certificates = []
    for label, block in blocks:
        if label == 'CERTIFICATE':
            try:
                certificates.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                raise AuthenticationError('a certificate in %s cannot be read' % path) from None
    return private_key, _certificate_for_key(path, private_key, certificates)


def _load_pkcs12(path, data, password):
    try:
        private_key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise AuthenticationError('cannot open %s as PKCS#12 (.pfx/.p12): wrong or missing client_certificate_password,'
                                  ' or not a PKCS#12 file' % path) from None
    if private_key is None:
        raise AuthenticationError('client certificate file %s holds no private key' % path)
    certificates = ([certificate] if certificate is not None else []) + list(extra or [])
    return private_key, _certificate_for_key(path, private_key, certificates)


def load_client_certificate(path, password=None):
    """Read a PEM (key + certificate) or PFX/P12 file into an msal client_credential dict.

    We give msal ``private_key`` (unencrypted PEM, decrypted here so msal never
    sees the password), ``thumbprint`` (SHA-1 hex) and ``public_certificate``
    (PEM). The declared floor is msal 1.39, the version the collection is tested
    with (requirements-dev.txt); the shape was chosen to suit older releases too: 1.31
    needs an explicit thumbprint (it signs RS256 with x5t), and 1.35+ still honours an
    explicit thumbprint (the SHA-256 default applies only when it is absent;
    application.py ``_build_client``). ``public_certificate`` adds the x5c
    header, which subject-name/issuer (SNI) app registrations require and
    others ignore.
    """
    if not HAS_CRYPTOGRAPHY:
        raise AuthenticationError('client_certificate_path needs the Python library cryptography, which is not installed')
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise AuthenticationError('cannot read client_certificate_path %s: %s' % (path, exc.strerror or exc)) from None
    password_bytes = password.encode('utf-8') if password else None
    if b'-----BEGIN' in data:
        private_key, certificate = _load_pem(path, data, password_bytes)
    else:
        private_key, certificate = _load_pkcs12(path, data, password_bytes)
    return {
        'private_key': private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode('ascii'),
        'thumbprint': certificate.fingerprint(hashes.SHA1()).hex(),
        'public_certificate': certificate.public_bytes(serialization.Encoding.PEM).decode('ascii'),
    }


# Token-endpoint answers worth another try (same as Graph calls; Entra's AADSTS90033 is a 503 or 500).
TOKEN_RETRYABLE_STATUSES = frozenset([429, 500, 502, 503, 504])


class MsalHttpClient:
    """The ``http_client`` msal calls (get/post/close, msal/oauth2cli/http.py).

    Every call goes through the GraphClient's session with explicit ``verify``
    and ``timeout``: REQUESTS_CA_BUNDLE overrides a session-level ``verify``,
    but not a per-request one (graph-facts section 7.6). ``trust_env`` stays on
    so proxies from the environment still apply.

    Entra has blips too: 5xx, 429 and connection errors are retried with the Graph
    client's policy (``retry(attempt, retry_after, started)`` gives the wait or None),
    and what is still failing then is raised as a GraphError that says it was Entra's
    side, not the credentials. A 200 that is not JSON (a proxy's sign-in page) says so.
    """

    def __init__(self, session, verify, timeout, retry=None, pause=None, secrets=(), clock=time.monotonic):
        self._session = session
        self._verify = verify
        self._timeout = timeout
        self._retry = retry or (lambda attempt, retry_after, started: None)
        self._pause = pause or time.sleep
        self._secrets = tuple(secrets)
        self._clock = clock

    def _send(self, method, url, **kwargs):
        kwargs['verify'] = self._verify
        kwargs['timeout'] = self._timeout
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._session.request(method, url, **kwargs)
            except requests.exceptions.SSLError:
                raise  # a certificate problem does not heal by waiting
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                wait = self._retry(attempt, None, started)
                if wait is None:
                    raise GraphError('%s (gave up after %d attempts)' % (
                        connection_error(str(url).split('?', maxsplit=1)[0], exc, self._secrets), attempt)) from None
                self._pause(wait)
                continue
            if response.status_code in TOKEN_RETRYABLE_STATUSES:
                wait = self._retry(attempt, _response_header(response, 'Retry-After'), started)
                if wait is None:
                    raise entra_side_failure(url, response, attempt, self._secrets)
                self._pause(wait)
                continue
            if response.status_code == 200 and not _is_json(response.text):
                raise GraphError('%s answered HTTP 200 with a body that is not JSON (%s): something other than Entra'
                                 ' answered, such as a proxy\'s sign-in page; check HTTPS_PROXY, NO_PROXY and authority_url'
                                 % (_endpoint(url), _describe_text(response.text, self._secrets)), status=200,
                                 code='MalformedResponse')
            return response

    def get(self, url, params=None, headers=None, **kwargs):
        return self._send('GET', url, params=params, headers=headers, **kwargs)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self._send('POST', url, params=params, data=data, headers=headers, **kwargs)

    def close(self):
        """Nothing to do: the GraphClient owns the session and closes it."""


def _endpoint(url):
    """The endpoint without its query (a managed-identity URL carries the resource and client id)."""
    return 'the Entra endpoint %s' % str(url).split('?', maxsplit=1)[0]


def _response_header(response, name):
    for key, value in (getattr(response, 'headers', None) or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _is_json(text):
    try:
        json.loads(text)
    except (TypeError, ValueError):
        return False
    return True


def _describe_text(text, secrets):
    return describe_body(text, secrets)


def entra_side_failure(url, response, attempts, secrets=()):
    """GraphError for a token endpoint still answering 5xx/429 after the retries: Entra's side, not the credentials."""
    text = response.text or ''
    detail = _describe_text(text, secrets)
    code = None
    try:
        body = json.loads(text)
    except (TypeError, ValueError):
        body = None
    if isinstance(body, dict):
        code, detail = describe_token_failure(body)
        detail = redact(detail, secrets)
    return GraphError('%s answered HTTP %s (%s) and still did after %d attempts: this is a fault on Entra\'s side, not a'
                      ' problem with the credentials; re-run later' % (_endpoint(url), response.status_code, detail, attempts),
                      status=response.status_code, code=code or 'TokenEndpointUnavailable')


def _first_line(text):
    for line in (text or '').splitlines():
        if line.strip():
            return line.strip()
    return ''


def describe_token_failure(result):
    """(code, text) from an msal error dict: the AADSTS code and the first line of error_description.

    Later lines carry trace id, correlation id and timestamp (graph-facts section 7.3).
    """
    description = _first_line(result.get('error_description'))
    match = re.match(r'(AADSTS\d+)', description)
    code = match.group(1) if match else None
    if code is None and result.get('error_codes'):
        code = 'AADSTS%s' % result['error_codes'][0]
        description = '%s: %s' % (code, description) if description else code
    text = description or result.get('error') or 'no error description returned'
    hint = AADSTS_HINTS.get(code)
    if hint:
        text = '%s (%s)' % (text.rstrip('.') + '.', hint)
    return code or result.get('error'), text


class _TokenProvider:
    """Shared shape: ``token()`` returns a bearer token, ``refresh(stale)`` a new one."""

    def __init__(self, secrets=()):
        self._lock = threading.Lock()
        self._secrets = tuple(s for s in secrets if s)
        self._current = None
        self.token_requests = 0

    def _acquire(self):
        raise NotImplementedError

    def _forget(self):
        raise NotImplementedError

    def token(self):
        with self._lock:
            self._current = self._acquire()
            return self._current

    def refresh(self, stale_token):
        """Drop the cached token and get a new one, once, however many threads saw it fail."""
        with self._lock:
            if self._current is not None and self._current != stale_token:
                return self._current
            self._forget()
            self._current = self._acquire()
            return self._current

    def _failure(self, text, code=None):
        raise NotImplementedError

    def _describe(self):
        raise NotImplementedError

    def _unavailable(self, error):
        """Entra did not answer usefully (5xx after retries, not JSON, unreachable): no blame on the credentials."""
        return AuthenticationError('could not get a token for %s: %s' % (self._describe(), redact(str(error), self._secrets)),
                                   status=error.status, code=error.code)

    def _access_token(self, result):
        """The token from an msal result dict, or the failure it describes; counts what reached Entra."""
        if not result or 'access_token' not in result:
            code, text = describe_token_failure(result or {})
            raise self._failure(text, code=code)
        if result.get('token_source') != 'cache':
            self.token_requests += 1
        return result['access_token']


class StaticTokenProvider(_TokenProvider):
    """A caller-supplied access token: nothing to acquire, nothing to refresh."""

    def __init__(self, access_token):
        super(StaticTokenProvider, self).__init__(secrets=(access_token,))
        self._access_token = access_token

    def _acquire(self):
        return self._access_token

    def _forget(self):
        pass

    def refresh(self, stale_token):
        raise AuthenticationError('Graph rejected the supplied access_token (expired or not valid for this Graph API):'
                                  ' obtain a new token, or let the module get one with client credentials',
                                  status=401, code='InvalidAuthenticationToken')


class ConfidentialClientTokenProvider(_TokenProvider):
    """msal client credentials (secret or certificate). One msal app, built on first use."""

    def __init__(self, tenant_id, client_id, authority_url, graph_url, http_client,
                 client_secret=None, client_certificate_path=None, client_certificate_password=None):
        super(ConfidentialClientTokenProvider, self).__init__(
            secrets=(client_secret, client_certificate_password))
        self._tenant_id = tenant_id
        self._client_id = client_id
        self._authority = '%s/%s' % (authority_url, tenant_id)
        self._authority_host = re.sub(r'^https?://', '', authority_url).split('/')[0].split(':')[0].lower()
        self._scopes = ['%s/.default' % graph_url]
        self._http_client = http_client
        self._client_secret = client_secret
        self._certificate_path = client_certificate_path
        self._certificate_password = client_certificate_password
        self._app = None

    def _describe(self):
        return 'client %s in tenant %s' % (self._client_id, self._tenant_id)

    def _failure(self, text, code=None):
        return AuthenticationError('authentication failed for client %s in tenant %s: %s'
                                   % (self._client_id, self._tenant_id, redact(text, self._secrets)), code=code)

    def _credential(self):
        if self._certificate_path:
            return load_client_certificate(self._certificate_path, self._certificate_password)
        return self._client_secret

    def _build_app(self):
        options = {'client_credential': self._credential(), 'authority': self._authority,
                   'http_client': self._http_client,
                   # Regional endpoints are for first-party apps only (graph-facts section 7.1).
                   'azure_region': False}
        if self._authority_host not in MICROSOFT_AUTHORITY_HOSTS:
            # Otherwise msal asks login.microsoftonline.com about this host (section 7.6).
            options['instance_discovery'] = False
        try:
            return msal.ConfidentialClientApplication(self._client_id, **options)
        except GraphError as exc:
            raise self._unavailable(exc) from None
        except requests.exceptions.RequestException as exc:
            raise self._failure(str(connection_error(self._authority, exc, self._secrets))) from None
        except ValueError as exc:
            # msal fetches the tenant's OpenID configuration in the constructor; an
            # unknown tenant answers 400 there and msal raises ValueError (section 7.3).
            if 'authority configuration' in str(exc):
                raise self._failure('tenant not found at %s (check tenant_id, cloud and authority_url)'
                                    % self._authority, code='AADSTS90002') from None
            raise self._failure(str(exc)) from None

    def _acquire(self):
        if self._app is None:
            self._app = self._build_app()
        try:
            result = self._app.acquire_token_for_client(scopes=self._scopes)
        except GraphError as exc:
            raise self._unavailable(exc) from None
        except requests.exceptions.RequestException as exc:
            raise self._failure(str(connection_error(self._authority, exc, self._secrets))) from None
        except (msal.exceptions.MsalServiceError, ValueError) as exc:
            # msal 1.39 raises MsalServiceError for a 5xx token answer (section 7.3)
            raise self._failure(str(exc)) from None
        return self._access_token(result)

    def _forget(self):
        if self._app is not None:
            self._app.remove_tokens_for_client()


class ManagedIdentityTokenProvider(_TokenProvider):
    """msal managed identity: 'system', or a user-assigned identity's client id.

    msal picks the endpoint from the environment: IDENTITY_ENDPOINT and
    IDENTITY_HEADER (App Service, Functions), MSI_ENDPOINT, Azure Arc, else the
    VM metadata service at AZURE_POD_IDENTITY_AUTHORITY_HOST (default
    http://169.254.169.254; msal 1.39 managed_identity.py reads this variable,
    not MSAL_MANAGED_IDENTITY_ENDPOINT). Service Fabric needs msal's own
    requests.Session and is not supported through MsalHttpClient.
    """

    def __init__(self, managed_identity, graph_url, http_client):
        super(ManagedIdentityTokenProvider, self).__init__()
        self._managed_identity = managed_identity
        self._resource = graph_url
        self._http_client = http_client
        self._client = None

    def _describe_identity(self):
        if self._managed_identity == 'system':
            return 'system-assigned managed identity'
        return 'user-assigned managed identity %s' % self._managed_identity

    def _describe(self):
        return 'the %s' % self._describe_identity()

    def _failure(self, text, code=None):
        return AuthenticationError('authentication failed for the %s: %s' % (self._describe_identity(), text), code=code)

    def _build_client(self):
        if self._managed_identity == 'system':
            identity = msal.SystemAssignedManagedIdentity()
        else:
            identity = msal.UserAssignedManagedIdentity(client_id=self._managed_identity)
        return msal.ManagedIdentityClient(identity, http_client=self._http_client)

    def _acquire(self):
        if self._client is None:
            self._client = self._build_client()
        try:
            result = self._client.acquire_token_for_client(resource=self._resource)
        except GraphError as exc:
            raise self._unavailable(exc) from None
        except requests.exceptions.RequestException as exc:
            raise self._failure(str(connection_error('the managed identity endpoint', exc))) from None
        except (msal.exceptions.MsalServiceError, msal.ManagedIdentityError, ValueError) as exc:
            raise self._failure(str(exc)) from None
        return self._access_token(result)

    def _forget(self):
        # ManagedIdentityClient has no call to drop its cache: a new client starts empty.
        self._client = None
