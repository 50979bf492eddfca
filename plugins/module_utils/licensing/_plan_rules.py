# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service-plan rules that Graph enforces on a user's licence set, as data with their evidence.

Graph refuses an ``assignLicense`` whose result breaks one of these rules, with
``License assignment failed because service plan <id> depends on the service plan(s) <id>``
or ``... service plans <id>, <id> are mutually exclusive`` (graph-facts 1.4; group-based
licensing records the same refusals as ``DependencyViolation`` / ``MutuallyExclusiveViolation``).
Predicting them lets check mode promise only what the real run can do, and lets a real run
refuse a user before writing anything to that user.

Pure and standard-library only, so that every module can reuse it (teams_license's planner,
teams_group_license, teams_phone_number):

``enabled_plans(held, sku_plans)`` -> ``{servicePlanId: servicePlanName}``
    ``held``: ``{skuId: disabled plan ids}`` of every licence in force (direct and healthy
    group copies, one entry per SKU); ``sku_plans``: ``{skuId: {servicePlanId: name}}``.
``rule_violations(plans)`` -> list of Violation
    Every rule the plan set breaks.
``new_violations(plans_before, plans_after)`` -> list of Violation
    What Graph would refuse for a change from one plan set to the other: a rule the change
    creates or leaves unmet for a newly enabled plan. A rule already broken before, and not
    widened, is left alone, as Graph does (a legacy state never blocks an unrelated change).
``describe(violation, carriers=None)`` -> str
    The violation in words, naming the plans and, when given, the SKUs that carry a missing plan.

The emulator (tests/graph_emulator/tenants/*.yml ``rules``) keeps its own copy of these rows
and must never import this file; tests/unit/.../test_plan_rules.py fails when the two differ.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple

# One row per rule. ``evidence`` says why the rule exists; ``strength`` is 'documented' (Microsoft
# says so), 'reported' (errors seen from real tenants, not in Microsoft's docs) or 'inferred'
# (follows from a documented rule, no error text seen): a weak row is said to be weak.
PlanDependency = namedtuple('PlanDependency', ('plan', 'requires_any', 'evidence', 'strength'))
PlanExclusion = namedtuple('PlanExclusion', ('plans', 'evidence', 'strength'))
Violation = namedtuple('Violation', ('kind', 'plan_id', 'plan', 'others', 'rule'))

# Teams Phone (Phone System) plans, including the resource-account and government variants.
PHONE_SYSTEM_PLANS = ('MCOEV', 'MCOEV_GOV', 'MCOEVSMB', 'MCOEV_VIRTUALUSER', 'MCOEV_VIRTUALUSER_GOV')
# The Teams / Skype plans of a suite or of a standalone Teams SKU (Teams Enterprise, Teams EEA).
TEAMS_CORE_PLANS = ('MCOSTANDARD', 'MCOSTANDARD_GOV', 'TEAMS1', 'TEAMS_GOV', 'MCOIMP')

_CALLING_PLAN_EVIDENCE = (
    'Microsoft, "Assign Teams add-on licenses" (OfficeDocs-SkypeForBusiness Teams/teams-add-on-licensing/'
    'assign-teams-add-on-licenses.md, graph-facts [T-ADDON]): a Calling Plan is assigned on top of Teams Phone '
    '(Phone System). Graph\'s refusal text for it is not recorded (graph-facts 1.4 records only the MCOEV case): '
    'the plan-level dependency is inferred from the documented licensing rule.')
_MCOEV_EVIDENCE = (
    'Reported: "service plan MCOEV depends on the service plan(s) MCOSTANDARD, TEAMS1" when Teams Phone is '
    'assigned alone (issue 10; graph-facts 1.4 [FS-DEP], community scripts citing MCOEV 4828c8ec...). '
    'Documented: Teams Phone is an add-on to a licence that includes Teams (Microsoft, "Teams add-on licensing"; '
    'since 2024 the suites "(no Teams)" need Teams Enterprise or Teams EEA, graph-facts 8.3 [T-EEA]). '
    'Which of the listed plans satisfies Graph is taken from the error text (MCOSTANDARD, TEAMS1); the '
    'government and Teams EEA variants (MCOSTANDARD_GOV, TEAMS_GOV, MCOIMP) are inferred, not seen in an error.')

DEPENDENCIES = (
    PlanDependency('MCOEV', TEAMS_CORE_PLANS, _MCOEV_EVIDENCE, 'reported'),
    PlanDependency('MCOPSTN1', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('MCOPSTN2', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('MCOPSTN5', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('MCOPSTN6', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('MCOPSTN8', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('PSTN5_US', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('MCOPSTNEAU', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('MCOPSTN_PAYG_1', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE, 'inferred'),
    PlanDependency('Skype for Business PSTN Calling Domestic Small', PHONE_SYSTEM_PLANS, _CALLING_PLAN_EVIDENCE,
                   'inferred'),
)

EXCLUSIONS = (
    PlanExclusion(
        ('MCOPSTN1', 'MCOPSTN2', 'MCOPSTN5', 'MCOPSTN6', 'PSTN5_US', 'Skype for Business PSTN Calling Domestic Small'),
        'A user has one Calling Plan: Domestic and Domestic-and-International replace each other (Microsoft, '
        '"Teams add-on licensing", graph-facts 9). Graph\'s "are mutually exclusive" refusal is documented for '
        'plan pairs in general (graph-facts 1.4 [E-RES], [FS-MUTEX]) but no Calling Plan pair is recorded: weak, '
        'inferred from the licensing rule.', 'inferred'),
    PlanExclusion(
        ('EXCHANGE_S_STANDARD', 'EXCHANGE_S_ENTERPRISE'),
        'Documented: Microsoft Entra, "Resolve group license assignment problems" ([E-RES]): Office 365 E1 held '
        'directly and E3 from a group fail with "Conflicting service plans"; a vendor knowledge base names the pair '
        '(Cayosoft KB20191011-1: "Conflicting Service Plans: EXCHANGE_S_STANDARD, EXCHANGE_S_ENTERPRISE").',
        'documented'),
    PlanExclusion(
        ('SHAREPOINTSTANDARD', 'SHAREPOINTENTERPRISE'),
        'Documented: the same E1/E3 example of [E-RES]; SharePoint Online Plan 1 and Plan 2 are named as a '
        'conflicting pair in the same vendor knowledge base (Cayosoft KB20191011-1). The exact plan pair Graph '
        'cites for E1 + E3 is not recorded: partly inferred.', 'reported'),
)


def enabled_plans(held, sku_plans):
    """{servicePlanId: name} of every plan enabled by the licences in ``held`` ({skuId: disabled ids})."""
    plans = {}
    for sku_id, disabled in held.items():
        disabled = frozenset(disabled or ())
        for plan_id, name in (sku_plans.get(sku_id) or {}).items():
            if plan_id not in disabled:
                plans.setdefault(plan_id, name or plan_id)
    return plans


def _upper(name):
    return (name or '').upper()


def _requires_by_plan(dependencies):
    return dict((_upper(row.plan), row) for row in dependencies)


def rule_violations(plans, dependencies=DEPENDENCIES, exclusions=EXCLUSIONS):
    """Every rule broken by the plan set ``plans`` ({servicePlanId: name})."""
    return _exclusion_violations(plans, exclusions) + _dependency_violations(plans, dependencies)


def _exclusion_violations(plans, exclusions, new_ids=None):
    found = []
    for row in exclusions:
        members = dict((_upper(row_name), row_name) for row_name in row.plans)
        held = sorted((plan_id for plan_id, name in plans.items() if _upper(name) in members), key=lambda pid: _upper(plans[pid]))
        names = sorted(set(_upper(plans[plan_id]) for plan_id in held))
        if len(names) < 2:
            continue
        new = [plan_id for plan_id in held if new_ids is None or plan_id in new_ids]
        if not new:
            continue
        first = new[0]
        others = sorted(set(plans[plan_id] for plan_id in held if _upper(plans[plan_id]) != _upper(plans[first])))
        found.append(Violation('exclusion', first, plans[first], tuple(others), row))
    return found


def _dependency_violations(plans, dependencies):
    names = set(_upper(name) for name in plans.values())
    rows = _requires_by_plan(dependencies)
    found = []
    for plan_id in sorted(plans, key=lambda pid: (_upper(plans[pid]), pid)):
        row = rows.get(_upper(plans[plan_id]))
        if row is not None and not names.intersection(_upper(name) for name in row.requires_any):
            found.append(Violation('dependency', plan_id, plans[plan_id], tuple(row.requires_any), row))
    return found


def new_violations(plans_before, plans_after, dependencies=DEPENDENCIES, exclusions=EXCLUSIONS):
    """What Graph refuses when a user's enabled plans go from ``plans_before`` to ``plans_after``.

    An exclusion counts when a plan of the conflicting set is newly enabled; a dependency when a
    plan lacks its prerequisite after the change but did not before (newly enabled, or its
    prerequisite removed). Plans are compared by servicePlanId, as Graph does.
    """
    new_ids = set(plans_after) - set(plans_before)
    exclusions_found = _exclusion_violations(plans_after, exclusions, new_ids)
    unmet_before = set(violation.plan_id for violation in _dependency_violations(plans_before, dependencies))
    dependencies_found = [violation for violation in _dependency_violations(plans_after, dependencies)
                          if violation.plan_id not in unmet_before]
    return exclusions_found + dependencies_found


def carriers_of(plan_names, sku_plans, part_numbers):
    """Sorted part numbers of the SKUs that carry any plan named in ``plan_names``."""
    wanted = set(_upper(name) for name in plan_names)
    return sorted(set(part_numbers.get(sku_id, sku_id) for sku_id, plans in sku_plans.items()
                      if any(_upper(name) in wanted for name in plans.values())))


def describe(violation, carriers=None):
    """The violation in words; ``carriers``: part numbers of SKUs that carry a missing plan."""
    if violation.kind == 'exclusion':
        return ('service plan %s cannot be held together with %s (Graph refuses them as mutually exclusive): '
                'keep only one licence that carries them' % (violation.plan, ', '.join(violation.others)))
    text = 'service plan %s needs one of %s, which no licence of the user would enable' % (
        violation.plan, ', '.join(violation.others))
    if carriers:
        text += ': add, in the same task, a licence that carries one (the tenant has %s)' % ', '.join(carriers)
    else:
        text += ': add, in the same task, a licence that carries one (the tenant has none)'
    return text
