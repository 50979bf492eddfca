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

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.m365.licensing.plugins.module_utils.graph import _client as graph_client
from ansible_collections.m365.licensing.plugins.module_utils.graph._errors import GraphError

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
        tenant_id=dict(type='str', fallback=(env_fallback, ['AZURE_TENANT_ID', 'AZURE_TENANT'])),
        client_id=dict(type='str', fallback=(env_fallback, ['AZURE_CLIENT_ID'])),
        client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['AZURE_CLIENT_SECRET', 'AZURE_SECRET'])),
        client_certificate_path=dict(type='path', no_log=False, fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PATH'])),
        client_certificate_password=dict(type='str', no_log=True, fallback=(env_fallback, ['AZURE_CLIENT_CERTIFICATE_PASSWORD'])),
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
            options.update(extra)
            try:
                self._client = graph_client.GraphClient(warn=self.warn, **options)
            except GraphError as error:
                self.fail_graph(error)
        return self._client

    def _require_libraries(self):
        if not graph_client.HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=graph_client.REQUESTS_IMPORT_ERROR)
        if not graph_client.HAS_MSAL:
            self.fail_json(msg=missing_required_lib('msal'), exception=graph_client.MSAL_IMPORT_ERROR)

    def fail_graph(self, error, prefix=None, **result):
        """Fail the task with a GraphError's message and its details (status, code, request id)."""
        message = str(error) if prefix is None else '%s: %s' % (prefix, error)
        result.setdefault('error', error.to_dict())
        if self._client is not None:
            result.setdefault('requests', self.request_stats())
        self.fail_json(msg=message, **result)

    def request_stats(self):
        """Request counters of the run so far, for the module result."""
        if self._client is None:
            return dict(requests=0, reads=0, writes=0, batches=0, retries=0, throttled=0, token_requests=0)
        return dict(self._client.stats)
