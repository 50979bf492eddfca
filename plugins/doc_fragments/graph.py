# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Authentication and connection options shared by every module of the collection."""

    DOCUMENTATION = r'''
options:
  tenant_id:
    description:
      - The Microsoft Entra tenant (directory) ID or its verified domain, for example C(contoso.onmicrosoft.com).
        Surrounding spaces are trimmed; a value with a space, a slash or a URL inside is refused before any request.
      - When not given, taken from the E(AZURE_TENANT_ID) or E(AZURE_TENANT) environment variable.
      - Required unless O(access_token) or O(managed_identity) is used.
    type: str
  client_id:
    description:
      - The application (client) ID of the app registration.
      - When not given, taken from the E(AZURE_CLIENT_ID) environment variable.
    type: str
  client_secret:
    description:
      - A client secret value of the app registration (the secret's B(value), not its ID).
      - Taken from the E(AZURE_CLIENT_SECRET) or E(AZURE_SECRET) environment variable only when the task names no
        credential method and the environment holds no certificate (see the notes).
      - Refused before any request, without being shown, when it holds whitespace or a control character (a YAML
        C(|) block or a file lookup adds a newline at its end).
      - Never shown in output or logs.
    type: str
  client_certificate_path:
    description:
      - Path on the managed node to a certificate registered on the app, used instead of a secret.
      - Either a PEM file holding both the private key and the certificate, or a PFX/PKCS#12 file (C(.pfx) or C(.p12)).
      - Taken from the E(AZURE_CLIENT_CERTIFICATE_PATH) environment variable only when the task names no credential
        method (see the notes).
    type: path
  client_certificate_password:
    description:
      - Password of an encrypted PEM private key or of a PFX file given in O(client_certificate_path).
      - When a certificate is used and this is not given, taken from the E(AZURE_CLIENT_CERTIFICATE_PASSWORD)
        environment variable (the Azure SDK's name for it). Control characters are refused.
      - Never shown in output or logs.
    type: str
  managed_identity:
    description:
      - Authenticate as an Azure managed identity of the machine the module runs on.
      - V(system) for the system-assigned identity, or the client ID of a user-assigned identity.
    type: str
  access_token:
    description:
      - A Microsoft Graph access token the caller already holds. No other credential is then used.
      - A token cannot be renewed by the module; a run that outlives it fails with an authentication error.
      - Refused before any request, without being shown, when it holds whitespace or a control character.
      - Never shown in output or logs.
    type: str
  cloud:
    description:
      - The Microsoft cloud the tenant lives in. It selects the Entra authority and the Graph endpoint.
      - V(public) is the global cloud (also GCC), V(usgov) is GCC High, V(usgov_dod) is DoD, V(china) is operated by 21Vianet.
      - Falls back to the E(AZURE_CLOUD_ENVIRONMENT) environment variable, which holds V(AzureCloud), V(AzureUSGovernment) or
        V(AzureChinaCloud) as AWX's Azure credential sets it, or one of this option's own choices (V(usgov_dod) has no Azure name).
    type: str
    choices: [public, usgov, usgov_dod, china]
    default: public
  authority_url:
    description:
      - Override of the Entra authority host, without the tenant, for example C(https://login.microsoftonline.us).
      - The tenant ID is appended to it. Used for unusual clouds and for the local Graph emulator.
      - Must be an C(https://) URL of a host without a path; anything else is refused before any request.
    type: str
  graph_url:
    description:
      - Override of the Microsoft Graph root, without the API version, for example C(https://graph.microsoft.us).
      - Used for unusual clouds and for the local Graph emulator.
      - Must be an C(https://) URL of a host without a path; a URL ending in C(/v1.0) or C(/beta) is refused before
        any request (the modules add the version).
    type: str
  ca_path:
    description:
      - A PEM bundle of certificate authorities to trust for Entra and Graph, for example behind a TLS-inspecting proxy.
      - It always wins over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE).
    type: path
  validate_certs:
    description:
      - Whether to verify TLS certificates. Turning this off is insecure and produces a warning.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for each HTTP response before the request is retried or fails, from 1 to 600.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a request or a batch item is retried after a server error (500, 502, 503, 504), a connection
        error or a malformed answer to a read, from 0 to 20. Token requests to Entra are retried the same way.
        Waits follow the service's C(Retry-After), otherwise a jittered exponential backoff; every wait is bounded by
        what is left of the retry budget (300 s), and a C(Retry-After) longer than that fails the request at once.
      - Throttled batch items (HTTP 429) are retried after C(Retry-After) for as long as the run makes progress, and
        writes slow to Graph's sustained write rate once its write limit is reached, so a large run loses no user
        to throttling. A single request gives up on throttling after this many retries.
    type: int
    default: 5
notes:
  - A credential named in the task wins. The task (its options or C(module_defaults)) names a method by giving
    O(access_token), O(client_certificate_path), O(client_secret) or O(managed_identity); the environment then only
    fills what the task leaves out of that method (O(tenant_id), O(client_id), O(client_certificate_password)) and
    no other method is used, wherever it comes from. When the task names none, the environment supplies one,
    a certificate (E(AZURE_CLIENT_CERTIFICATE_PATH)) before a secret (E(AZURE_CLIENT_SECRET), E(AZURE_SECRET)).
    If the task names several, the first of O(access_token), O(client_certificate_path), O(client_secret),
    O(managed_identity) is used.
  - A secret exported to the process (AWX credentials, C(export) in a shell) is not shown by Ansible. A secret passed
    through a task's or play's C(environment:) keyword B(is) shown at C(-vvvv), by Ansible itself, before the module
    runs; use the module options (which are C(no_log)) or export it instead.
  - Proxies from the environment (E(HTTPS_PROXY), E(NO_PROXY)) apply to Entra and Graph alike.
  - The environment variables match the ones that AWX and Automation Controller inject from the built-in
    C(Microsoft Azure Resource Manager) credential, so that credential works unchanged.
requirements:
  - msal >= 1.39.0
  - requests >= 2.25.0
seealso:
  - name: Microsoft Graph permissions reference
    description: The application permissions (app roles) each module needs.
    link: https://learn.microsoft.com/graph/permissions-reference
'''
