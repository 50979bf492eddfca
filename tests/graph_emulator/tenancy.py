# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many tenants in one emulator (graph-facts §11.6): the registry, the per-call tenant, consent.

Microsoft Graph has no tenant in its URLs: the access token decides the directory a call
reads and writes. Entra has the tenant in its path (`/{tenant}/oauth2/v2.0/token`). So every
client request first selects its tenant, for the duration of that request only:
- Graph and $batch: the tenant the bearer token was issued in (its `tid`). An object id of
  another tenant is simply not in that directory: Graph's 404 Request_ResourceNotFound.
- Entra: the tenant id or domain in the path; an unknown one keeps Entra's AADSTS90002.
- /_emulator/*: `?tenant=<id or domain>`; without it, the first tenant.
The handlers keep reading `self.tenant`: they are given a `CurrentTenant`, a stand-in that
forwards every attribute to the tenant selected for the calling thread.

A multi-tenant app (graph-facts §11.6: one registration, consented into many tenants) has a
service principal only in the tenants that consented. Asking for its token in any other
tenant is refused with AADSTS7000229 "missing service principal in the tenant" (COMMUNITY:
the Entra error page text quoted by Microsoft's Teams SDK troubleshooting guide; status 401,
error invalid_client as shown there). An app that exists nowhere keeps AADSTS700016.
"""

import contextlib
import threading
import uuid
from urllib.parse import parse_qsl

import yaml

from .entra import EntraError
from .fixtures import FixtureError, app_state, generated_state, stable_id
from .server import EmulatorApp, Reply
from .tenant import Tenant

# Ids are derived from this namespace so a generated estate is the same on every start
# (playbooks/msp/inventory.yml names the tenants of `--tenants 3`).
ESTATE_NAMESPACE = uuid.UUID('5d0c7c1e-3b1f-4d43-9a57-6c1b7c9e2a40')
MSP_APP = {
    'client_id': 'a7f0c5d2-6b1e-4c3a-9d8f-0e1f2a3b4c5d',
    'display_name': 'MSP licensing (multi-tenant)',
    'secrets': [{'value': 'emulator-msp-secret', 'expires': None}],
    'roles': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Organization.Read.All'],
}
LOCAL_APP_ROLES = ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All']
GENERATED_SKUS = 12  # the core Teams SKUs of a generated tenant; 50 per tenant only slows the start
TEXT_MISSING_SERVICE_PRINCIPAL = ('The client application %s is missing service principal in the tenant %s. '
                                  'See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119')


def tenant_id_for(number):
    """The id of generated tenant `number` (1-based)."""
    return str(uuid.uuid5(ESTATE_NAMESPACE, 'tenant-%d' % number))


def domain_for(number):
    return 'customer%03d.onmicrosoft.com' % number


def local_app_for(number):
    """The app registered only in generated tenant `number`: (client id, secret)."""
    return stable_id(tenant_id_for(number), 'app', 'local'), 'emulator-local-secret-%03d' % number


def generated_tenant_state(number, users, consented=True, seed=0):
    """Tenant `number` of a generated estate: its own id, domain, users, and seats (core SKUs get `number` spare seats more)."""
    identity = {'id': tenant_id_for(number), 'domain': domain_for(number), 'display_name': 'Customer %03d' % number}
    state = generated_state(users=users, skus=GENERATED_SKUS, seed=seed + number, identity=identity)
    for sku in state['skus']:
        sku['enabled'] += number
    client_id, secret = local_app_for(number)
    local = app_state({'client_id': client_id, 'display_name': 'Customer %03d licensing' % number,
                       'secrets': [secret], 'roles': LOCAL_APP_ROLES})
    state['apps'] = [local] + ([app_state(MSP_APP)] if consented else [])
    return state


class TenantRegistry:
    """The tenants of one emulator, by id and by domain, and the multi-tenant app registrations."""

    def __init__(self, tenants, multi_tenant_apps=()):
        if not tenants:
            raise FixtureError('a multi-tenant emulator needs at least one tenant')
        self.tenants = list(tenants)
        self.multi_tenant_apps = frozenset(str(client_id).lower() for client_id in multi_tenant_apps)
        self._by_key = {}
        for tenant in self.tenants:
            for key in (tenant.tenant_id.lower(), tenant.domain.lower()):
                if key in self._by_key:
                    raise FixtureError('tenant %s is listed twice' % key)
                self._by_key[key] = tenant

    @classmethod
    def generate(cls, count, users, unconsented=(), seed=0):
        """`count` generated tenants of `users` users; the MSP app lacks consent in the `unconsented` numbers."""
        tenants = [Tenant(generated_tenant_state(number, users, number not in unconsented, seed)) for number in range(1, count + 1)]
        return cls(tenants, [MSP_APP['client_id']])

    @classmethod
    def load(cls, path):
        """A YAML file: {multi_tenant_app: <app>, tenants: [{fixture: name-or-path, consent: true|false}]}."""
        with open(path, encoding='utf-8') as handle:
            data = yaml.safe_load(handle) or {}
        app = app_state(data.get('multi_tenant_app') or MSP_APP)
        tenants = []
        for entry in data.get('tenants') or []:
            tenant = Tenant.load(entry['fixture'])
            if entry.get('consent', True):
                tenant.register_app(app)
            tenants.append(tenant)
        return cls(tenants, [app['client_id']])

    def find(self, key):
        return self._by_key.get(str(key).lower())

    def describe(self):
        """GET /_emulator/tenants: what tests and playbooks need to address each tenant."""
        return [{'tenant_id': tenant.tenant_id, 'domain': tenant.domain, 'display_name': tenant.display_name,
                 'users': tenant.user_count(), 'apps': sorted(tenant.apps)} for tenant in self.tenants]


class CurrentTenant:
    """Stands in for `the tenant` in every handler: attributes come from the tenant selected for this thread."""

    def __init__(self, registry):
        object.__setattr__(self, 'registry', registry)
        object.__setattr__(self, '_local', threading.local())

    def current(self):
        return getattr(self._local, 'tenant', None) or self.registry.tenants[0]

    @contextlib.contextmanager
    def selected(self, tenant):
        previous = getattr(self._local, 'tenant', None)
        self._local.tenant = tenant
        try:
            yield tenant
        finally:
            self._local.tenant = previous

    def __getattr__(self, name):
        return getattr(self.current(), name)

    def __setattr__(self, name, value):
        """Knobs pushed into `the tenant` (replication delays) apply to every tenant."""
        for tenant in self.registry.tenants:
            setattr(tenant, name, value)

    def reset(self, apps=False):
        for tenant in self.registry.tenants:
            tenant.reset(apps=apps)

    def save_state(self, path):
        raise ValueError('a multi-tenant emulator does not save state files')


class MultiTenantApp(EmulatorApp):
    """EmulatorApp that selects the tenant of each request before the handlers see it."""

    def __init__(self, current_tenant, tokens, *args, **kwargs):
        super().__init__(current_tenant, *args, **kwargs)
        self.current_tenant = current_tenant
        self.registry = current_tenant.registry
        self.tokens = tokens
        self._inspection[('GET', 'tenants')] = self._get_tenants

    def handle(self, request):
        tenant, problem = self._tenant_of(request)
        if problem is not None:
            return problem
        with self.current_tenant.selected(tenant):
            refusal = self._missing_consent(request, tenant)
            if refusal is not None:
                self.stats.add('requests_total')
                return refusal
            return super().handle(request)

    def _tenant_of(self, request):
        """(tenant or None for the default, error Reply or None)."""
        path = request.path
        if path.startswith('/_emulator/'):
            key = request.query.get('tenant')
            if key is None:
                return None, None
            tenant = self.registry.find(key)
            return tenant, (None if tenant else Reply.json(404, {'error': 'no tenant %s; GET /_emulator/tenants lists them' % key}))
        lowered = path.lower()
        if lowered == '/v1.0' or lowered.startswith('/v1.0/'):
            return self._token_tenant(request), None
        first = path.strip('/').split('/')[0]
        return self.registry.find(first), None

    def _token_tenant(self, request):
        """The tenant whose token this is (the token's tid); an unknown token falls to the default and gets its 401 there."""
        scheme, _sep, token = (request.header('authorization') or '').strip().partition(' ')
        if scheme.lower() != 'bearer' or not token.strip():
            return None
        grant = self.tokens.lookup(token.strip())
        return self.registry.find(grant.tenant_id) if grant is not None else None

    def _missing_consent(self, request, tenant):
        """AADSTS7000229 for a multi-tenant app asking for a token in a tenant without its service principal."""
        if tenant is None or request.method != 'POST' or not request.path.lower().rstrip('/').endswith('/oauth2/v2.0/token'):
            return None
        client_id = _form_value(request.body, 'client_id')
        if client_id is None or client_id.lower() not in self.registry.multi_tenant_apps or tenant.find_app(client_id) is not None:
            return None
        self.stats.count_route('POST /{tenant}/oauth2/v2.0/token')
        error = EntraError(401, 'invalid_client', 7000229, TEXT_MISSING_SERVICE_PRINCIPAL % (client_id, tenant.tenant_id))
        return self.entra._error_reply(request, error)  # pylint: disable=protected-access

    def _get_tenants(self, request, body):
        return Reply.json(200, {'tenants': self.registry.describe(), 'multi_tenant_apps': sorted(self.registry.multi_tenant_apps)})


def _form_value(body, name):
    for key, value in parse_qsl(body.decode('utf-8', errors='replace'), keep_blank_values=True):
        if key == name:
            return value
    return None


def add_arguments(parser):
    """The command-line options of a multi-tenant emulator."""
    parser.add_argument('--tenants', type=int, metavar='N', help='serve N generated customer tenants (see tenancy.py) instead of --tenant')
    parser.add_argument('--tenant-users', type=int, default=20, metavar='N', help='users per generated tenant (default 20)')
    parser.add_argument('--unconsented', default='', metavar='LIST',
                        help='comma list of generated tenant numbers (1-based) where the multi-tenant app has no consent')
    parser.add_argument('--tenants-file', metavar='PATH', help='YAML listing several tenant fixtures (see tenancy.py TenantRegistry.load)')


def registry_from_args(args):
    """A TenantRegistry when --tenants or --tenants-file was given, else None (one tenant, as before)."""
    if args.tenants is None and not args.tenants_file:
        return None
    if args.state_file:
        raise ValueError('--state-file is for one tenant; it cannot be used with --tenants or --tenants-file')
    if args.tenants_file:
        return TenantRegistry.load(args.tenants_file)
    if args.tenants < 1:
        raise ValueError('--tenants must be at least 1')
    unconsented = frozenset(int(item) for item in args.unconsented.split(',') if item.strip())
    return TenantRegistry.generate(args.tenants, args.tenant_users, unconsented, args.seed)
