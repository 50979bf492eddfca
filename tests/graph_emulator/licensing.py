# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Licensing semantics without tenant state: Graph errors, assignLicense bodies, plan rules, assignments.

Messages are the wordings recorded in graph-facts §1.4 and its Addenda. Where graph-facts has
no wording, the text follows the OData library's messages that Graph returns for the same
class of mistake, and the comment says UNVERIFIED.
"""

import re

GUID_PATTERN = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')

BAD_REQUEST = 'Request_BadRequest'
NOT_FOUND = 'Request_ResourceNotFound'

# graph-facts §1.4 table (wording as observed).
MSG_NOT_FOUND = "Resource '%s' does not exist or one of its queried reference-property objects are not present."
MSG_MISSING_PARAMETERS = ("One or more parameters of the operation '%s' are missing from the request payload. "
                          "The missing parameters are: %s.")
MSG_NOT_A_GUID = "Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details"
MSG_UNKNOWN_SKU = 'License %s does not correspond to a valid company License.'
MSG_COMPANY_SKU = 'License %s cannot be assigned to a user.'
MSG_USAGE_LOCATION = 'License assignment cannot be done for user with invalid usage location.'
MSG_NO_SEATS = 'Subscription with SKU %s does not have any available licenses.'
MSG_NOT_HELD = 'User does not have a corresponding license.'
MSG_INHERITED = 'User license is inherited from a group membership and it cannot be removed directly from the user.'
MSG_MUTUALLY_EXCLUSIVE = 'License assignment failed because service plans %s, %s are mutually exclusive.'
MSG_DEPENDENCY = 'License assignment failed because service plan %s depends on the service plan(s) %s'

# UNVERIFIED wordings (no recorded Graph text; OData library messages for the same mistake).
MSG_NULL_PARAMETER = ("A null value was found for the property named '%s', which has the expected type '%s'. "
                      "The expected type '%s' does not allow null values.")
MSG_UNKNOWN_PARAMETER = "The parameter '%s' in the request payload is not a valid parameter for the operation '%s'."
MSG_NOT_AN_ARRAY = "An unexpected '%s' node was found when reading from the JSON reader. A 'StartArray' node was expected."
MSG_NOT_AN_OBJECT = "An unexpected '%s' node was found when reading from the JSON reader. A 'StartObject' node was expected."
MSG_UNKNOWN_PROPERTY = ("The property '%s' does not exist on type 'microsoft.graph.assignedLicense'. "
                        "Make sure to only use property names that are defined by the type.")
MSG_MISSING_SKU_ID = "Invalid value specified for property 'skuId' of resource 'AssignedLicense'."
# UNVERIFIED: no recorded text for a skuId listed twice or for a disabled plan outside the SKU;
# both are refused so that a client bug shows up here rather than as a silent no-op.
MSG_DUPLICATE_SKU = 'License %s appears more than once in the request.'
MSG_PLAN_NOT_IN_SKU = 'License assignment failed because service plan %s is not part of license %s.'

ADD_TYPE = 'Collection(microsoft.graph.assignedLicense)'
REMOVE_TYPE = 'Collection(Edm.Guid)'

# licenseAssignmentState values (graph-facts §3.2). "Other", not "Others" (COMM-GD15734).
STATES = ('Active', 'ActiveWithError', 'Disabled', 'Error')
HELD_STATES = frozenset(('Active', 'ActiveWithError'))
ERRORS = ('CountViolation', 'MutuallyExclusiveViolation', 'DependencyViolation',
          'ProhibitedInUsageLocationViolation', 'UniquenessViolation', 'Other')


class GraphApiError(Exception):
    """A Graph error: HTTP status, error.code and error.message of the Graph error envelope."""

    def __init__(self, status, code, message):
        super(GraphApiError, self).__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __str__(self):
        return '%s %s: %s' % (self.status, self.code, self.message)


def bad_request(message):
    return GraphApiError(400, BAD_REQUEST, message)


def not_found(key):
    return GraphApiError(404, NOT_FOUND, MSG_NOT_FOUND % key)


def is_guid(value):
    return isinstance(value, str) and GUID_PATTERN.match(value) is not None


def json_node_kind(value):
    """The OData reader's name for the JSON node a wrongly typed value starts with."""
    if isinstance(value, list):
        return 'StartArray'
    if isinstance(value, dict):
        return 'StartObject'
    return 'PrimitiveValue'


class LicenceAdd(object):
    __slots__ = ('sku_id', 'disabled_plans')

    def __init__(self, sku_id, disabled_plans):
        self.sku_id = sku_id
        self.disabled_plans = disabled_plans


class AssignRequest(object):
    """A checked assignLicense body: GUIDs lower-cased, disabled plans de-duplicated in order."""

    def __init__(self, adds, removes):
        self.adds = adds
        self.removes = removes

    def sku_ids(self):
        return [add.sku_id for add in self.adds] + list(self.removes)


def parse_assign_body(body, operation='assignLicense'):
    """Check an assignLicense body in Graph's order (members, then GUID formats) and return it.

    Both members are required even when empty (graph-facts §1.1, §1.4 "Body member missing").
    """
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request(MSG_NOT_AN_OBJECT % json_node_kind(body))
    _check_members_present(body, operation)
    adds = _read_add_entries(body['addLicenses'])
    removes = body['removeLicenses']
    if not isinstance(removes, list):
        raise bad_request(MSG_NOT_AN_ARRAY % json_node_kind(removes))
    _check_guid_formats(adds, removes)
    request = AssignRequest(
        [LicenceAdd(entry['skuId'].lower(), _unique_lower(entry['disabledPlans'])) for entry in adds],
        [sku_id.lower() for sku_id in removes])
    _check_no_duplicates(request)
    return request


def _check_members_present(body, operation):
    missing = [name for name in ('addLicenses', 'removeLicenses') if name not in body]
    if missing:
        raise bad_request(MSG_MISSING_PARAMETERS % (operation, ', '.join(missing)))
    for name, type_name in (('addLicenses', ADD_TYPE), ('removeLicenses', REMOVE_TYPE)):
        if body[name] is None:
            raise bad_request(MSG_NULL_PARAMETER % (name, type_name, type_name))
    for name in body:
        if name not in ('addLicenses', 'removeLicenses'):
            raise bad_request(MSG_UNKNOWN_PARAMETER % (name, operation))


def _read_add_entries(adds):
    if not isinstance(adds, list):
        raise bad_request(MSG_NOT_AN_ARRAY % json_node_kind(adds))
    entries = []
    for entry in adds:
        if not isinstance(entry, dict):
            raise bad_request(MSG_NOT_AN_OBJECT % json_node_kind(entry))
        for name in entry:
            if name not in ('skuId', 'disabledPlans'):
                raise bad_request(MSG_UNKNOWN_PROPERTY % name)
        if entry.get('skuId') is None:
            raise bad_request(MSG_MISSING_SKU_ID)
        # disabledPlans may be left out or null: nothing disabled.
        disabled = entry.get('disabledPlans') or []
        if not isinstance(disabled, list):
            raise bad_request(MSG_NOT_AN_ARRAY % json_node_kind(disabled))
        entries.append({'skuId': entry['skuId'], 'disabledPlans': disabled})
    return entries


def _check_guid_formats(adds, removes):
    values = []
    for entry in adds:
        values.append(entry['skuId'])
        values.extend(entry['disabledPlans'])
    values.extend(removes)
    if not all(is_guid(value) for value in values):
        raise bad_request(MSG_NOT_A_GUID)


def _check_no_duplicates(request):
    seen = set()
    for sku_id in request.sku_ids():
        if sku_id in seen:
            raise bad_request(MSG_DUPLICATE_SKU % sku_id)
        seen.add(sku_id)


def _unique_lower(values):
    result = []
    for value in values:
        value = value.lower()
        if value not in result:
            result.append(value)
    return tuple(result)


class LicensingRules(object):
    """Service-plan rules from the tenant fixture, by plan name.

    mutually_exclusive: sets of plan names of which a user may hold at most one.
    dependencies: a plan name and the plan names of which the user needs at least one.
    """

    def __init__(self, mutually_exclusive=(), dependencies=()):
        self.exclusive_sets = tuple(tuple(names) for names in mutually_exclusive)
        self.dependencies = tuple((plan, tuple(requires_any)) for plan, requires_any in dependencies)
        self._exclusive_upper = tuple(frozenset(name.upper() for name in names) for names in self.exclusive_sets)
        self._requires_by_plan = dict((plan.upper(), tuple(name.upper() for name in requires))
                                      for plan, requires in self.dependencies)

    @classmethod
    def from_data(cls, data):
        data = data or {}
        dependencies = [(rule['plan'], rule['requires_any']) for rule in data.get('dependencies') or ()]
        return cls(data.get('mutually_exclusive') or (), dependencies)

    def to_data(self):
        return {'mutually_exclusive': [list(names) for names in self.exclusive_sets],
                'dependencies': [{'plan': plan, 'requires_any': list(requires)} for plan, requires in self.dependencies]}

    def new_exclusion(self, plans_before, plans_after):
        """(new plan id, conflicting plan id) for a conflict the change introduces, else None.

        plans_*: dict servicePlanId -> servicePlanName of the user's enabled plans.
        """
        for names in self._exclusive_upper:
            members = [plan_id for plan_id, name in plans_after.items() if name.upper() in names]
            new = [plan_id for plan_id in members if plan_id not in plans_before]
            distinct = set(plans_after[plan_id].upper() for plan_id in members)
            if new and len(distinct) > 1:
                other = next(plan_id for plan_id in members if plans_after[plan_id].upper() != plans_after[new[0]].upper())
                return new[0], other
        return None

    def missing_dependencies(self, plans):
        """dict servicePlanId -> required plan names, for every enabled plan lacking its prerequisite."""
        names = set(name.upper() for name in plans.values())
        gaps = {}
        for plan_id, name in plans.items():
            requires = self._requires_by_plan.get(name.upper())
            if requires and not names.intersection(requires):
                gaps[plan_id] = self._original_names(name)
        return gaps

    def new_dependency_gap(self, plans_before, plans_after):
        """(plan id, required plan names) for a dependency the change breaks or leaves unmet, else None."""
        before = self.missing_dependencies(plans_before)
        for plan_id, requires in self.missing_dependencies(plans_after).items():
            if plan_id not in before:
                return plan_id, requires
        return None

    def _original_names(self, plan_name):
        for plan, requires in self.dependencies:
            if plan.upper() == plan_name.upper():
                return requires
        return ()


class DirectAssignment(object):
    """A licence assigned to the user directly."""

    __slots__ = ('disabled_plans', 'last_updated')

    def __init__(self, disabled_plans, last_updated):
        self.disabled_plans = tuple(disabled_plans)
        self.last_updated = last_updated


class GroupLicenceState(object):
    """What one group's licence did for one member: Active, or Error with the reason (§3.2)."""

    __slots__ = ('group_id', 'sku_id', 'disabled_plans', 'state', 'error', 'last_updated')

    def __init__(self, group_id, sku_id, disabled_plans, state, error, last_updated):
        self.group_id = group_id
        self.sku_id = sku_id
        self.disabled_plans = tuple(disabled_plans)
        self.state = state
        self.error = error
        self.last_updated = last_updated

    def is_held(self):
        return self.state in HELD_STATES

    def same_outcome(self, other):
        return (other is not None and self.state == other.state and self.error == other.error
                and self.disabled_plans == other.disabled_plans)

    def to_state(self):
        return {'group_id': self.group_id, 'sku_id': self.sku_id, 'disabled_plans': list(self.disabled_plans),
                'state': self.state, 'error': self.error, 'last_updated': self.last_updated}

    @classmethod
    def from_state(cls, data):
        return cls(data['group_id'], data['sku_id'].lower(), data.get('disabled_plans') or (), data.get('state', 'Active'),
                   data.get('error'), data.get('last_updated'))


def effective_licences(direct, group_states):
    """skuId -> disabledPlans of every licence the user holds: direct plus held group copies, one per SKU.

    The direct copy's disabledPlans win; several group copies disable only what all of them disable.
    """
    held = dict((sku_id, assignment.disabled_plans) for sku_id, assignment in direct.items())
    from_groups = {}
    for state in group_states.values():
        if not state.is_held() or state.sku_id in held:
            continue
        if state.sku_id in from_groups:
            disabled = from_groups[state.sku_id]
            from_groups[state.sku_id] = tuple(plan for plan in disabled if plan in state.disabled_plans)
        else:
            from_groups[state.sku_id] = state.disabled_plans
    held.update(from_groups)
    return held
