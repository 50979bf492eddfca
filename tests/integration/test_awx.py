# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX / Automation Controller, as docs/awx.md sets it up, against the Graph emulator.

Controller is not available here, so the two pieces of it that decide whether a job works are
re-created from its source (awx/main/models/credential/__init__.py and injectors.py,
awx/main/models/mixins.py):
- a credential type's injectors rendered into the job's environment and extra vars, with the
  Jinja sandbox Controller uses, empty fields rendering as '' and file injectors written first;
- survey answers validated against the survey spec before they become extra vars.
The playbooks then run with exactly what Controller would hand to ansible-playbook.
"""

import os
import re
import tempfile

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from playbook_harness import CLIENT_ID, CLIENT_SECRET, REPO_ROOT, self_signed_certificate

pytestmark = pytest.mark.integration

AWX_DIR = os.path.join(REPO_ROOT, 'docs', 'awx')
SURVEY_PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'awx_assign_teams_licenses.yml')
DOMAIN = 'contoso.onmicrosoft.com'
# The Graph root each cloud choice must lead to (graph-facts section 6).
CLOUD_GRAPH_HOSTS = {
    'public': 'graph.microsoft.com',
    'usgov': 'graph.microsoft.us',
    'usgov_dod': 'dod-graph.microsoft.us',
    'china': 'microsoftgraph.chinacloudapi.cn',
}


def load_awx_file(name):
    with open(os.path.join(AWX_DIR, name)) as stream:
        return yaml.safe_load(stream)


@pytest.fixture(scope='module')
def credential_type():
    return dict(inputs=load_awx_file('credential_type_inputs.yml'), injectors=load_awx_file('credential_type_injectors.yml'))


@pytest.fixture(scope='module')
def survey_spec():
    return load_awx_file('survey_spec.yml')


# ------------------------------------------------------------------ Controller's credential injection

class ControllerNamespace(object):
    """The `tower` object of injector templates: tower.filename or tower.filename.<label>."""


def credential_inputs(credential_type, **given):
    """What the credential form saves: the values typed in, and each untouched field's default."""
    inputs = dict((field['id'], field['default']) for field in credential_type['inputs']['fields'] if 'default' in field)
    inputs.update(given)
    return inputs


def inject_credential(credential_type, inputs, private_dir):
    """(env, extra_vars) as Controller's CredentialType.inject_credential builds them for ansible-playbook."""
    injectors = credential_type['injectors']
    sandbox = ImmutableSandboxedEnvironment()
    tower = ControllerNamespace()
    # Only non-empty values enter the namespace, so an empty field renders as ''.
    namespace = dict((name, value) for name, value in inputs.items() if isinstance(value, bool) or len(value))
    namespace['tower'] = tower
    for label, template in injectors.get('file', {}).items():
        handle, path = tempfile.mkstemp(dir=private_dir)
        with os.fdopen(handle, 'w') as stream:
            stream.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, 0o600)
        if '.' not in label:
            tower.filename = path
        else:
            if not hasattr(tower, 'filename'):
                tower.filename = ControllerNamespace()
            setattr(tower.filename, label.split('.', 1)[1], path)
    env = dict((name, sandbox.from_string(template).render(**namespace)) for name, template in injectors.get('env', {}).items())
    extra_vars = dict((name, sandbox.from_string(template).render(**namespace))
                      for name, template in injectors.get('extra_vars', {}).items())
    return env, extra_vars


def azure_rm_injection(subscription, client, secret, tenant, cloud_environment=None):
    """The environment of Controller's built-in "Microsoft Azure Resource Manager" credential (injectors.py azure_rm)."""
    env = dict(AZURE_SUBSCRIPTION_ID=subscription, AZURE_CLIENT_ID=client, AZURE_TENANT=tenant, AZURE_SECRET=secret)
    if cloud_environment is not None:
        env['AZURE_CLOUD_ENVIRONMENT'] = cloud_environment
    return env


def emulator_vars(emulator):
    """Where the emulator lives; in Controller these are left out and the public cloud applies."""
    info = emulator.info
    return dict(m365_authority_url=info['authority_url'], m365_graph_url=info['graph_url'], m365_ca_path=info['ca_path'])


def test_controller_accepts_the_credential_type(credential_type):
    """The checks Controller makes when the two YAML files are saved as a credential type."""
    inputs, injectors = credential_type['inputs'], credential_type['injectors']
    fields = inputs['fields']
    ids = [field['id'] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert re.match(r'^[a-zA-Z_][a-zA-Z0-9_]*$', field['id']) and field['type'] in ('string', 'boolean') and field['label']
        if 'choices' in field:
            assert field.get('default', field['choices'][0]) in field['choices']
    assert set(inputs.get('required', [])) <= set(ids)
    assert set(injectors) <= {'file', 'env', 'extra_vars'}
    assert all(label == 'template' or label.startswith('template.') for label in injectors.get('file', {}))
    # Secrets are masked in the UI and in job output, and stored encrypted.
    assert set(field['id'] for field in fields if field.get('secret')) == {'client_secret', 'certificate', 'certificate_password'}
    # Controller renders every template with every field set and refuses an undefined name.
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    tower = ControllerNamespace()
    tower.filename = ControllerNamespace()
    for label in injectors.get('file', {}):
        setattr(tower.filename, label.partition('.')[2], '/runner/env/tmpfile')
    namespace = dict((field['id'], 'EXAMPLE') for field in fields)
    namespace['tower'] = tower
    for kind in ('file', 'env', 'extra_vars'):
        for template in injectors.get(kind, {}).values():
            strict.from_string(template).render(**namespace)


def test_secret_credential_authenticates(fresh_emulator, run_playbook, credential_type, tmp_path):
    secret = CLIENT_SECRET
    inputs = credential_inputs(credential_type, tenant_id=DOMAIN, client_id=CLIENT_ID, client_secret=secret)
    env, extra_vars = inject_credential(credential_type, inputs, str(tmp_path))
    extra = emulator_vars(fresh_emulator)
    extra.update(extra_vars)
    run = run_playbook('sku_info.yml', extra, env=env, verbosity=4)
    assert run.rc == 0, run
    assert run.task('Read SKUs')['result']['skus']
    assert fresh_emulator.stats()['tokens_issued'] >= 1
    assert secret not in run.output


def test_certificate_credential_with_password_authenticates(fresh_emulator, run_playbook, credential_type, tmp_path):
    password = 'awx-key-password-51d2'
    key, certificate = self_signed_certificate('m365-licensing-awx')
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    client_id = '77777777-7777-4777-8777-777777777777'
    fresh_emulator.register_app({'client_id': client_id, 'display_name': 'AWX certificate automation',
                                 'certificates': [certificate_pem], 'roles': ['LicenseAssignment.Read.All']})
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(password.encode())).decode()
    # Pasted into the multiline field: key, then certificate. No secret.
    inputs = credential_inputs(credential_type, tenant_id=fresh_emulator.info['tenant_id'], client_id=client_id,
                               certificate=key_pem + certificate_pem, certificate_password=password)
    env, extra_vars = inject_credential(credential_type, inputs, str(tmp_path))
    assert os.path.isfile(env['AZURE_CLIENT_CERTIFICATE_PATH'])
    extra = emulator_vars(fresh_emulator)
    extra.update(extra_vars)
    run = run_playbook('sku_info.yml', extra, env=env, verbosity=4)
    assert run.rc == 0, run
    assert run.task('Read SKUs')['result']['skus']
    assert password not in run.output


CLOUD_PLAYBOOK = '''
- name: Authenticate once per cloud of the credential
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read SKUs in each cloud
      m365.licensing.teams_sku_info:
        authority_url: "{{ m365_authority_url }}"
        ca_path: "{{ m365_ca_path }}"
        max_retries: 0
      environment: "{{ item.env }}"
      loop: "{{ clouds }}"
      loop_control:
        label: "{{ item.cloud }}"
      ignore_errors: true
'''


def test_each_cloud_choice_selects_that_clouds_graph(fresh_emulator, run_playbook, credential_type, tmp_path):
    """The token is asked for the chosen cloud's Graph; the emulator is none of them and names it in AADSTS500011."""
    cloud_field = [field for field in credential_type['inputs']['fields'] if field['id'] == 'cloud'][0]
    assert set(cloud_field['choices']) == set(CLOUD_GRAPH_HOSTS)
    clouds = []
    for cloud in cloud_field['choices']:
        inputs = credential_inputs(credential_type, tenant_id=DOMAIN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, cloud=cloud)
        env, _extra_vars = inject_credential(credential_type, inputs, str(tmp_path))
        clouds.append(dict(cloud=cloud, env=env))
    playbook = tmp_path / 'clouds.yml'
    playbook.write_text(CLOUD_PLAYBOOK)
    extra = emulator_vars(fresh_emulator)
    extra['clouds'] = clouds
    run = run_playbook(str(playbook), extra)
    items = run.task('Read SKUs in each cloud')['result']['results']
    assert [item['item']['cloud'] for item in items] == cloud_field['choices']
    for item in items:
        message = item.get('msg', '')
        assert 'AADSTS500011' in message and CLOUD_GRAPH_HOSTS[item['item']['cloud']] in message, (item['item']['cloud'], message)


def test_builtin_azure_resource_manager_credential_authenticates(fresh_emulator, run_playbook):
    """docs/awx.md: the built-in credential works unchanged; its subscription field is required and unused."""
    env = azure_rm_injection(subscription='00000000-0000-0000-0000-000000000000', client=CLIENT_ID, secret=CLIENT_SECRET,
                             tenant=fresh_emulator.info['tenant_id'], cloud_environment='AzureCloud')
    run = run_playbook('sku_info.yml', emulator_vars(fresh_emulator), env=env)
    assert run.rc == 0, run
    assert run.task('Read SKUs')['result']['skus']


# ------------------------------------------------------------------ the survey and its playbook

def survey_errors(spec, answers):
    """Controller's survey validation (SurveyJobTemplateMixin._survey_element_validation) of the launch answers."""
    errors = []
    for element in spec['spec']:
        name, kind = element['variable'], element['type']
        choices = element.get('choices') or []
        if isinstance(choices, str):
            choices = [choice for choice in choices.splitlines() if choice.strip()]
        if name not in answers:
            if element['required']:
                errors.append('%s missing' % name)
            continue
        value = answers[name]
        if kind in ('text', 'textarea', 'password'):
            if not isinstance(value, str):
                errors.append('%s must be a string' % name)
            elif element.get('min') not in ('', None) and len(value) < int(element['min']):
                errors.append('%s too short' % name)
            elif element.get('max') not in ('', None) and len(value) > int(element['max']):
                errors.append('%s too long' % name)
        elif kind == 'multiselect':
            if not isinstance(value, list):
                errors.append('%s must be a list' % name)
            else:
                errors.extend('%s: %s is not a choice' % (name, item) for item in value if item not in choices)
        elif kind == 'multiplechoice' and value not in choices:
            errors.append('%s: %s is not a choice' % (name, value))
    return errors


def survey_launch(spec, **answers):
    """The extra vars of a job launched from the survey: defaults that validate, then the answers."""
    extra_vars = {}
    for element in spec['spec']:
        default = element.get('default')
        if default is not None and not survey_errors(dict(spec=[element]), {element['variable']: default}):
            extra_vars[element['variable']] = default
    extra_vars.update(answers)
    errors = survey_errors(spec, extra_vars)
    assert not errors, errors
    return extra_vars


def skus_by_part_number(state):
    return dict((sku['skuPartNumber'], sku['skuId']) for sku in state['skus'])


def licences_of(state, upn):
    ids = dict((sku_id, part) for part, sku_id in skus_by_part_number(state).items())
    user = [user for user in state['users'] if user['userPrincipalName'].lower() == upn.lower()][0]
    return set(ids[entry['skuId']] for entry in user['assignedLicenses'])


OFFICE_STAFF = ['AdeleV', 'AlexW', 'DiegoS']


def test_survey_preview_then_apply(fresh_emulator, run_playbook, credential_type, survey_spec, tmp_path):
    """A preview run writes nothing and says what would change; the apply run licenses exactly those users."""
    inputs = credential_inputs(credential_type, tenant_id=DOMAIN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    env, credential_vars = inject_credential(credential_type, inputs, str(tmp_path))
    users_answer = 'AdeleV@%s\r\nalexw@%s,  DiegoS@%s\n\n' % (DOMAIN, DOMAIN, DOMAIN)
    before = fresh_emulator.state()

    def launch(check_mode):
        extra = survey_launch(survey_spec, teams_users=users_answer, teams_licenses=['phone_system', 'calling_plan_domestic'],
                              teams_check_mode=check_mode)
        extra.update(credential_vars)
        extra.update(emulator_vars(fresh_emulator))
        return run_playbook(SURVEY_PLAYBOOK, extra, env=env)

    preview = launch('yes')
    assert preview.rc == 0, preview
    assert fresh_emulator.stats()['writes'] == 0
    assert fresh_emulator.state()['users'] == before['users']
    report = preview.task('Report')['result']['msg']
    assert report['mode'].startswith('preview')
    assert sorted(user.lower() for user in report['changed']) == sorted(('%s@%s' % (name, DOMAIN)).lower() for name in OFFICE_STAFF)
    assert report['summary']['total'] == 3

    applied = launch('no')
    assert applied.rc == 0, applied
    after = fresh_emulator.state()
    for name in OFFICE_STAFF:
        upn = '%s@%s' % (name, DOMAIN)
        assert licences_of(after, upn) == licences_of(before, upn) | {'MCOEV', 'MCOPSTN1'}
    untouched = [user['userPrincipalName'] for user in before['users'] if user['userPrincipalName'].split('@')[0] not in OFFICE_STAFF]
    assert all(licences_of(after, upn) == licences_of(before, upn) for upn in untouched)
    assert applied.task('Report')['result']['msg']['mode'] == 'applied'


def test_check_job_never_writes_even_when_the_survey_says_apply(fresh_emulator, run_playbook, survey_spec):
    """A job of type Check runs ansible-playbook --check: the survey's 'no' must not turn writes back on."""
    extra = survey_launch(survey_spec, teams_users='AdeleV@%s' % DOMAIN, teams_licenses=['phone_system'], teams_check_mode='no')
    extra.update(emulator_vars(fresh_emulator))
    extra.update(m365_tenant_id=DOMAIN, m365_client_id=CLIENT_ID, m365_client_secret=CLIENT_SECRET)
    run = run_playbook(SURVEY_PLAYBOOK, extra, check=True)
    assert run.rc == 0, run
    assert run.task('Set the Teams licences')['result']['summary']['changed'] == 1
    assert fresh_emulator.stats()['writes'] == 0


def test_survey_without_users_fails_before_any_request(fresh_emulator, run_playbook, survey_spec):
    extra = survey_launch(survey_spec, teams_users=' ,\n , ', teams_licenses=['phone_system'], teams_check_mode='no')
    extra.update(emulator_vars(fresh_emulator))
    extra.update(m365_tenant_id=DOMAIN, m365_client_id=CLIENT_ID, m365_client_secret=CLIENT_SECRET)
    run = run_playbook(SURVEY_PLAYBOOK, extra)
    assert run.rc != 0
    assert 'at least one user' in run.task('Check the survey answers')['result']['msg']
    assert fresh_emulator.stats()['requests_total'] == 0
