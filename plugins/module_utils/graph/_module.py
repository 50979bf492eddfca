# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GraphModule: the AnsibleModule every module of the collection is built on.

It merges the shared authentication and connection options (documented in the
m365.licensing.graph doc fragment) into the module's own argument spec, builds the one
GraphClient of the run, and turns a GraphError into fail_json. Modules declare only their
own options and never build HTTP requests themselves.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.m365.licensing.plugins.module_utils.graph import _client as graph_client
from ansible_collections.m365.licensing.plugins.module_utils.graph import _interrupt
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError, redact

# AWX's built-in "Microsoft Azure Resource Manager" credential injects these names.
AZURE_CLOUD_NAMES = {
    'azurecloud': 'public',
    'azureusgovernment': 'usgov',
    'azurechinacloud': 'china',
}

CLOUD_CHOICES = ['public', 'usgov', 'usgov_dod', 'china']


def azure_cloud_fallback():
    """Map AZURE_CLOUD_ENVIRONMENT (AzureCloud, AzureUSGovernment, AzureChinaCloud) to our cloud names.

    An unknown value is passed through so that the choices check names it in its error.
    """
    value = os.environ.get('AZURE_CLOUD_ENVIRONMENT')
    if not value:
        raise AnsibleFallbackNotFound
    return AZURE_CLOUD_NAMES.get(value.strip().lower(), value)


def graph_argument_spec():
    """The authentication and connection options every module accepts."""
    return dict(
        # No argspec fallbacks for the credentials: the environment fills only what the task's own
        # method leaves out (credential_options), so that it can never replace the task's method.
        tenant_id=dict(type='str'),
        client_id=dict(type='str'),
        client_secret=dict(type='str', no_log=True),
        client_certificate_path=dict(type='path', no_log=False),
        client_certificate_password=dict(type='str', no_log=True),
        managed_identity=dict(type='str'),
        access_token=dict(type='str', no_log=True),
        cloud=dict(type='str', choices=CLOUD_CHOICES, default='public', fallback=(azure_cloud_fallback,)),
        authority_url=dict(type='str'),
        graph_url=dict(type='str'),
        ca_path=dict(type='path'),
        validate_certs=dict(type='bool', default=True),
        timeout=dict(type='int', default=30),
        max_retries=dict(type='int', default=5),
    )


GRAPH_OPTION_NAMES = tuple(graph_argument_spec())

# The Azure SDK's and AWX's environment names (docs/awx.md), per option.
CREDENTIAL_ENVIRONMENT = {
    'tenant_id': ('AZURE_TENANT_ID', 'AZURE_TENANT'),
    'client_id': ('AZURE_CLIENT_ID',),
    'client_secret': ('AZURE_CLIENT_SECRET', 'AZURE_SECRET'),
    'client_certificate_path': ('AZURE_CLIENT_CERTIFICATE_PATH',),
    'client_certificate_password': ('AZURE_CLIENT_CERTIFICATE_PASSWORD',),
}
# Each method by the option that names it, in the order that breaks a tie, and the options it also uses.
CREDENTIAL_METHODS = (
    ('access_token', ()),
    ('client_certificate_path', ('tenant_id', 'client_id', 'client_certificate_password')),
    ('client_secret', ('tenant_id', 'client_id')),
    ('managed_identity', ()),
)


def _from_environment(name, environ):
    for variable in CREDENTIAL_ENVIRONMENT.get(name, ()):
        if environ.get(variable):
            return environ[variable]
    return None


def credential_options(params, environ=None):
    """The credential options of the run: a method named in the task decides; the environment fills the rest.

    The task (its options or module_defaults) names a method by giving its option (access_token,
    client_certificate_path, client_secret, managed_identity). Then the environment only fills the
    companions the task leaves out of that method (tenant_id, client_id, the certificate password),
    and every other method is ignored, wherever it comes from. When the task names none, the
    environment's method is used (a certificate before a secret), with its companions.
    """
    environ = os.environ if environ is None else environ
    chosen = dict((name, params.get(name)) for name in CREDENTIAL_ENVIRONMENT)
    chosen.update(access_token=params.get('access_token'), managed_identity=params.get('managed_identity'))
    named = [(option, companions) for option, companions in CREDENTIAL_METHODS if chosen.get(option)]
    if not named:
        named = [(option, companions) for option, companions in CREDENTIAL_METHODS if _from_environment(option, environ)]
        if named:
            chosen[named[0][0]] = _from_environment(named[0][0], environ)
    method, companions = named[0] if named else (None, ('tenant_id', 'client_id'))
    for option, _companions in CREDENTIAL_METHODS:
        if option != method:
            chosen[option] = None  # a second method never mixes in: the chosen one decides
    for name in companions:
        if not chosen.get(name):
            chosen[name] = _from_environment(name, environ)
    return chosen


class GraphModule(AnsibleModule):
    """AnsibleModule with the shared Graph options and one GraphClient per run."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = graph_argument_spec()
        spec.update(argument_spec or {})
        super(GraphModule, self).__init__(argument_spec=spec, **kwargs)
        self._client = None

    def client(self, **extra):
        """The run's GraphClient, built on first use. `extra` passes e.g. max_concurrency."""
        if self._client is None:
            self._require_libraries()
            options = dict((name, self.params[name]) for name in GRAPH_OPTION_NAMES)
            options.update(credential_options(self.params))
            for name in ('client_secret', 'client_certificate_password', 'access_token'):
                if options.get(name):
                    # What came from the environment is masked like an option given with no_log.
                    self.no_log_values.add(options[name])
            options.update(extra)
            try:
                self._client = graph_client.GraphClient(warn=self.warn, **options)
            except GraphError as error:
                self.fail_graph(error)
            # From here a signal or the controller going away stops the run cleanly (docs/reliability.md).
            _interrupt.install(self._client.stop)
        return self._client

    def _require_libraries(self):
        if not graph_client.HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=graph_client.REQUESTS_IMPORT_ERROR)
        if not graph_client.HAS_MSAL:
            self.fail_json(msg=missing_required_lib('msal'), exception=graph_client.MSAL_IMPORT_ERROR)

    def fail_graph(self, error, prefix=None, **result):
        """Fail the task with a GraphError's message and its details (status, code, request id)."""
        # Defence in depth: every form of the run's secrets is masked, whatever text reached here.
        secrets = [value for value in self.no_log_values if isinstance(value, str)]
        message = redact(str(error) if prefix is None else '%s: %s' % (prefix, error), secrets)
        details = error.to_dict()
        details['message'] = redact(details['message'] or '', secrets) or details['message']
        result.setdefault('error', details)
        if self._client is not None:
            result.setdefault('requests', self.request_stats())
        self.fail_json(msg=message, **result)

    def request_stats(self):
        """Request counters of the run so far, for the module result."""
        if self._client is None:
            return dict(requests=0, reads=0, writes=0, batches=0, retries=0, throttled=0, token_requests=0)
        return dict(self._client.stats)
