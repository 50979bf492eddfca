# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input catalogue: what admins get wrong, one table row each, through a real playbook.

Every row runs teams_license at -vvvv against the emulator and asserts:

- the outcome: the task fails (one row, validate_certs false, works with a warning);
- a clear message: `names` (the user, licence, app or URL concerned) and `advice` (what to do)
  are all in the task's msg (or its warnings);
- from the emulator, not from the module: its `writes` and `writes_applied` counters are exactly
  what the row allows (zero, or the valid users' writes in per-user and seat_check partial
  rows), and exactly the users the row names changed, to exactly the licences it gives;
- no secret leaked: neither the output, the task result, the files written under the run's
  sandbox nor the emulator's request log holds a client secret, the certificate password, the
  access token given, or any token the emulator issued.

Tenants: contoso (the sample), tight-seats (9 seats for 10 agents) and two-teams-phones (Teams
Phone bought twice, tests/reliability/tenants). The last test proves the integration fixture's
check-mode guard catches a write.
"""

import collections
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'reliability'))

# pylint: disable=wrong-import-position
from reliability_support import (CLIENT_ID, CLIENT_SECRET, PLAYBOOK, RELIABILITY_DIR, PlaybookRunner, RecordingEmulator,  # noqa: E402
                                 certificate_files, connection_vars, emulator_args, fetch_token, find_leaks, licences_by_user,
                                 run_texts, task_result, unused_local_port, usage_locations)

pytestmark = pytest.mark.integration

CONTOSO = 'contoso.onmicrosoft.com'
READER_ID, READER_SECRET = '22222222-2222-4222-8222-222222222222', 'emulator-secret-0002'
EXPIRED_ID, EXPIRED_SECRET = '33333333-3333-4333-8333-333333333333', 'emulator-secret-0003'
WRITER_ID, WRITER_SECRET = '44444444-4444-4444-8444-444444444444', 'emulator-secret-0004'
UNKNOWN_CLIENT_ID = '99999999-9999-4999-8999-999999999999'
CERTIFICATE_CLIENT_ID = '77777777-7777-4777-8777-777777777777'
OTHER_CERTIFICATE_CLIENT_ID = '88888888-8888-4888-8888-888888888888'
WRONG_SECRET = 'wrong-secret-7f3a9c1e'
CERTIFICATE_PASSWORD = 'pfx-password-b7d20e'
WRONG_CERTIFICATE_PASSWORD = 'not-the-pfx-password-41c9'
MADE_UP_ACCESS_TOKEN = 'made-up-access-token-5d1e0c77'
# Every secret value that any row hands to the module; none may come back out.
SECRETS = dict(client_secret=CLIENT_SECRET, reader_secret=READER_SECRET, expired_secret=EXPIRED_SECRET, writer_secret=WRITER_SECRET,
               wrong_secret=WRONG_SECRET, certificate_password=CERTIFICATE_PASSWORD,
               wrong_certificate_password=WRONG_CERTIFICATE_PASSWORD, made_up_access_token=MADE_UP_ACCESS_TOKEN)
TEAMS_PHONE_USERS_GROUP = '7d3e2f10-5b6a-4c8d-9e1f-0a2b3c4d5e6f'
E3_PLUS_PHONE = frozenset(('ENTERPRISEPACK', 'MCOEV'))
AGENT_LICENCES = frozenset(('ENTERPRISEPACK', 'MCOEV', 'MCOPSTN1'))


def upn(name):
    return '%s@%s' % (name, CONTOSO)


def agent(number):
    return 'agent%02d@tightseats.onmicrosoft.com' % number


class Case(collections.namedtuple('Case', 'name options names advice tenant connection knobs writes applied changed succeeds')):
    """One row. `options` and `connection` values may be callables of the Context (resolved at run time);
    a connection value None removes that option. `changed`: {user: licences held afterwards} of the
    only users whose licences or usage location may change."""


def case(name, options, names, advice, tenant='contoso', connection=None, knobs=None, writes=0, applied=None, changed=None,
         succeeds=False):
    return Case(name, options, tuple(names), tuple(advice), tenant, connection or {}, knobs or {}, writes,
                writes if applied is None else applied, changed or {}, succeeds)


ADELE = [upn('AdeleV')]
CASES = [
    # ---- licence references
    case('unknown licence name', dict(users=ADELE, licenses=['phone_sytem']),
         ["licence 'phone_sytem' does not match any licence in this tenant", 'MCOEV', 'phone_system', 'MCOPSTN1'],
         ['the tenant has:']),
    case('ambiguous licence name', dict(users=['professor@twophones.onmicrosoft.com'], licenses=['phone_system']),
         ["licence 'phone_system' matches 2 licences", 'MCOEV (', 'MCOEV_FACULTY (', 'skuId d979703c-028d-4de5-acbf-7955566b69b9'],
         ['name the one you mean by its part number or skuId'], tenant='two-teams-phones'),
    case('malformed licence GUID', dict(users=ADELE, licenses=['e43b5b99-8dfb-405f-9987-dc307f34bcb']),
         ["licence 'e43b5b99-8dfb-405f-9987-dc307f34bcb' does not match any licence", 'MCOEV'], ['the tenant has:']),
    case('licence that is not a name', dict(users=ADELE, licenses=[42]),
         ['licenses: each licence is', 'got 42'], ['a name, part number or skuId, or a dict with sku']),
    case('unknown key in a licence', dict(users=ADELE, licenses=[{'sku': 'MCOEV', 'disable_plans': ['MCOEV']}]),
         ["unknown key(s) disable_plans in licence {'sku': 'MCOEV'"], ['allowed: disabled_plans, enabled_plans, sku']),
    # ---- users
    case('malformed user object id', dict(users=['0f0e0d0c-0b0a-4909-8807'], licenses=['phone_system']),
         ["user '0f0e0d0c-0b0a-4909-8807' is neither a user principal name"], ['correct it in users']),
    case('malformed user principal name', dict(users=['adele vance@%s' % CONTOSO], licenses=['phone_system']),
         ["user 'adele vance@contoso.onmicrosoft.com' is neither"], ['(name@domain)', 'correct it in users']),
    case('user principal name without domain', dict(users=['AdeleV'], licenses=['phone_system']),
         ["user 'AdeleV' is neither"], ['(name@domain)', 'correct it in users']),
    case('duplicate users with conflicting specs',
         dict(users=[upn('AdeleV'), {'user': upn('AdeleV').lower(), 'licenses': ['audio_conferencing']}], licenses=['phone_system']),
         ['listed more than once with different settings: adelev@contoso.onmicrosoft.com'],
         ['list each user once or give them the same licences']),
    case('empty user list', dict(users=[], licenses=['phone_system']), ['users is empty'],
         ['give at least one user principal name or object id']),
    case('unknown key in a user', dict(users=[{'user': upn('AdeleV'), 'licences': ['phone_system']}], licenses=['phone_system']),
         ["unknown key(s) licences in {'user': 'AdeleV@contoso.onmicrosoft.com'"], ['allowed: licenses, pstn_connectivity, state']),
    case('invalid state for one user', dict(users=[{'user': upn('AdeleV'), 'state': 'presnt'}], licenses=['phone_system']),
         ["state 'presnt' for user AdeleV@contoso.onmicrosoft.com"], ['is not one of present, absent, exact']),
    case('user not found, the others applied', dict(users=[upn('AdeleV'), upn('ghost')], licenses=['phone_system']),
         ['user ghost@contoso.onmicrosoft.com not found'], ['check the user principal name or object id'],
         writes=1, changed={upn('AdeleV'): E3_PLUS_PHONE}),
    # ---- usage location
    case('usage location of three letters', dict(users=[upn('TomasN')], licenses=['ENTERPRISEPACK'], usage_location='USA'),
         ["usage_location 'USA' for user TomasN@contoso.onmicrosoft.com"], ['two letters such as US, GB']),
    case('usage location that is no country', dict(users=[upn('TomasN')], licenses=['ENTERPRISEPACK'], usage_location='XX'),
         ["usage_location 'XX' for user TomasN@contoso.onmicrosoft.com"], ['ISO 3166-1 alpha-2 country code']),
    case('missing usage location, the others applied', dict(users=[upn('TomasN'), upn('AdeleV')], licenses=['ENTERPRISEPACK', 'phone_system']),
         ['user TomasN@contoso.onmicrosoft.com has no usage location'], ['set usage_location'],
         writes=1, changed={upn('AdeleV'): E3_PLUS_PHONE}),
    # ---- seats
    case('not enough seats, strict', dict(users=[agent(number) for number in range(1, 11)], licenses=['phone_system', 'calling_plan_domestic']),
         ['MCOEV: 10 users need it but 9 seats are available', 'MCOPSTN1: 10 users need it'], ['buy 1 more or remove users from the list'],
         tenant='tight-seats'),
    case('not enough seats, partial', dict(users=[agent(number) for number in range(1, 11)], licenses=['phone_system', 'calling_plan_domestic'],
                                           seat_check='partial'),
         ['user agent10@tightseats.onmicrosoft.com: no seat left for MCOEV, MCOPSTN1'], ['buy more seats and re-run'],
         tenant='tight-seats', writes=9, changed=dict((agent(number), AGENT_LICENCES) for number in range(1, 10))),
    # ---- Teams rules
    case('Domestic plus International Calling Plan', dict(users=ADELE, licenses=['phone_system', 'calling_plan_domestic', 'calling_plan_international']),
         ['2 Calling Plans (MCOPSTN1, MCOPSTN2)', 'users: AdeleV@contoso.onmicrosoft.com'], ['keep one']),
    case('Calling Plan for a Direct Routing user',
         dict(users=[upn('GradyA')], licenses=['phone_system', 'calling_plan_domestic'], pstn_connectivity='direct_routing'),
         ['MCOPSTN1 carries a Calling Plan', 'pstn_connectivity is direct_routing', 'users: GradyA@contoso.onmicrosoft.com'],
         ['remove it from licenses or disable that plan']),
    case('Calling Plan for an Operator Connect user',
         dict(users=[upn('GradyA')], licenses=['phone_system', 'calling_plan_domestic'], pstn_connectivity='operator_connect'),
         ['MCOPSTN1 carries a Calling Plan', 'pstn_connectivity is operator_connect'], ['remove it from licenses or disable that plan']),
    case('Calling Plan without Phone System', dict(users=ADELE, licenses=['calling_plan_domestic']),
         ['user AdeleV@contoso.onmicrosoft.com would hold a Calling Plan (MCOPSTN1) without Teams Phone'],
         ['add Phone System (e.g. MCOEV) or a suite that carries it']),
    case('second Calling Plan next to a held one', dict(users=[upn('BrianJ')], licenses=['calling_plan_international']),
         ['user BrianJ@contoso.onmicrosoft.com would hold 2 Calling Plans (MCOPSTN1, MCOPSTN2)'], ['state exact swaps them in one call']),
    case('removing a group-inherited licence, the others applied',
         dict(users=[upn('DebraB'), upn('MarcoR')], licenses=['phone_system', 'audio_conferencing'], state='absent'),
         ['MCOEV of user DebraB@contoso.onmicrosoft.com is inherited from group Teams Phone Users (%s)' % TEAMS_PHONE_USERS_GROUP],
         ["remove the user from the group or change the group's licences"],
         writes=1, changed={upn('MarcoR'): frozenset(['ENTERPRISEPACK'])}),
    # Graph would refuse it (service plan dependency): predicted, so that user gets no write at all (issue 10).
    case('a licence whose plan dependency is missing is refused before writing to that user, the others applied',
         dict(users=[upn('SamT'), upn('AdeleV')], licenses=['phone_system']),
         ['user SamT@contoso.onmicrosoft.com: service plan MCOEV needs one of MCOSTANDARD', 'TEAMS1'],
         ['add, in the same task, a licence that carries one (the tenant has ENTERPRISEPACK'],
         writes=1, applied=1, changed={upn('AdeleV'): E3_PLUS_PHONE}),
    # ---- plans and SKUs
    case('disabled plan that is not in that SKU', dict(users=ADELE, licenses=[{'sku': 'ENTERPRISEPACK', 'disabled_plans': ['MCOEV']}]),
         ["service plan 'MCOEV' is not a service plan of ENTERPRISEPACK (Office 365 E3)"], ['its plans are:', 'SWAY (a23b959c']),
    case('misspelt plan name', dict(users=ADELE, licenses=[{'sku': 'ENTERPRISEPACK', 'disabled_plans': ['SWAYY']}]),
         ["service plan 'SWAYY' is not a service plan of ENTERPRISEPACK"], ['its plans are:', 'SWAY (a23b959c']),
    case('enabled_plans with disabled_plans',
         dict(users=ADELE, licenses=[{'sku': 'ENTERPRISEPACK', 'disabled_plans': ['SWAY'], 'enabled_plans': ['TEAMS1']}]),
         ['licence ENTERPRISEPACK gives both disabled_plans and enabled_plans'], ['give one of them']),
    case('one SKU twice with different plans', dict(users=ADELE, licenses=[{'sku': 'ENTERPRISEPACK', 'disabled_plans': ['SWAY']}, 'ENTERPRISEPACK']),
         ['ENTERPRISEPACK is listed twice with different plans', 'users: AdeleV@contoso.onmicrosoft.com'], ['list it once']),
    case('a Company SKU', dict(users=ADELE, licenses=['SHAREPOINTSTORAGE']),
         ['SHAREPOINTSTORAGE applies to the company and cannot be assigned to a user', 'users: AdeleV@'], ['remove it from licenses']),
    case('a suspended SKU', dict(users=ADELE, licenses=['office_365_e1']),
         ['STANDARDPACK is Suspended in the tenant', 'users: AdeleV@'], ['renew the subscription or remove it from licenses']),
    case('a suite with exact and exact_scope teams', dict(users=ADELE, licenses=['ENTERPRISEPACK', 'phone_system'], state='exact'),
         ['ENTERPRISEPACK is not a Teams licence (category suite) and exact_scope is teams'],
         ['use exact_scope all or assign it in a separate task with state present']),
    case('max_concurrency out of range', dict(users=ADELE, licenses=['phone_system'], max_concurrency=0),
         ['max_concurrency'], ['must be between 1 and 16']),
    # ---- credentials and permissions
    case('wrong secret', dict(users=ADELE, licenses=['phone_system']), ['AADSTS7000215', 'client %s' % CLIENT_ID],
         ['client_secret must be the secret value, not the secret ID'], connection=dict(m365_client_secret=WRONG_SECRET)),
    case('expired secret', dict(users=ADELE, licenses=['phone_system']), ['AADSTS7000222', 'client %s' % EXPIRED_ID],
         ['create a new one for the app registration'], connection=dict(m365_client_id=EXPIRED_ID, m365_client_secret=EXPIRED_SECRET)),
    case('unknown client id', dict(users=ADELE, licenses=['phone_system']), ['AADSTS700016', 'client %s' % UNKNOWN_CLIENT_ID],
         ['check client_id, tenant_id and cloud'], connection=dict(m365_client_id=UNKNOWN_CLIENT_ID)),
    case('unknown tenant', dict(users=ADELE, licenses=['phone_system']), ['in tenant fabrikam.onmicrosoft.com', 'tenant not found'],
         ['check tenant_id, cloud and authority_url'], connection=dict(m365_tenant_id='fabrikam.onmicrosoft.com')),
    case('app without the write permission (403)', dict(users=ADELE, licenses=['phone_system']),
         ['user AdeleV@contoso.onmicrosoft.com: assignLicense refused with HTTP 403 Authorization_RequestDenied',
          'No further write was sent: 0 user(s) not attempted'],
         ['the app lacks the Graph application permission LicenseAssignment.ReadWrite.All: grant it'],
         connection=dict(m365_client_id=READER_ID, m365_client_secret=READER_SECRET), writes=1, applied=0),
    case('app that may not set usage locations (403)', dict(users=[upn('TomasN')], licenses=['ENTERPRISEPACK'], usage_location='US'),
         ['user TomasN@contoso.onmicrosoft.com: setting the usage location refused with HTTP 403 Authorization_RequestDenied'],
         ['the app lacks the Graph application permission User.ReadWrite.All: grant it'],
         connection=dict(m365_client_id=WRITER_ID, m365_client_secret=WRITER_SECRET), writes=1, applied=0),
    case('wrong certificate password', dict(users=ADELE, licenses=['phone_system']),
         [lambda context: context.certificates['pfx'], 'client_certificate_password'], ['wrong or missing client_certificate_password'],
         connection=dict(m365_client_id=CERTIFICATE_CLIENT_ID, m365_client_secret=None,
                         m365_client_certificate_path=lambda context: context.certificates['pfx'],
                         m365_client_certificate_password=WRONG_CERTIFICATE_PASSWORD)),
    case('certificate not registered on the app', dict(users=ADELE, licenses=['phone_system']),
         ['AADSTS700027', 'client %s' % OTHER_CERTIFICATE_CLIENT_ID], ['the certificate does not match one registered on the app'],
         connection=dict(m365_client_id=OTHER_CERTIFICATE_CLIENT_ID, m365_client_secret=None,
                         m365_client_certificate_path=lambda context: context.certificates['pem'],
                         m365_client_certificate_password=CERTIFICATE_PASSWORD)),
    case('certificate file missing', dict(users=ADELE, licenses=['phone_system']),
         ['cannot read client_certificate_path /nonexistent/app.pfx'], ['client_certificate_path'],
         connection=dict(m365_client_id=CERTIFICATE_CLIENT_ID, m365_client_secret=None, m365_client_certificate_path='/nonexistent/app.pfx',
                         m365_client_certificate_password=CERTIFICATE_PASSWORD)),
    case('access token that Graph does not know', dict(users=ADELE, licenses=['phone_system']),
         ['HTTP 401 InvalidAuthenticationToken', 'Graph rejected the supplied access_token'], ['obtain a new token'],
         connection=dict(m365_access_token=MADE_UP_ACCESS_TOKEN, m365_client_secret=None)),
    case('expired access token', dict(users=ADELE, licenses=['phone_system']),
         ['Graph rejected the supplied access_token (expired'], ['obtain a new token'],
         connection=dict(m365_access_token=lambda context: context.expired_token(), m365_client_secret=None)),
    # ---- connection
    case('untrusted certificate (no ca_path)', dict(users=ADELE, licenses=['phone_system']),
         ['certificate verify failed'], ['set ca_path to the CA bundle that signed the server certificate'],
         connection=dict(m365_ca_path=None)),
    case('validate_certs false works, with a warning', dict(users=ADELE, licenses=['phone_system']),
         ['TLS certificate verification is disabled (validate_certs: false)'], ['set ca_path instead'],
         connection=dict(m365_ca_path=None, m365_validate_certs=False), writes=1, changed={upn('AdeleV'): E3_PLUS_PHONE}, succeeds=True),
    case('unreachable host', dict(users=ADELE, licenses=['phone_system']),
         [lambda context: 'cannot reach %s' % context.dead_url], ['check authority_url, graph_url and cloud'],
         connection=dict(m365_graph_url=lambda context: context.dead_url, m365_authority_url=lambda context: context.dead_url,
                         m365_max_retries=1)),
    case('timeout (answers slower than the timeout)', dict(users=ADELE, licenses=['phone_system']),
         ['subscribedSkus', 'Read timed out', 'gave up after 2 attempts'], ['raise timeout'],
         connection=dict(m365_timeout=1, m365_max_retries=1), knobs=dict(fault_rate=1.0, fault_kinds=['slow'], slow_seconds=3)),
    case('Graph URL of one cloud with the authority of another',
         dict(users=ADELE, licenses=['phone_system']),
         ['authority https://login.microsoftonline.com belongs to the global cloud', 'Graph https://graph.microsoft.us belongs to the US Government'],
         ['Set cloud, or set authority_url and graph_url to the same cloud'],
         connection=dict(m365_graph_url='https://graph.microsoft.us', m365_authority_url='https://login.microsoftonline.com')),
]


class Context(object):
    """What rows need at run time: the emulator, the certificate files, a dead URL, an expired token."""

    def __init__(self, emulator, certificates):
        self.emulator = emulator
        self.certificates = certificates
        self.dead_url = 'https://127.0.0.1:%d' % unused_local_port()

    def expired_token(self):
        self.emulator.configure(token_lifetime=1)
        token = fetch_token(self.emulator)
        self.emulator.configure(token_lifetime=3599)
        time.sleep(1.2)
        return token

    def resolve(self, value):
        return value(self) if callable(value) else value


@pytest.fixture(scope='module')
def certificates(tmp_path_factory):
    return certificate_files(tmp_path_factory.mktemp('certificates'), CERTIFICATE_PASSWORD)


@pytest.fixture(scope='module')
def emulators(tmp_path_factory, certificates):
    """tenant name -> a RecordingEmulator, started on first use, with the certificate apps registered."""
    started = {}
    directory = tmp_path_factory.mktemp('emulators')

    def get(tenant):
        if tenant not in started:
            emulator = RecordingEmulator(args=emulator_args(tenant), token_file=str(directory / ('%s-tokens.txt' % tenant)))
            started[tenant] = emulator.start()
            emulator.register_app({'client_id': CERTIFICATE_CLIENT_ID, 'display_name': 'Certificate automation',
                                   'certificates': [certificates['certificate_pem']],
                                   'roles': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All']})
            other = certificate_files(directory, CERTIFICATE_PASSWORD + '-other')
            emulator.register_app({'client_id': OTHER_CERTIFICATE_CLIENT_ID, 'display_name': 'Another certificate',
                                   'certificates': [other['certificate_pem']], 'roles': ['LicenseAssignment.ReadWrite.All']})
        return started[tenant]

    yield get
    for emulator in started.values():
        emulator.stop()


@pytest.fixture
def runner(collection_tree, tmp_path):
    return PlaybookRunner(collection_tree, tmp_path)


def tenant_view(emulator):
    state = emulator.state()
    licences, locations = licences_by_user(state), usage_locations(state)
    return dict((user, (licences[user], locations[user])) for user in licences)


def test_the_catalogue_has_at_least_30_cases():
    assert len(CASES) >= 30
    assert len(set(row.name for row in CASES)) == len(CASES)


@pytest.mark.parametrize('row', CASES, ids=[row.name for row in CASES])
def test_bad_input(row, emulators, certificates, runner):
    emulator = emulators(row.tenant)
    emulator.reset(config=True)
    context = Context(emulator, certificates)
    extra = connection_vars(emulator)
    for name, value in row.connection.items():
        extra[name] = context.resolve(value)
        if extra[name] is None:
            del extra[name]
    extra.update((name, context.resolve(value)) for name, value in row.options.items())
    if row.knobs:
        emulator.configure(**row.knobs)
    before = tenant_view(emulator)

    run = runner.run(PLAYBOOK, extra_vars=extra, verbosity=4)

    result = task_result(run)
    if row.succeeds:
        assert run.rc == 0, run
        text = ' '.join(result.get('warnings') or [])
    else:
        assert run.rc != 0, run
        text = result['msg']
    for fragment in [context.resolve(fragment) for fragment in row.names + row.advice]:
        assert fragment in text, 'the message lacks %r:\n%s' % (fragment, text)

    stats = emulator.stats()
    assert (stats['writes'], stats['writes_applied']) == (row.writes, row.applied), 'writes, applied: %s' % json.dumps(stats)
    after = tenant_view(emulator)
    changed = dict((user, after[user][0]) for user in after if after[user] != before[user])
    assert changed == dict((user.lower(), licences) for user, licences in row.changed.items())

    secrets = dict(SECRETS)
    secrets.update(('issued token %d' % number, token) for number, token in enumerate(sorted(emulator.issued_tokens())))
    texts = run_texts(run)
    texts['emulator log'] = json.dumps(emulator.log())
    assert not find_leaks(texts, secrets)


def test_the_check_mode_guard_catches_a_write(emulators, run_playbook):
    """The integration fixture's check-mode guard fails a check-mode run that wrote; its other runs rely on it."""
    emulator = emulators('contoso')
    emulator.reset(config=True)
    extra = connection_vars(emulator)
    extra.update(users=ADELE, licenses=['phone_system'])
    playbook = os.path.join(RELIABILITY_DIR, 'playbooks', 'writes_despite_check_mode.yml')
    with pytest.raises(AssertionError, match='check mode wrote to the emulator: writes went from 0 to 1'):
        run_playbook(playbook, extra, check=True)
    assert emulator.stats()['writes'] == 1
    emulator.reset()
    run = run_playbook(PLAYBOOK, extra, check=True)  # the same task, honouring check mode: no write, no complaint
    assert run.rc == 0, run
    assert emulator.stats()['writes'] == 0
