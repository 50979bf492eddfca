# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Entra (token) side: OIDC discovery, client credentials, managed identity.

What msal 1.39 sends and parses (read in msal/application.py, msal/authority.py,
msal/oauth2cli/oauth2.py, msal/oauth2cli/assertion.py, msal/managed_identity.py):
- Construction: GET {authority}/v2.0/.well-known/openid-configuration; a 4xx
  there becomes ValueError in the constructor (graph-facts §7.3, §7.6).
- Token: POST form client_id, grant_type=client_credentials, client_info=1,
  scope, and client_secret or client_assertion_type + client_assertion
  (graph-facts §7.2). A certificate assertion is a JWT whose header carries
  x5t (SHA-1, RS256) or, from msal 1.35 when a public certificate is given,
  x5t#S256 (SHA-256, PS256); aud is the discovered token endpoint, iss = sub = client_id.
  Thumbprints are base64url WITH padding (assertion._encode_thumbprint).
- Managed identity, Azure VM IMDS shape: GET {AZURE_POD_IDENTITY_AUTHORITY_HOST or
  http://169.254.169.254}/metadata/identity/oauth2/token?api-version=2018-02-01
  &resource=...[&client_id=...] with "Metadata: true"; msal reads access_token,
  expires_in (int() of a string is fine), resource, token_type.
  NOTE: msal 1.39.0 has no MSAL_MANAGED_IDENTITY_ENDPOINT (graph-facts §7.5 says it
  appeared after 1.31; the installed wheel only honours AZURE_POD_IDENTITY_AUTHORITY_HOST).
- Managed identity, App Service shape (IDENTITY_ENDPOINT + IDENTITY_HEADER):
  GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=... with
  X-IDENTITY-HEADER; msal reads access_token and expires_on (epoch seconds).
Both managed-identity calls go through the caller's http_client, so an https
endpoint with our CA works whenever that client passes verify=ca_path.
"""

import base64
import binascii
import datetime
import hmac
import secrets
import threading
import time
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from .faults import ALL_KINDS, ENTRA_FAULTS, HTML_PAGE, exact_retry_after, format_retry_after, malformed_body
from .server import Reply

CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
PUBLIC_GRAPH_RESOURCE = 'https://graph.microsoft.com'
ASSERTION_ALGORITHMS = ('RS256', 'PS256')
# Entra tolerates 5 minutes of clock skew on assertion exp/nbf.
ASSERTION_LEEWAY_SECONDS = 300
# Expired grants stay known for this long so Graph can say "expired" instead of "invalid".
EXPIRED_GRANT_MEMORY_SECONDS = 3600

ROUTE_DISCOVERY = 'GET /{tenant}/v2.0/.well-known/openid-configuration'
ROUTE_TOKEN = 'POST /{tenant}/oauth2/v2.0/token'
ROUTE_IMDS = 'GET /metadata/identity/oauth2/token'
ROUTE_APP_SERVICE = 'GET /msi/token'

TEXT_TENANT_NOT_FOUND = ("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. "
                         "Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")
TEXT_APP_NOT_FOUND = ("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been "
                      "installed by the administrator of the tenant or consented to by any user in the tenant. "
                      "You may have sent your authentication request to the wrong tenant.")
TEXT_BAD_SECRET = ("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
                   "not the client secret ID, for a secret added to app '%s'.")
TEXT_EXPIRED_SECRET = ("The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: "
                       "https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.")
TEXT_RESOURCE_NOT_FOUND = ("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been "
                           "installed by the administrator of the tenant or consented to by any user in the tenant. "
                           "You might have sent your authentication request to the wrong tenant.")
TEXT_SCOPE_NOT_DEFAULT = ("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default "
                          "suffixed to the resource identifier (application ID URI).")
TEXT_UNKNOWN_CERTIFICATE = ("The certificate with identifier used to sign the client assertion is not registered on application. "
                            "[Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, "
                            "Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]")


class EntraError(Exception):
    """An Entra error answer: HTTP status, OAuth error, AADSTS number and text (graph-facts §7.3)."""

    def __init__(self, status, error, code, text, headers=()):
        super().__init__(text)
        self.status = status
        self.error = error
        self.code = code
        self.text = text
        self.headers = list(headers)


class Grant:
    """What an access token stands for: app, tenant, app roles (fixed at issue time), expiry."""

    __slots__ = ('client_id', 'tenant_id', 'roles', 'expires_at', 'resource')

    def __init__(self, client_id, tenant_id, roles, expires_at, resource):
        self.client_id = client_id
        self.tenant_id = tenant_id
        self.roles = frozenset(roles)
        self.expires_at = expires_at
        self.resource = resource

    def expired(self, now=None):
        return (now or time.time()) >= self.expires_at


class TokenStore:
    """Opaque random access tokens -> Grant. MSAL never looks inside a token (graph-facts §7.6)."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._grants = {}

    def issue(self, client_id, tenant_id, roles, lifetime, resource):
        token = secrets.token_urlsafe(48)
        grant = Grant(client_id, tenant_id, roles, self._clock() + lifetime, resource)
        with self._lock:
            if len(self._grants) >= 10000:
                self._forget_old(self._clock())
            self._grants[token] = grant
        return token, grant

    def lookup(self, token):
        with self._lock:
            return self._grants.get(token)

    def _forget_old(self, now):
        cutoff = now - EXPIRED_GRANT_MEMORY_SECONDS
        for token in [token for token, grant in self._grants.items() if grant.expires_at < cutoff]:
            del self._grants[token]


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def _secret_expired(expires, now):
    """expires: None (never), datetime/date, ISO 8601 text or epoch seconds."""
    if expires in (None, ''):
        return False
    if isinstance(expires, (int, float)):
        return expires <= now.timestamp()
    if isinstance(expires, str):
        expires = datetime.datetime.fromisoformat(expires.strip())
    if not isinstance(expires, datetime.datetime):
        expires = datetime.datetime.combine(expires, datetime.time.min)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=datetime.timezone.utc)
    return expires <= now


def _thumbprint(value):
    """Base64url thumbprint as compared by Entra: padding does not matter."""
    return value.rstrip('=') if isinstance(value, str) else ''


class CertificateIndex:
    """Parsed app certificates keyed by PEM text, with both thumbprints precomputed."""

    def __init__(self):
        self._lock = threading.Lock()
        self._parsed = {}

    def find(self, pem_list, header):
        """The certificate whose x5t#S256 or x5t matches the JWT header, or None."""
        wanted_sha256 = _thumbprint(header.get('x5t#S256'))
        wanted_sha1 = _thumbprint(header.get('x5t'))
        for pem in pem_list or ():
            certificate, sha1, sha256 = self._parse(pem)
            if (wanted_sha256 and wanted_sha256 == sha256) or (wanted_sha1 and wanted_sha1 == sha1):
                return certificate
        return None

    def _parse(self, pem):
        with self._lock:
            cached = self._parsed.get(pem)
        if cached:
            return cached
        certificate = x509.load_pem_x509_certificate(pem.encode('ascii') if isinstance(pem, str) else pem)
        der_sha1 = base64.urlsafe_b64encode(certificate.fingerprint(hashes.SHA1())).decode().rstrip('=')
        der_sha256 = base64.urlsafe_b64encode(certificate.fingerprint(hashes.SHA256())).decode().rstrip('=')
        cached = (certificate, der_sha1, der_sha256)
        with self._lock:
            self._parsed[pem] = cached
        return cached


class Entra:
    """Serves the Entra and managed-identity paths for the one emulated tenant."""

    def __init__(self, tenant, knobs, tokens, stats, faults, base_url, graph_url):
        self.tenant = tenant
        self.knobs = knobs
        self.tokens = tokens
        self.stats = stats
        self.faults = faults
        self.base_url = base_url
        self.graph_url = graph_url
        self.certificates = CertificateIndex()

    # -- dispatch ---------------------------------------------------------

    def handle_http(self, request):
        """A Reply for an Entra or managed-identity path, None for any other path."""
        parts = request.path.strip('/').split('/')
        lowered = [part.lower() for part in parts]
        if lowered == ['metadata', 'identity', 'oauth2', 'token']:
            return self._guarded(request, ROUTE_IMDS, self._imds_token, token_endpoint=True)
        if lowered == ['msi', 'token']:
            return self._guarded(request, ROUTE_APP_SERVICE, self._app_service_token, token_endpoint=True)
        if len(parts) == 4 and lowered[1:] == ['v2.0', '.well-known', 'openid-configuration']:
            return self._guarded(request, ROUTE_DISCOVERY, lambda req: self._discovery(req, parts[0]))
        if len(parts) == 4 and lowered[1:] == ['oauth2', 'v2.0', 'token']:
            return self._guarded(request, ROUTE_TOKEN, lambda req: self._token(req, parts[0]), token_endpoint=True)
        return None

    def _guarded(self, request, route, handler, token_endpoint=False):
        """Count the call, maybe inject a fault (token endpoints, only with fault_token), run the handler."""
        self.stats.count_route('%s %s' % (request.method, route.split(' ', 1)[1]))
        scripted = self.faults.scripted.take('%s %s' % (request.method, request.path))
        if scripted is not None:
            self.stats.add('faults')
            if not scripted.kind.startswith('malformed:'):
                return self._scripted_reply(request, scripted)
        reply = self._guarded_drawn(request, handler, token_endpoint)
        if scripted is not None and reply.status == 200:
            # A proxy's sign-in page or a cut answer instead of Entra's JSON.
            form = scripted.kind.split(':', 1)[1]
            reply.headers = [(name, value) for name, value in reply.headers if name.lower() != 'content-type']
            reply.headers.append(('Content-Type', 'text/html' if form == 'html' else 'application/json'))
            reply.body = malformed_body(form)
        return reply

    def _scripted_reply(self, request, scripted):
        """Entra's answers to a scripted fault (faults.py); AADSTS90033/90055 wording is UNVERIFIED."""
        if scripted.kind == 'html_503':
            return Reply(503, [('Content-Type', 'text/html')], HTML_PAGE.encode('utf-8'))
        status, error, code, text = ENTRA_FAULTS[scripted.kind]
        headers = [('Retry-After', exact_retry_after(scripted.retry_after))] if scripted.kind == '429' else []
        return self._error_reply(request, EntraError(status, error, code, text, headers))

    def _guarded_drawn(self, request, handler, token_endpoint):
        fault = self.faults.draw(ALL_KINDS) if token_endpoint and self.knobs.fault_token else None
        if fault is not None:
            self.stats.add('faults')
            if fault.kind == 'reset':
                return Reply.connection_reset()
            if fault.kind != 'slow':
                return self._fault_reply(request, fault)
        try:
            reply = handler(request)
        except EntraError as error:
            reply = self._error_reply(request, error)
        if fault is not None:
            reply.delay += self.knobs.slow_seconds
        return reply

    # -- OIDC discovery -----------------------------------------------------

    def _is_our_tenant(self, tenant_key):
        key = tenant_key.lower()
        return key in (self.tenant.tenant_id.lower(), self.tenant.domain.lower())

    def _discovery(self, request, tenant_key):
        if request.method != 'GET':
            raise EntraError(405, 'invalid_request', 900561, 'The endpoint only accepts GET requests. Received a %s request.' % request.method)
        if not self._is_our_tenant(tenant_key):
            # msal turns this 400 into ValueError("Unable to get authority configuration ...") in its constructor (§7.3).
            # The "error" value of a 90002 answer is UNVERIFIED in graph-facts §7.3 (invalid_request or invalid_tenant).
            raise EntraError(400, 'invalid_tenant', 90002, TEXT_TENANT_NOT_FOUND % tenant_key)
        return Reply.json(200, self.discovery_document(), self._entra_headers(request))

    def discovery_document(self):
        """The v2.0 OIDC document; endpoints carry the tenant GUID even when asked by domain, as Entra does."""
        root = '%s/%s' % (self.base_url, self.tenant.tenant_id)
        return {
            'token_endpoint': root + '/oauth2/v2.0/token',
            'token_endpoint_auth_methods_supported': ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
            'jwks_uri': root + '/discovery/v2.0/keys',
            'response_modes_supported': ['query', 'fragment', 'form_post'],
            'subject_types_supported': ['pairwise'],
            'id_token_signing_alg_values_supported': ['RS256'],
            'response_types_supported': ['code', 'id_token', 'code id_token', 'id_token token'],
            'scopes_supported': ['openid', 'profile', 'email', 'offline_access'],
            'issuer': root + '/v2.0',
            'request_uri_parameter_supported': False,
            'userinfo_endpoint': self.graph_url + '/oidc/userinfo',
            'authorization_endpoint': root + '/oauth2/v2.0/authorize',
            'device_authorization_endpoint': root + '/oauth2/v2.0/devicecode',
            'http_logout_supported': True,
            'frontchannel_logout_supported': True,
            'end_session_endpoint': root + '/oauth2/v2.0/logout',
            'claims_supported': ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host',
                                 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash',
                                 'c_hash', 'email'],
            'kerberos_endpoint': root + '/kerberos',
            'tenant_region_scope': 'NA',
            'cloud_instance_name': 'microsoftonline.com',
            'cloud_graph_host_name': 'graph.windows.net',
            'msgraph_host': urlsplit(self.graph_url).netloc,
            'rbac_url': 'https://pas.windows.net',
        }

    # -- client credentials ---------------------------------------------------

    def _token(self, request, tenant_key):
        if request.method != 'POST':
            raise EntraError(400, 'invalid_request', 900561, 'The endpoint only accepts POST requests. Received a %s request.' % request.method)
        if not self._is_our_tenant(tenant_key):
            raise EntraError(400, 'invalid_request', 90002, TEXT_TENANT_NOT_FOUND % tenant_key)
        form = self._form(request)
        self._require(form, 'grant_type')
        if form['grant_type'] != 'client_credentials':
            raise EntraError(400, 'unsupported_grant_type', 70003, "The app requested an unsupported grant type '%s'." % form['grant_type'])
        self._require(form, 'client_id')
        self._require(form, 'scope')
        app = self.tenant.find_app(form['client_id'])
        if app is None:
            # graph-facts §7.3: AADSTS700016 is DOC; its "error" value and the 400 status are UNVERIFIED.
            raise EntraError(400, 'unauthorized_client', 700016, TEXT_APP_NOT_FOUND % (form['client_id'], self.tenant.display_name))
        self._authenticate_client(app, form)
        resource = self._resource_from_scope(form['scope'])
        return self._token_reply(request, app, resource)

    @staticmethod
    def _form(request):
        form = dict(parse_qsl(request.body.decode('utf-8', errors='replace'), keep_blank_values=True))
        basic = request.header('authorization', '')
        if basic.lower().startswith('basic '):  # client_secret_basic; msal itself posts the secret in the form
            try:
                client_id, _sep, secret = base64.b64decode(basic[6:]).decode('utf-8').partition(':')
            except (binascii.Error, UnicodeDecodeError):
                raise EntraError(401, 'invalid_client', 7000215, 'The client credentials in the Authorization header are malformed.') from None
            form.setdefault('client_id', client_id)
            form.setdefault('client_secret', secret)
        return form

    @staticmethod
    def _require(form, name):
        if not form.get(name):
            raise EntraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: '%s'." % name)

    def _authenticate_client(self, app, form):
        if form.get('client_assertion'):
            self._check_assertion(app, form)
        elif form.get('client_secret'):
            self._check_secret(app, form['client_secret'])
        else:
            # AADSTS7000218 is DOC; status and error value are UNVERIFIED (graph-facts §7.3).
            raise EntraError(401, 'invalid_client', 7000218,
                             "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")

    @staticmethod
    def _check_secret(app, secret):
        now = _utc_now()
        for registered in app.secrets or ():
            value = registered.get('value') if isinstance(registered, dict) else registered
            if value and hmac.compare_digest(str(value).encode('utf-8'), secret.encode('utf-8')):
                if isinstance(registered, dict) and _secret_expired(registered.get('expires'), now):
                    raise EntraError(401, 'invalid_client', 7000222, TEXT_EXPIRED_SECRET % app.client_id)
                return
        raise EntraError(401, 'invalid_client', 7000215, TEXT_BAD_SECRET % app.client_id)

    def _check_assertion(self, app, form):
        if form.get('client_assertion_type') != CLIENT_ASSERTION_TYPE:
            raise EntraError(400, 'invalid_request', 900144,
                             "The request body must contain the following parameter: 'client_assertion_type' with value '%s'." % CLIENT_ASSERTION_TYPE)
        assertion = form['client_assertion']
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            raise EntraError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.') from None
        certificate = self.certificates.find(app.certificates, header)
        if certificate is None:
            thumbprint = header.get('x5t#S256') or header.get('x5t') or ''
            raise EntraError(401, 'invalid_client', 700027, TEXT_UNKNOWN_CERTIFICATE % (thumbprint, app.client_id))
        claims = self._verified_claims(assertion, certificate)
        if str(claims.get('iss', '')).lower() != app.client_id.lower() or str(claims.get('sub', '')).lower() != app.client_id.lower():
            raise EntraError(401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter.")

    def _assertion_audiences(self):
        """The token endpoint in both tenant forms (msal uses the discovered one, which carries the GUID)."""
        return ['%s/%s/oauth2/v2.0/token' % (self.base_url, key) for key in (self.tenant.tenant_id, self.tenant.domain)]

    def _verified_claims(self, assertion, certificate):
        # Which AADSTS code Entra uses for a wrong audience is not in graph-facts: we answer
        # 700027 like a signature mismatch (UNVERIFIED); time-range errors use 700024.
        try:
            return jwt.decode(assertion, certificate.public_key(), algorithms=list(ASSERTION_ALGORITHMS),
                              audience=self._assertion_audiences(), leeway=ASSERTION_LEEWAY_SECONDS,
                              options={'require': ['exp', 'aud', 'iss', 'sub']})
        except jwt.InvalidSignatureError:
            raise EntraError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.') from None
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
            raise EntraError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.') from None
        except jwt.InvalidAudienceError:
            raise EntraError(401, 'invalid_client', 700027,
                             'Client assertion audience is invalid. Expected the token endpoint %s.' % self._assertion_audiences()[0]) from None
        except jwt.InvalidAlgorithmError:
            raise EntraError(401, 'invalid_client', 700027, 'Client assertion is signed with an unsupported algorithm; use RS256 or PS256.') from None
        except jwt.InvalidTokenError as error:
            raise EntraError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed: %s.' % error) from None

    def graph_resources(self):
        """Resource identifiers this emulator issues tokens for (see Knobs.accept_public_scope)."""
        resources = {self.graph_url, self.graph_url + '/'}
        if self.knobs.accept_public_scope:
            resources |= {PUBLIC_GRAPH_RESOURCE, PUBLIC_GRAPH_RESOURCE + '/'}
        return resources

    def _resource_from_scope(self, scope):
        resources = set()
        for item in scope.split():
            if not item.endswith('/.default'):
                raise EntraError(400, 'invalid_scope', 1002012, TEXT_SCOPE_NOT_DEFAULT % item)
            resources.add(item[:-len('/.default')])
        unknown = sorted(resources - self.graph_resources())
        if unknown:
            raise EntraError(400, 'invalid_scope', 500011, TEXT_RESOURCE_NOT_FOUND % (unknown[0], self.tenant.display_name))
        return self.graph_url

    def _token_reply(self, request, app, resource):
        lifetime = self.knobs.token_lifetime
        token, _grant = self.tokens.issue(app.client_id, self.tenant.tenant_id, app.roles, lifetime, resource)
        self.stats.add('tokens_issued')
        body = {'token_type': 'Bearer', 'expires_in': lifetime, 'ext_expires_in': lifetime, 'access_token': token}
        return Reply.json(200, body, self._entra_headers(request))

    # -- managed identity -----------------------------------------------------

    def _imds_token(self, request):
        """Azure VM IMDS. Its errors are plain {"error", "error_description"} bodies, not AADSTS ones."""
        if request.method != 'GET':
            return Reply.json(405, {'error': 'invalid_request', 'error_description': 'Method not allowed'})
        if request.header('metadata', '').lower() != 'true':
            return Reply.json(400, {'error': 'invalid_request', 'error_description': 'Required metadata header not specified'})
        problem = self._managed_identity_problem(request.query)
        if problem:
            return Reply.json(400, {'error': problem[0], 'error_description': problem[1]})
        app = self._managed_identity_app(request.query, ('client_id', 'object_id', 'msi_res_id'))
        if app is None:
            return Reply.json(400, {'error': 'invalid_request', 'error_description': 'Identity not found'})
        lifetime, token, now = self._issue_managed_identity_token(app)
        return Reply.json(200, {
            'access_token': token, 'client_id': app.client_id, 'expires_in': str(lifetime), 'expires_on': str(now + lifetime),
            'ext_expires_in': str(lifetime), 'not_before': str(now), 'resource': request.query['resource'], 'token_type': 'Bearer',
        })

    def _app_service_token(self, request):
        """App Service / Functions / Automation: X-IDENTITY-HEADER must equal the identity_header knob."""
        if request.header('x-identity-header') != self.knobs.identity_header:
            return Reply.json(401, {'statusCode': 401, 'message': 'Unauthorized: X-IDENTITY-HEADER is missing or wrong.'})
        problem = self._managed_identity_problem(request.query)
        if problem:
            return Reply.json(400, {'statusCode': 400, 'message': problem[1]})
        app = self._managed_identity_app(request.query, ('client_id', 'object_id', 'mi_res_id'))
        if app is None:
            return Reply.json(400, {'statusCode': 400, 'message': 'No managed identity found for the specified ClientId/ResourceId/PrincipalId.'})
        lifetime, token, now = self._issue_managed_identity_token(app)
        return Reply.json(200, {'access_token': token, 'expires_on': str(now + lifetime), 'resource': request.query['resource'],
                                'token_type': 'Bearer', 'client_id': app.client_id})

    def _managed_identity_problem(self, query):
        for name in ('api-version', 'resource'):
            if not query.get(name):
                return 'invalid_request', "Required query variable '%s' is missing" % name
        if query['resource'] not in self.graph_resources():
            return 'invalid_resource', 'AADSTS500011: ' + TEXT_RESOURCE_NOT_FOUND % (query['resource'], self.tenant.display_name)
        return None

    def _managed_identity_app(self, query, id_names):
        """System-assigned without an id; user-assigned by client_id. Object and resource ids are not modelled."""
        client_id_name, other_names = id_names[0], id_names[1:]
        if any(query.get(name) for name in other_names):
            return None
        return self.tenant.managed_identity_app(query.get(client_id_name) or None)

    def _issue_managed_identity_token(self, app):
        lifetime = self.knobs.token_lifetime
        token, _grant = self.tokens.issue(app.client_id, self.tenant.tenant_id, app.roles, lifetime, self.graph_url)
        self.stats.add('tokens_issued')
        return lifetime, token, int(time.time())

    # -- replies ------------------------------------------------------------

    @staticmethod
    def _entra_headers(request):
        return [
            ('Cache-Control', 'no-store, no-cache'),
            ('Pragma', 'no-cache'),
            ('Strict-Transport-Security', 'max-age=31536000; includeSubDomains'),
            ('X-Content-Type-Options', 'nosniff'),
            ('x-ms-request-id', request.request_id),
            ('x-ms-ests-server', '2.1.emulator'),
            ('client-request-id', request.client_request_id),
        ]

    def _error_reply(self, request, error):
        """The Entra error body of graph-facts §7.3 / §7.6: the AADSTS text then Trace ID, Correlation ID, Timestamp."""
        timestamp = _utc_now().strftime('%Y-%m-%d %H:%M:%SZ')
        correlation_id = request.client_request_id
        description = 'AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s' % (
            error.code, error.text, request.request_id, correlation_id, timestamp)
        body = {
            'error': error.error,
            'error_description': description,
            'error_codes': [error.code],
            'timestamp': timestamp,
            'trace_id': request.request_id,
            'correlation_id': correlation_id,
            'error_uri': 'https://login.microsoftonline.com/error?code=%d' % error.code,
        }
        return Reply.json(error.status, body, self._entra_headers(request) + error.headers)

    def _fault_reply(self, request, fault):
        status, error, code, text = ENTRA_FAULTS[fault.kind]
        headers = [('Retry-After', format_retry_after(fault.retry_after))] if fault.retry_after else []
        return self._error_reply(request, EntraError(status, error, code, text, headers))
