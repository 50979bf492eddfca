# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counts over reported users (licensing/_holdings shape), kept as users stream past, and the seats
of the tenant's Teams licences; both go into teams_license_info's result and its report files."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def licence_in_error(licence):
    return licence['error'] is not None or licence['state'] == 'Error'


class HoldingsSummary(object):
    """users reported, licensed, with errors, disabled accounts holding licences; per licence direct,
    inherited, in error and holders."""

    def __init__(self):
        self.users_reported = 0
        self.users_licensed = 0
        self.users_with_errors = 0
        self.disabled_with_licenses = 0
        self._licences = {}

    def add(self, user):
        self.users_reported += 1
        # A licence whose every assignment failed (state Error) is not held: it uses no seat.
        if any(licence['state'] != 'Error' for licence in user['licenses']):
            self.users_licensed += 1
            if user['account_enabled'] is False:
                self.disabled_with_licenses += 1
        if any(licence_in_error(licence) for licence in user['licenses']):
            self.users_with_errors += 1
        for licence in user['licenses']:
            self._count(licence)

    def _count(self, licence):
        counts = self._licences.get(licence['sku_id'].lower())
        if counts is None:
            counts = self._licences[licence['sku_id'].lower()] = dict(
                sku_id=licence['sku_id'], sku_part_number=licence['sku_part_number'], product_name=licence['product_name'],
                holders=0, direct=0, inherited=0, in_error=0)
        counts['holders'] += 0 if licence['state'] == 'Error' else 1
        counts['direct'] += 1 if licence['assigned_directly'] else 0
        counts['inherited'] += 1 if licence['groups'] else 0
        counts['in_error'] += 1 if licence_in_error(licence) else 0

    def result(self):
        return dict(
            users_reported=self.users_reported,
            users_licensed=self.users_licensed,
            users_with_errors=self.users_with_errors,
            disabled_with_licenses=self.disabled_with_licenses,
            licenses=sorted(self._licences.values(), key=lambda item: ((item['sku_part_number'] or '').lower(), item['sku_id'])),
        )


def teams_seats(sku_index):
    """Seats of each Teams-related licence of the tenant: enabled, consumed, available."""
    seats = []
    for sku in sku_index.teams_skus():
        enabled = (sku.get('prepaidUnits') or {}).get('enabled') or 0
        consumed = sku.get('consumedUnits') or 0
        description = sku_index.describe(sku['skuId'])
        seats.append(dict(sku_id=sku['skuId'], sku_part_number=description['sku_part_number'],
                          product_name=description['product_name'], enabled=enabled, consumed=consumed,
                          available=max(enabled - consumed, 0)))
    return seats
