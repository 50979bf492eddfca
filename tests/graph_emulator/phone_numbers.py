# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Teams telephone numbers and Teams user configurations (graph-facts §12).

The tenant's number inventory, emergency locations, the asynchronous assign / unassign
operations, updateNumber, and Teams' own view of each user (`userConfigurations`).

- Writes answer 202 with a `Location` of the operation (§12.1); the operation is
  `notStarted`, then `running`, then `succeeded` or `failed` with a per-number `statusDetail`
  (§12.2). It completes `operation_s` seconds after it was accepted; the documented rules
  (§12.3) are checked when it completes, in acceptance order, so two operations racing for
  one number end with one success.
- Licence checks use Teams' view: a licence counts once Teams has processed it,
  `tenant.teams_processing_delay_s` after the plan was enabled (§12.3: "expect refusals right
  after assignLicense"). `userConfigurations.featureTypes` shows the same view (INFERRED, §12.2).
- Removing a prerequisite licence releases the number; a Direct Routing number is deleted
  from the inventory (§12.3). Tenant calls `licences_changed(user)` after every licence change.
- statusDetail texts: the PowerShell messages of §12.2 (COMMUNITY) where recorded; the other
  wordings are ours (UNVERIFIED).

Route handlers are module functions `(api, call, ids)`, registered one line each in graph_api.py.
"""

import datetime
import re
import threading
import uuid
from urllib.parse import quote

from .countries import is_country_code
from .licensing import GraphApiError, bad_request, not_found

# Roles (graph-facts §12.1): none of these is covered by LicenseAssignment.ReadWrite.All.
ROLES_READ_NUMBERS = frozenset(('TeamsTelephoneNumber.Read.All', 'TeamsTelephoneNumber.ReadWrite.All'))
ROLES_WRITE_NUMBERS = frozenset(('TeamsTelephoneNumber.ReadWrite.All',))
ROLES_READ_USER_CONFIGURATIONS = frozenset(('TeamsUserConfiguration.Read.All',))

NUMBER_TYPES = ('callingPlan', 'directRouting', 'operatorConnect')
CATEGORIES = ('primary', 'private', 'alternate')
CAPABILITIES = ('userAssignment', 'conferenceAssignment', 'voiceApplicationAssignment', 'teamsPhoneMobile')
FIXTURE_TYPES = {'calling_plan': 'callingPlan', 'direct_routing': 'directRouting', 'operator_connect': 'operatorConnect'}
DEFAULT_PAGE_SIZE = 500     # §12.2: $top default 500, maximum 1,000
MAX_PAGE_SIZE = 1000
LIST_OPTIONS = ('$filter', '$top', '$skip', '$select')
# US and Canada Calling Plan numbers need an emergency location when assigned (§12.3).
EMERGENCY_LOCATION_COUNTRIES = ('US', 'CA')
NUMBER_PROPERTIES = ('id', 'telephoneNumber', 'numberType', 'activationState', 'assignmentStatus', 'assignmentTargetId',
                     'assignmentCategory', 'capabilities', 'isoCountryCode', 'city', 'locationId', 'civicAddressId',
                     'networkSiteId', 'numberSource', 'portInStatus', 'operatorId', 'reverseNumberLookupOptions')

# Service plans Teams needs for each number type (graph-facts §8, §12.3): Teams Phone (Phone
# System, also the resource-account plan) and the Calling Plans (names as in §8.2-8.4).
PHONE_SYSTEM_PLANS = frozenset(('MCOEV', 'MCOEV_GOV', 'MCOEVSMB', 'MCOEV_VIRTUALUSER', 'MCOEV_VIRTUALUSER_GOV'))
RESOURCE_ACCOUNT_PLANS = frozenset(('MCOEV_VIRTUALUSER', 'MCOEV_VIRTUALUSER_GOV'))
CALLING_PLAN_PLANS = frozenset(('MCOPSTN1', 'MCOPSTN1_GOV', 'MCOPSTNEAU', 'MCOPSTN2', 'MCOPSTN5', 'PSTN5_US', 'MCOPSTN6',
                                'MCOPSTN8', 'MCOPSTN_PAYG_1', 'Skype for Business PSTN Calling Domestic Small'))
TEAMS_PLANS = frozenset(('TEAMS1', 'TEAMS_GOV', 'TEAMS_AR_DOD', 'TEAMS_AR_GCCHIGH'))
AUDIO_CONFERENCING_PLANS = frozenset(('MCOMEETADV', 'MCOMEETADV_GOV'))
# featureTypes values (§12.2 names `Teams` and `CallingPlan`; the full list is UNVERIFIED).
FEATURES = (('Teams', TEAMS_PLANS), ('PhoneSystem', PHONE_SYSTEM_PLANS - RESOURCE_ACCOUNT_PLANS),
            ('PhoneSystemVirtualUser', RESOURCE_ACCOUNT_PLANS), ('CallingPlan', CALLING_PLAN_PLANS),
            ('AudioConferencing', AUDIO_CONFERENCING_PLANS))
NEEDED_FEATURE = {'callingPlan': 'CallingPlan', 'directRouting': 'PhoneSystem', 'operatorConnect': 'PhoneSystem'}
NUMBER_TYPE_LABEL = {'callingPlan': 'CallingPlan', 'directRouting': 'DirectRouting', 'operatorConnect': 'OperatorConnect'}

# statusDetail texts. COMMUNITY (§12.2): ALREADY_ASSIGNED, LACKS_LICENCE, NOT_IN_TENANT. The rest UNVERIFIED.
MSG_ALREADY_ASSIGNED = "Telephone Number '%s' has already been assigned to another user"
MSG_LACKS_LICENCE = "User '%s' lacks appropriate licenses to assign a '%s' number"
MSG_NOT_IN_TENANT = "Telephone Number '%s' is not found from tenant"
MSG_TARGET_NOT_FOUND = "User '%s' is not found"
MSG_WRONG_TYPE = "Telephone Number '%s' is a '%s' number, not '%s'"
MSG_NO_CAPABILITY = "Telephone Number '%s' cannot be assigned to this account: it lacks the %s capability"
MSG_COUNTRY = "Telephone Number '%s' belongs to country '%s' but the usage location of user '%s' is '%s'"
MSG_LOCATION_REQUIRED = "An emergency location is required to assign Calling Plan number '%s' in %s"
MSG_LOCATION_NOT_FOUND = "Emergency location '%s' is not found from tenant"
MSG_LOCATION_COUNTRY = "Emergency location '%s' is in country '%s', not '%s'"
MSG_NOT_ASSIGNED = "Telephone Number '%s' is not assigned"
MSG_MISSING = "The request body must contain '%s'."
MSG_INVALID = "Invalid value '%s' for '%s'; expected one of: %s."


def utc_now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def number_id(telephone_number):
    """An opaque, stable id (§12.1: the id is opaque)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, 'tel:' + telephone_number))


# --- fixture -> state ---------------------------------------------------------------------------

def phone_state_from_fixture(entry, users, domain):
    """The `phone_numbers` block of a fixture (tenants/README.md) as state: locations and numbers.

    users: the fixture's user states (`upn`, `id`), to resolve `assigned_to`.
    """
    entry = entry or {}
    ids_by_upn = dict((user['upn'].lower(), user['id']) for user in users)
    locations = []
    for item in entry.get('locations') or []:
        if not item.get('id') or not is_country_code(item.get('country')):
            raise ValueError('phone_numbers.locations: each needs an id and an ISO country, got %r' % (item,))
        locations.append({'id': str(item['id']), 'country': item['country'], 'description': item.get('description', '')})
    known_locations = set(location['id'] for location in locations)
    numbers = []
    for item in entry.get('numbers') or []:
        numbers.append(_number_state(item, ids_by_upn, domain, known_locations))
    return {'locations': locations, 'numbers': numbers}


def _number_state(item, ids_by_upn, domain, known_locations):
    where = 'phone_numbers.numbers %r' % item.get('number')
    number = str(item.get('number') or '')
    if not re.match(r'^\+[1-9][0-9]{6,14}$', number):
        raise ValueError('%s: number must be E.164 (+ and digits)' % where)
    if item.get('type') not in FIXTURE_TYPES or not is_country_code(item.get('country')):
        raise ValueError('%s: type must be one of %s and country an ISO code' % (where, ', '.join(FIXTURE_TYPES)))
    capabilities = list(item.get('capabilities', ['userAssignment']))
    if not set(capabilities) <= set(CAPABILITIES):
        raise ValueError('%s: capabilities must be among %s' % (where, ', '.join(CAPABILITIES)))
    location = item.get('location')
    if location is not None and location not in known_locations:
        raise ValueError('%s: unknown location %r' % (where, location))
    target = None
    if item.get('assigned_to'):
        upn = item['assigned_to'] if '@' in item['assigned_to'] else '%s@%s' % (item['assigned_to'], domain)
        target = ids_by_upn.get(upn.lower())
        if target is None:
            raise ValueError('%s: assigned_to %s is not a user of the fixture' % (where, upn))
    return {'telephoneNumber': number, 'numberType': FIXTURE_TYPES[item['type']], 'isoCountryCode': item['country'],
            'city': item.get('city'), 'capabilities': capabilities, 'locationId': location,
            'assignmentTargetId': target, 'assignmentCategory': item.get('category', 'primary') if target else None,
            'numberSource': 'onPremises' if item['type'] == 'direct_routing' else 'online',
            'operatorId': item.get('operator_id')}


# --- the inventory ------------------------------------------------------------------------------

class Operation(object):
    """One accepted assignNumber / unassignNumber: decided when due (graph-facts §12.2)."""

    def __init__(self, kind, body, accepted_at, due_at):
        self.id = str(uuid.uuid4())
        self.kind = kind
        self.body = body
        self.accepted_at = accepted_at
        self.due_at = due_at
        self.created = utc_now_iso()
        self.status = None          # 'succeeded' / 'failed' once done
        self.status_detail = None


class PhoneNumbers(object):
    """The tenant's numbers, locations and operations; every method runs under the tenant lock."""

    def __init__(self, tenant, state):
        self.tenant = tenant
        self.lock = threading.RLock()
        state = state or {}
        self.locations = dict((item['id'], dict(item)) for item in state.get('locations') or [])
        self.numbers = {}
        for item in state.get('numbers') or []:
            self.numbers[item['telephoneNumber']] = dict(item)
        self.operations = {}
        self.pending = []           # operations not yet decided, in acceptance order

    def to_state(self):
        return {'locations': list(self.locations.values()), 'numbers': [dict(item) for item in self.numbers.values()]}

    # --- time --------------------------------------------------------------------------------

    def _operation_seconds(self):
        return getattr(self.tenant, 'number_operation_s', 0.3)

    def process_due(self):
        """Decide the operations whose time has come, oldest first."""
        now = self.tenant.clock()
        while self.pending and self.pending[0].due_at <= now:
            operation = self.pending.pop(0)
            try:
                if operation.kind == 'assign':
                    self._complete_assign(operation.body)
                else:
                    self._complete_unassign(operation.body)
                operation.status = 'succeeded'
            except OperationFailed as failure:
                operation.status, operation.status_detail = 'failed', str(failure)

    # --- Teams' view of a user ---------------------------------------------------------------

    def _teams_plans(self, user):
        """Plan names Teams has processed for this user (enabled longer than the processing delay)."""
        lag = getattr(self.tenant, 'teams_processing_delay_s', 0.0)
        now = self.tenant.clock()
        names = set()
        for plan_id, name in self.tenant._enabled_plans(user.held).items():  # pylint: disable=protected-access
            enabled_at = user.plan_times.get(plan_id, (None, None))[0]
            if enabled_at is None or now - enabled_at >= lag:
                names.add(name)
        return names

    def features(self, user):
        plans = self._teams_plans(user)
        return [feature for feature, needed in FEATURES if plans & needed]

    def _directory_plans(self, user):
        return set(self.tenant._enabled_plans(user.held).values())  # pylint: disable=protected-access

    def user_numbers(self, user_id):
        return [item for item in self.numbers.values() if item.get('assignmentTargetId') == user_id]

    def user_configuration(self, user):
        features = self.features(user)
        numbers = self.user_numbers(user.id)
        account_type = 'resourceAccount' if 'PhoneSystemVirtualUser' in features or self._directory_plans(user) & RESOURCE_ACCOUNT_PLANS else 'user'
        return {
            'id': user.id, 'userPrincipalName': user.upn, 'accountType': account_type,
            # §12.3: assigning a number turns Enterprise Voice on; unassigning turns it off.
            'isEnterpriseVoiceEnabled': bool(numbers),
            'telephoneNumbers': [{'telephoneNumber': item['telephoneNumber'], 'assignmentCategory': item['assignmentCategory']}
                                 for item in numbers],
            'effectivePolicyAssignments': [],
            'featureTypes': features,
        }

    # --- licence removal (§12.3) ---------------------------------------------------------------

    def licences_changed(self, user):
        """Release what the user's licences no longer carry; a Direct Routing number is deleted."""
        plans = self._directory_plans(user)
        for item in self.user_numbers(user.id):
            needed = CALLING_PLAN_PLANS if item['numberType'] == 'callingPlan' else PHONE_SYSTEM_PLANS
            if plans & needed:
                continue
            if item['numberType'] == 'directRouting':
                del self.numbers[item['telephoneNumber']]
            else:
                item['assignmentTargetId'] = None
                item['assignmentCategory'] = None

    # --- reads -------------------------------------------------------------------------------

    def number_view(self, item):
        target = item.get('assignmentTargetId')
        status = 'unassigned'
        if target:
            user = self.tenant._users.get(target)  # pylint: disable=protected-access
            resource = user is not None and self._directory_plans(user) & RESOURCE_ACCOUNT_PLANS
            status = 'voiceApplicationAssigned' if resource else 'userAssigned'
        pending = any(op.body.get('telephoneNumber') == item['telephoneNumber'] for op in self.pending)
        view = dict((name, item.get(name)) for name in NUMBER_PROPERTIES)
        view.update({'id': number_id(item['telephoneNumber']), 'assignmentStatus': status,
                     'activationState': 'assignmentPending' if pending else 'activated',
                     'capabilities': list(item.get('capabilities') or []), 'civicAddressId': None,
                     'portInStatus': 'completed', 'networkSiteId': item.get('networkSiteId'),
                     'reverseNumberLookupOptions': item.get('reverseNumberLookupOptions') or []})
        return view

    def list_numbers(self, expression):
        matches = parse_number_filter(expression)
        views = [self.number_view(item) for item in sorted(self.numbers.values(), key=lambda n: n['telephoneNumber'])]
        return [view for view in views if matches(view)]

    def get_number(self, key):
        for item in self.numbers.values():
            if number_id(item['telephoneNumber']) == key.lower():
                return self.number_view(item)
        raise not_found(key)

    def operation_view(self, operation_id, graph_url):
        operation = self.operations.get(operation_id.lower())
        if operation is None:
            raise not_found(operation_id)
        elapsed = self.tenant.clock() - operation.accepted_at
        if operation.status is not None:
            status = operation.status
        elif elapsed < self._operation_seconds() / 3.0:
            status = 'notStarted'
        else:
            status = 'running'
        number = operation.body.get('telephoneNumber')
        return {'id': operation.id, 'createdDateTime': operation.created, 'status': status,
                'numbers': [{'telephoneNumber': number, 'status': status, 'statusDetail': operation.status_detail,
                             'resourceLocation': '%s/v1.0/admin/teams/telephoneNumberManagement/numberAssignments/%s'
                             % (graph_url, number_id(number or ''))}]}

    # --- writes ------------------------------------------------------------------------------

    def accept(self, kind, body):
        """Validate the body's shape (400 now), then queue the operation (202)."""
        check_body(kind, body)
        now = self.tenant.clock()
        operation = Operation(kind, dict(body), now, now + self._operation_seconds())
        self.operations[operation.id] = operation
        self.pending.append(operation)
        return operation

    def _require_number(self, telephone_number):
        item = self.numbers.get(telephone_number)
        if item is None:
            raise OperationFailed(MSG_NOT_IN_TENANT % telephone_number)
        return item

    def _complete_assign(self, body):
        number = body['telephoneNumber']
        item = self._require_number(number)
        if item['numberType'] != body['numberType']:
            raise OperationFailed(MSG_WRONG_TYPE % (number, item['numberType'], body['numberType']))
        user = self.tenant._users.get(str(body['assignmentTargetId']).lower())  # pylint: disable=protected-access
        if user is None:
            raise OperationFailed(MSG_TARGET_NOT_FOUND % body['assignmentTargetId'])
        category = body.get('assignmentCategory') or 'primary'
        if item.get('assignmentTargetId') == user.id and item.get('assignmentCategory') == category:
            self._set_location(item, body.get('locationId'))
            return
        if item.get('assignmentTargetId') not in (None, user.id):
            raise OperationFailed(MSG_ALREADY_ASSIGNED % number)
        # A resource account takes numbers with voiceApplicationAssignment, a user those with userAssignment (§12.2).
        capability = 'voiceApplicationAssignment' if self._directory_plans(user) & RESOURCE_ACCOUNT_PLANS else 'userAssignment'
        if capability not in (item.get('capabilities') or ()):
            raise OperationFailed(MSG_NO_CAPABILITY % (number, capability))
        if user.usage_location != item['isoCountryCode']:
            raise OperationFailed(MSG_COUNTRY % (number, item['isoCountryCode'], user.upn, user.usage_location))
        if NEEDED_FEATURE[item['numberType']] not in self.features(user) and not (
                item['numberType'] != 'callingPlan' and 'PhoneSystemVirtualUser' in self.features(user)):
            raise OperationFailed(MSG_LACKS_LICENCE % (user.upn, NUMBER_TYPE_LABEL[item['numberType']]))
        location = body.get('locationId') or item.get('locationId')
        if item['numberType'] == 'callingPlan' and item['isoCountryCode'] in EMERGENCY_LOCATION_COUNTRIES and not location:
            raise OperationFailed(MSG_LOCATION_REQUIRED % (number, item['isoCountryCode']))
        self._check_location(body.get('locationId'), item)
        item['assignmentTargetId'] = user.id
        item['assignmentCategory'] = category
        self._set_location(item, body.get('locationId'))

    def _check_location(self, location_id, item):
        if not location_id:
            return
        location = self.locations.get(location_id)
        if location is None:
            raise OperationFailed(MSG_LOCATION_NOT_FOUND % location_id)
        if location['country'] != item['isoCountryCode']:
            raise OperationFailed(MSG_LOCATION_COUNTRY % (location_id, location['country'], item['isoCountryCode']))

    @staticmethod
    def _set_location(item, location_id):
        if location_id:
            item['locationId'] = location_id

    def _complete_unassign(self, body):
        number = body['telephoneNumber']
        item = self._require_number(number)
        if item['numberType'] != body['numberType']:
            raise OperationFailed(MSG_WRONG_TYPE % (number, item['numberType'], body['numberType']))
        if not item.get('assignmentTargetId'):
            raise OperationFailed(MSG_NOT_ASSIGNED % number)
        if item['numberType'] == 'directRouting':
            pass    # an unassigned Direct Routing number stays in the inventory; only a licence removal deletes it
        item['assignmentTargetId'] = None
        item['assignmentCategory'] = None

    def update(self, body):
        """updateNumber: synchronous (§12.1); locationId / networkSiteId / reverseNumberLookupOptions."""
        if not isinstance(body, dict) or not isinstance(body.get('telephoneNumber'), str):
            raise bad_request(MSG_MISSING % 'telephoneNumber')
        item = self.numbers.get(body['telephoneNumber'])
        if item is None:
            raise not_found(body['telephoneNumber'])
        if body.get('locationId') is not None:
            if body['locationId'] == '':
                item['locationId'] = None
            else:
                try:
                    self._check_location(body['locationId'], item)
                except OperationFailed as failure:
                    raise bad_request(str(failure))
                item['locationId'] = body['locationId']
        for name in ('networkSiteId', 'reverseNumberLookupOptions'):
            if body.get(name) is not None:
                item[name] = body[name] or None


class OperationFailed(Exception):
    """A rule refused an operation: its message becomes the number's statusDetail."""


def check_body(kind, body):
    """The shape of an assignNumber / unassignNumber body (§12.2); a 400 when wrong."""
    if not isinstance(body, dict):
        raise bad_request('The request body must be a JSON object.')
    allowed = ('telephoneNumber', 'numberType') + (('assignmentTargetId', 'assignmentCategory', 'locationId') if kind == 'assign' else ())
    for name in body:
        if name not in allowed:
            raise bad_request("The parameter '%s' in the request payload is not a valid parameter for the operation '%sNumber'."
                              % (name, kind))
    required = ('telephoneNumber', 'numberType') + (('assignmentTargetId',) if kind == 'assign' else ())
    for name in required:
        if not isinstance(body.get(name), str) or not body[name]:
            raise bad_request(MSG_MISSING % name)
    if body['numberType'] not in NUMBER_TYPES:
        raise bad_request(MSG_INVALID % (body['numberType'], 'numberType', ', '.join(NUMBER_TYPES)))
    if body.get('assignmentCategory') is not None and body['assignmentCategory'] not in CATEGORIES:
        raise bad_request(MSG_INVALID % (body['assignmentCategory'], 'assignmentCategory', ', '.join(CATEGORIES)))


# --- $filter (§12.2: every field but id and city is filterable) ----------------------------------

EQ_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+('([^']*)'|null)\s*$", re.IGNORECASE)
ANY_CLAUSE = re.compile(r"^\s*capabilities/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'([^']*)'\s*\)\s*$", re.IGNORECASE)


def parse_number_filter(expression):
    if expression is None or not expression.strip():
        return lambda view: True
    tests = []
    for clause in re.split(r'\s+and\s+', expression.strip(), flags=re.IGNORECASE):
        tests.append(_clause_test(clause))
    return lambda view: all(test(view) for test in tests)


def _clause_test(clause):
    capability = ANY_CLAUSE.match(clause)
    if capability:
        wanted = capability.group(2)
        return lambda view: wanted in view['capabilities']
    equality = EQ_CLAUSE.match(clause)
    if equality is None:
        raise GraphApiError(400, 'BadRequest', "Invalid filter clause '%s'." % clause.strip())
    name = next((known for known in NUMBER_PROPERTIES if known.lower() == equality.group(1).lower()), None)
    if name is None or name in ('id', 'city'):
        raise GraphApiError(400, 'BadRequest', "Property '%s' is not filterable." % equality.group(1))
    value = None if equality.group(2).lower() == 'null' else equality.group(3)
    return lambda view: view.get(name) == value


# --- route handlers (registered in graph_api.ROUTES) ---------------------------------------------

def _phone(api):
    tenant = api.tenant
    tenant._process_due_groups()  # pylint: disable=protected-access
    phone = getattr(tenant, 'phone_numbers', None)
    if phone is None:
        tenant.phone_numbers = phone = PhoneNumbers(tenant, None)
    return phone


def _page(api, call, items, path):
    top = call.query.get('$top')
    try:
        size = DEFAULT_PAGE_SIZE if top is None else int(top)
        skip = int(call.query.get('$skip', '0'))
    except ValueError:
        raise GraphApiError(400, 'BadRequest', 'Invalid $top or $skip.')
    if not 1 <= size <= MAX_PAGE_SIZE or skip < 0:
        raise GraphApiError(400, 'BadRequest', '$top must be between 1 and %d.' % MAX_PAGE_SIZE)
    body = {'@odata.context': api._context(path), 'value': items[skip:skip + size]}  # pylint: disable=protected-access
    if skip + size < len(items):
        kept = ['%s=%s' % (name, quote(value, safe="',()*:@/$")) for name, value in call.query.items() if name != '$skip']
        body['@odata.nextLink'] = '%s/v1.0/%s?%s' % (api.graph_url, path, '&'.join(kept + ['$skip=%d' % (skip + size)]))
    return api._ok(body)  # pylint: disable=protected-access


def list_number_assignments(api, call, ids):
    with api.tenant.lock:
        phone = _phone(api)
        phone.process_due()
        items = phone.list_numbers(call.query.get('$filter'))
    return _page(api, call, items, 'admin/teams/telephoneNumberManagement/numberAssignments')


def get_number_assignment(api, call, ids):
    with api.tenant.lock:
        phone = _phone(api)
        phone.process_due()
        return api._ok(phone.get_number(ids[0]))  # pylint: disable=protected-access


def _accepted(api, call, kind):
    """202 with the operation's Location (§12.1)."""
    with api.tenant.lock:
        phone = _phone(api)
        phone.process_due()
        operation = phone.accept(kind, api._body_object(call))  # pylint: disable=protected-access
    location = "%s/v1.0/admin/teams/telephoneNumberManagement/operations('%s')" % (api.graph_url, operation.id)
    result = api._ok(None, status=202, headers=[('Location', location)])  # pylint: disable=protected-access
    return result


def assign_number(api, call, ids):
    return _accepted(api, call, 'assign')


def unassign_number(api, call, ids):
    return _accepted(api, call, 'unassign')


def update_number(api, call, ids):
    with api.tenant.lock:
        phone = _phone(api)
        phone.process_due()
        phone.update(api._body_object(call))  # pylint: disable=protected-access
    return api._ok(None)  # pylint: disable=protected-access


def get_operation(api, call, ids):
    with api.tenant.lock:
        phone = _phone(api)
        phone.process_due()
        return api._ok(phone.operation_view(ids[0], api.graph_url))  # pylint: disable=protected-access


def list_user_configurations(api, call, ids):
    with api.tenant.lock:
        phone = _phone(api)
        phone.process_due()
        users = list(api.tenant._users.values())  # pylint: disable=protected-access
        items = [phone.user_configuration(user) for user in users]
    return _page(api, call, items, 'admin/teams/userConfigurations')


def get_user_configuration(api, call, ids):
    with api.tenant.lock:
        phone = _phone(api)
        phone.process_due()
        user = api.tenant._users.get(ids[0].lower())  # pylint: disable=protected-access
        if user is None:
            raise not_found(ids[0])
        return api._ok(phone.user_configuration(user))  # pylint: disable=protected-access
