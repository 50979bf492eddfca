# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the number planner needs, read once: users, their licences and numbers, Teams' view.

The users come from the shared user reads (directory/_user_reads.py); what a user's licences
carry (Teams Phone, a Calling Plan, the resource-account plan) from the licence catalogue's
plan-name sets and the tenant's subscribedSkus.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.m365.licensing.plugins.module_utils.directory._user_reads import read_users
from ansible_collections.m365.licensing.plugins.module_utils.licensing import _sku_catalog as catalog
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_plan import Licensing, UserFacts, account_capability, pool_key
from ansible_collections.m365.licensing.plugins.module_utils.phone._number_reads import (
    PermissionMissing, read_free_numbers, read_numbers, read_user_configurations, read_user_numbers)
from ansible_collections.m365.licensing.plugins.module_utils.phone._teams_readiness import not_ready, wait_for_teams

TEAMS_LICENSING = Licensing(phone_system=catalog.PHONE_SYSTEM_PLANS, calling_plan=catalog.CALLING_PLAN_PLANS)


def plan_names_by_sku(subscribed_skus):
    """{skuId: {servicePlanId: servicePlanName}} from GET /subscribedSkus."""
    return dict((sku.get('skuId'), dict((plan.get('servicePlanId'), plan.get('servicePlanName'))
                                        for plan in sku.get('servicePlans') or [] if isinstance(plan, dict)))
                for sku in subscribed_skus if isinstance(sku, dict))


def enabled_plan_names(user, plans_by_sku):
    """Names of the service plans the user's licences carry, minus the disabled ones."""
    names = set()
    for licence in (user or {}).get('assignedLicenses') or []:
        disabled = set(licence.get('disabledPlans') or ())
        for plan_id, name in plans_by_sku.get(licence.get('skuId'), {}).items():
            if plan_id not in disabled:
                names.add(name)
    return names


class FactsReader:
    """Reads users, numbers and userConfigurations; remembers whether Teams' view is readable."""

    def __init__(self, client, plans_by_sku, warn):
        self.client = client
        self.plans_by_sku = plans_by_sku
        self.warn = warn
        self.configurations_readable = True
        self.users = {}
        self.user_errors = {}

    def read_directory(self, references):
        reads = read_users(self.client, references)
        for reference in references:
            self.users[reference.lower()] = reads.current(reference)
            if reads.error(reference) is not None:
                self.user_errors[reference.lower()] = reads.error(reference)
        return self.users

    def configurations(self, user_ids, required=False):
        """{id: teamsUserConfiguration}; {} with one warning when the permission is missing."""
        if not self.configurations_readable:
            return {}
        try:
            return read_user_configurations(self.client, user_ids)
        except PermissionMissing as error:
            if required:
                raise
            self.configurations_readable = False
            self.warn('%s; Teams readiness (featureTypes) and voice state are not checked or reported' % error.message)
            return {}

    def facts(self, configurations, numbers_by_user):
        """{reference lower case: UserFacts or None}."""
        result = {}
        for key, user in self.users.items():
            if user is None:
                result[key] = None
                continue
            plans = enabled_plan_names(user, self.plans_by_sku)
            configuration = configurations.get(user.get('id'))
            features = None
            if self.configurations_readable:
                features = list((configuration or {}).get('featureTypes') or [])
            result[key] = UserFacts(user, plans, bool(plans & catalog.RESOURCE_ACCOUNT_PLANS), features,
                                    numbers_by_user.get(user.get('id'), []))
        return result

    def user_numbers(self, user_ids):
        return read_user_numbers(self.client, user_ids)


def read_configurations(reader, requests, wait_seconds, extra):
    """Teams' view of the users; with wait_seconds, polled until they are ready or time runs out (extra['teams_wait'])."""
    ids = dict((request.user, (reader.users.get(request.user.lower()) or {}).get('id')) for request in requests)
    if wait_seconds <= 0:
        return reader.configurations([user_id for user_id in ids.values() if user_id])
    needs = {}
    for request in requests:
        user = reader.users.get(request.user.lower())
        # Wait only for users whose licences carry what the number needs: the others are refused anyway.
        if request.state == 'present' and user and enabled_plan_names(user, reader.plans_by_sku) & TEAMS_LICENSING.needed_plans(request.number_type):
            needs.setdefault(user['id'], set()).add(request.number_type)
    if not needs:
        extra['teams_wait'] = dict(seconds=0, polls=0, not_ready=[])
        return reader.configurations([user_id for user_id in ids.values() if user_id], required=True)
    configurations, seconds, polls = wait_for_teams(lambda user_ids: reader.configurations(user_ids, required=True),
                                                    needs, wait_seconds)
    extra['teams_wait'] = dict(seconds=seconds, polls=polls, not_ready=not_ready(configurations, needs))
    others = [user_id for user_id in ids.values() if user_id and user_id not in configurations]
    if others:
        configurations.update(reader.configurations(others, required=True))
    return configurations


def read_facts(client, requests, wait_seconds, warn, extra):
    """(reader, facts, inventory, pools, configurations) for plan_numbers; GraphError when a read fails."""
    reader = FactsReader(client, plan_names_by_sku(client.get_paged('/subscribedSkus')), warn)
    reader.read_directory([request.user for request in requests])
    configurations = read_configurations(reader, requests, wait_seconds, extra)
    numbers = reader.user_numbers([user['id'] for user in reader.users.values() if user])
    facts = reader.facts(configurations, numbers)
    inventory = read_numbers(client, [request.number for request in requests if request.number not in ('auto', 'all')])
    pools = {}
    for request in requests:
        user = facts.get(request.user.lower())
        if request.number == 'auto' and user is not None and user.user.get('usageLocation'):
            key = pool_key(request.number_type, user.user['usageLocation'], account_capability(user))
            if key not in pools:
                pools[key] = read_free_numbers(client, *key)
    return reader, facts, inventory, pools, configurations
