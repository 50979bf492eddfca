# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SKU definitions: Microsoft's product/service-plan table and the tenant's subscribed SKUs.

The table is tools/data/licensing-service-plans.csv (graph-facts §8.1): one row per SKU x
service plan, UTF-8 with a BOM, stray spaces in some cells, and MCOPSTN5 under two GUIDs, so
it is keyed on the GUID and a fixture picks between same-named SKUs with `sku_id`.
"""

import csv
import os
import threading

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CSV_PATH = os.path.join(REPO_ROOT, 'tools', 'data', 'licensing-service-plans.csv')
CSV_PATH_ENV = 'GRAPH_EMULATOR_SKU_CSV'

# capabilityStatus values of subscribedSku (graph-facts §2.1).
CAPABILITY_STATUSES = ('Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut')
# Subscriptions in these states take no new assignments (graph-facts §2.1 licenseUnitsDetail:
# suspended units "can't be assigned", lockedOut means cancelled).
BLOCKED_STATUSES = frozenset(('Suspended', 'Deleted', 'LockedOut'))


class CatalogueSku(object):
    """One product of Microsoft's table: skuId, String_Id (skuPartNumber), name, service plans."""

    __slots__ = ('sku_id', 'part_number', 'display_name', 'service_plans')

    def __init__(self, sku_id, part_number, display_name):
        self.sku_id = sku_id
        self.part_number = part_number
        self.display_name = display_name
        self.service_plans = []     # (servicePlanId, servicePlanName), table order, no duplicates


class SkuCatalogue(object):
    """Read-only index over the product table."""

    def __init__(self, rows):
        self.by_id = {}
        self.ids_by_part_number = {}
        self.plan_ids_by_name = {}
        for row in rows:
            self._add_row(row)

    def _add_row(self, row):
        display_name, part_number, sku_id, plan_name, plan_id = (cell.strip() for cell in row[:5])
        sku_id, plan_id = sku_id.lower(), plan_id.lower()
        sku = self.by_id.get(sku_id)
        if sku is None:
            sku = self.by_id[sku_id] = CatalogueSku(sku_id, part_number, display_name)
            self.ids_by_part_number.setdefault(part_number.upper(), []).append(sku_id)
        if all(known_id != plan_id for known_id, _name in sku.service_plans):
            sku.service_plans.append((plan_id, plan_name))
        known = self.plan_ids_by_name.setdefault(plan_name.upper(), [])
        if plan_id not in known:
            known.append(plan_id)

    def find(self, part_number, sku_id=None):
        """The product with this part number (and skuId, for part numbers listed under two GUIDs)."""
        if sku_id:
            sku = self.by_id.get(sku_id.lower())
            if sku is None:
                raise ValueError('skuId %s is not in the product table' % sku_id)
            if part_number and sku.part_number.upper() != part_number.upper():
                raise ValueError('skuId %s is %s in the product table, not %s' % (sku_id, sku.part_number, part_number))
            return sku
        ids = self.ids_by_part_number.get(part_number.upper(), [])
        if not ids:
            raise ValueError('part number %s is not in the product table; give sku_id, display_name and service_plans' % part_number)
        if len(ids) > 1:
            raise ValueError('part number %s has several skuIds in the product table (%s): give sku_id' % (part_number, ', '.join(ids)))
        return self.by_id[ids[0]]

    def plan_ids(self, plan_name):
        return tuple(self.plan_ids_by_name.get(plan_name.upper(), ()))


_CATALOGUE = None
_CATALOGUE_LOCK = threading.Lock()


def csv_path():
    return os.environ.get(CSV_PATH_ENV) or DEFAULT_CSV_PATH


def catalogue():
    """The product table, read once on first use (about 5,500 rows, a few tens of milliseconds)."""
    global _CATALOGUE  # pylint: disable=global-statement
    with _CATALOGUE_LOCK:
        if _CATALOGUE is None:
            with open(csv_path(), encoding='utf-8-sig', newline='') as handle:
                reader = csv.reader(handle)
                next(reader, None)
                _CATALOGUE = SkuCatalogue(row for row in reader if len(row) >= 5)
        return _CATALOGUE


class ServicePlan(object):
    __slots__ = ('plan_id', 'name', 'applies_to')

    def __init__(self, plan_id, name, applies_to='User'):
        self.plan_id = plan_id.lower()
        self.name = name
        self.applies_to = applies_to

    def to_state(self):
        return {'id': self.plan_id, 'name': self.name, 'applies_to': self.applies_to}


class SubscribedSku(object):
    """A SKU the tenant subscribes to. consumedUnits is not stored here: the tenant derives it."""

    def __init__(self, sku_id, part_number, service_plans, display_name=None, enabled=0, warning=0, suspended=0,
                 locked_out=0, capability_status=None, applies_to='User', subscription_ids=()):
        self.sku_id = sku_id.lower()
        self.part_number = part_number
        self.display_name = display_name or part_number
        self.service_plans = tuple(service_plans)
        self.enabled = int(enabled)
        self.warning = int(warning)
        self.suspended = int(suspended)
        self.locked_out = int(locked_out)
        self.explicit_status = capability_status
        self.applies_to = applies_to
        self.subscription_ids = list(subscription_ids)
        self.plans_by_id = dict((plan.plan_id, plan) for plan in self.service_plans)

    @property
    def capability_status(self):
        """The fixture's status, else the one the prepaid units imply (graph-facts §2.1)."""
        if self.explicit_status:
            return self.explicit_status
        for status, units in (('Enabled', self.enabled), ('Warning', self.warning),
                              ('Suspended', self.suspended), ('LockedOut', self.locked_out)):
            if units > 0:
                return status
        return 'Enabled'

    def is_blocked(self):
        return self.capability_status in BLOCKED_STATUSES

    def seats_available(self, consumed):
        # Derived, not documented: enabled minus consumed (graph-facts §2.1, UNVERIFIED); warning
        # units (grace period) are not counted as assignable.
        return self.enabled - consumed

    def to_graph(self, tenant_id, account_id, account_name, consumed):
        return {
            'accountName': account_name,
            'accountId': account_id,
            'appliesTo': self.applies_to,
            'capabilityStatus': self.capability_status,
            'consumedUnits': consumed,
            'id': '%s_%s' % (tenant_id, self.sku_id),
            'prepaidUnits': {'enabled': self.enabled, 'lockedOut': self.locked_out,
                             'suspended': self.suspended, 'warning': self.warning},
            'servicePlans': [{'servicePlanId': plan.plan_id, 'servicePlanName': plan.name,
                              'provisioningStatus': 'Success', 'appliesTo': plan.applies_to}
                             for plan in self.service_plans],
            'skuId': self.sku_id,
            'skuPartNumber': self.part_number,
            'subscriptionIds': list(self.subscription_ids),
        }

    def to_state(self):
        return {
            'sku_id': self.sku_id, 'part_number': self.part_number, 'display_name': self.display_name,
            'service_plans': [plan.to_state() for plan in self.service_plans],
            'enabled': self.enabled, 'warning': self.warning, 'suspended': self.suspended,
            'locked_out': self.locked_out, 'capability_status': self.explicit_status,
            'applies_to': self.applies_to, 'subscription_ids': list(self.subscription_ids),
        }

    @classmethod
    def from_state(cls, data):
        plans = [ServicePlan(plan['id'], plan['name'], plan.get('applies_to', 'User')) for plan in data['service_plans']]
        return cls(data['sku_id'], data['part_number'], plans, display_name=data.get('display_name'),
                   enabled=data.get('enabled', 0), warning=data.get('warning', 0), suspended=data.get('suspended', 0),
                   locked_out=data.get('locked_out', 0), capability_status=data.get('capability_status'),
                   applies_to=data.get('applies_to', 'User'), subscription_ids=data.get('subscription_ids', ()))


# assignedPlan.service / provisionedPlan.service by plan-name prefix. Real values include
# "exchange", "SharePoint", "MicrosoftCommunicationsOnline" and "TeamspaceAPI"; the table has no
# service column, so this is an approximation and unknown plans report their own name.
SERVICE_BY_PLAN_PREFIX = (
    ('EXCHANGE', 'exchange'),
    ('SHAREPOINT', 'SharePoint'),
    ('MCO', 'MicrosoftCommunicationsOnline'),
    ('PHONESYSTEM', 'MicrosoftCommunicationsOnline'),
    ('PSTN', 'MicrosoftCommunicationsOnline'),
    ('TEAMS', 'TeamspaceAPI'),
    ('OFFICESUBSCRIPTION', 'MicrosoftOffice'),
    ('YAMMER', 'YammerEnterprise'),
    ('FLOW', 'ProcessSimple'),
    ('POWERAPPS', 'PowerAppsService'),
    ('INTUNE', 'SCO'),
    ('RMS', 'RMSOnline'),
)


def plan_service(plan_name):
    upper = plan_name.upper()
    for prefix, service in SERVICE_BY_PLAN_PREFIX:
        if upper.startswith(prefix):
            return service
    return plan_name
