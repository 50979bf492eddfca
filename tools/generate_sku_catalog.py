# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate plugins/module_utils/licensing/_sku_data.py from Microsoft's licensing table.

    python tools/generate_sku_catalog.py           rewrite the generated file
    python tools/generate_sku_catalog.py --check   exit 1 when the committed file is out of date

The input is tools/data/licensing-service-plans.csv, Microsoft's "Product names and service
plan identifiers for licensing" (one row per product x service plan). The collection never
reads it at run time: this script turns it into Python data, and _sku_catalog.py holds the
hand-written logic (aliases, categories, resolution) on top of that data.

What goes into the catalogue, with every service plan:
- every Teams product, selected by part number (TEAMS_PART_NUMBER_PATTERN);
- the E1/E3/E5 suites that carry Teams plans with their no-Teams, no-audio-conferencing and
  EEA variants (graph-facts 8.3), and their government-cloud variants that follow the simple
  SUITE_CLOUD_VARIANT_PATTERN (STANDARDPACK_GOV, SPE_E5_USGOV_GCCHIGH, ...);
- LEGACY_PRODUCTS and PART_NUMBER_ONLY_PRODUCTS below, which the table lacks.
Every other product of the table gets only its display name (OTHER_PRODUCT_NAMES), and only
while the generated file stays under SIZE_LIMIT bytes. To stay under it, the education suites
(ENTERPRISEPREMIUM_FACULTY = Office 365 A5, ...) and the 500-seat "_HUB" copies of the suites
are not catalogued with their plans (except the one graph-facts 8.3 lists); they keep their
display names here, and _sku_catalog.teams_category still finds them by part number.

Cells are cleaned as graph-facts 8.1 asks: surrounding whitespace (including no-break spaces)
is stripped and inner runs of whitespace become one space, because some String_Id and GUID
cells carry trailing spaces and one String_Id carries no-break spaces. Products are keyed on
the GUID, never on the String_Id: MCOPSTN5 appears under two GUIDs (graph-facts 8.4).
"""

import argparse
import csv
import hashlib
import os
import re
import sys
from collections import namedtuple

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV_PATH = os.path.join('tools', 'data', 'licensing-service-plans.csv')
OUTPUT_PATH = os.path.join('plugins', 'module_utils', 'licensing', '_sku_data.py')
COMMAND = 'python tools/generate_sku_catalog.py'
SIZE_LIMIT = 100000
MAX_LINE = 150

TEAMS_PART_NUMBER_PATTERN = re.compile(r'''^(?:
    MCOEV | MCOPSTN | MCOMEET | MCOACBYOT | PHONESYSTEM_VIRTUALUSER | MCOTEAMS_ESSENTIALS$ | BUSINESS_VOICE
    | MCOCAP | MEETING_ROOM | Microsoft_Teams_Rooms_ | Microsoft_Teams_EEA_New$ | Teams_Ess$ | TEAMS_ESSENTIALS_AAD$
    | Operator_Connect_Mobile$ | Microsoft_Teams_Calling_Plan_pay_as_you_go | Microsoft_Teams_Audio_Conferencing_select_dial_out$
)''', re.VERBOSE)

# Office 365 E1/E3/E5 and Microsoft 365 E3/E5 with their no-Teams, no-audio-conferencing and
# EEA variants, as graph-facts 8.3 lists them. Spelled as the table spells them (after clean()).
SUITE_PART_NUMBERS = (
    'STANDARDPACK', 'Office_365_w/o_Teams_Bundle_E1',
    'ENTERPRISEPACK', 'Office_365_E3_(no_Teams)', 'O365_w/o_Teams_Bundle_E3',
    'ENTERPRISEPREMIUM', 'ENTERPRISEPREMIUM_NOPSTNCONF', 'Office_365_w/o_Teams_Bundle_E5',
    'Office_365_E5_EEA_(no_Teams)_without_Audio_Conferencing',
    'SPE_E3', 'Microsoft_365_E3_(no_Teams)', 'O365_w/o Teams Bundle_M3',
    'SPE_E5', 'SPE_E5_NOPSTNCONF', 'SPE_E5_CALLINGMINUTES', 'Microsoft_365_E5_without_Audio_Conferencing',
    'O365_w/o_Teams_Bundle_M5', 'Microsoft_365_E5_EEA_(no_Teams)_without_Audio_Conferencing',
    'Microsoft_365_E5_EEA_(no_Teams)_with_Calling_Minutes',
)
# GCC, GCC High and DoD variants named <suite>_<cloud>, e.g. STANDARDPACK_GOV (Office 365 G1 GCC),
# SPE_E5_USGOV_GCCHIGH (Microsoft 365 E5_USGOV_GCCHIGH).
SUITE_CLOUD_VARIANT_PATTERN = re.compile(
    r'^(?:STANDARDPACK|ENTERPRISEPACK|ENTERPRISEPREMIUM|SPE_E3|SPE_E5)_(?:GOV|USGOV_GCCHIGH|USGOV_DOD)$')

Product = namedtuple('Product', ('sku_id', 'part_number', 'name', 'plans'))

# Dropped from Microsoft's table between its 2023 and 2025-12 revisions; tenants that bought
# them still report them (graph-facts 8.4). Rows copied from the 2023-07 revision of the table
# (Opkalla/M365-admin-powershell @92d874991c82, "Product names and service plan identifiers
# for licensing.csv", graph-facts [CSV-2023]).
LEGACY_PRODUCTS = (
    Product('11dee6af-eca8-419f-8061-6864517c1875', 'MCOPSTN_5', 'Microsoft 365 Domestic Calling Plan (120 Minutes)',
            (('MCOPSTN5', '54a152dc-90de-4996-93d2-bc47e670fc06'),)),
    Product('923f58ab-fca1-46a1-92f9-89fda21238a8', 'MCOPSTN_1_GOV', 'Microsoft 365 Domestic Calling Plan for GCC',
            (('EXCHANGE_S_FOUNDATION_GOV', '922ba911-5694-4e99-a794-73aed9bfeec8'),
             ('MCOPSTN1_GOV', '3c8a8792-7866-409b-bb61-1b20ace0368b'))),
)

# Products that real tenants report but whose skuId no official source gives (graph-facts 8.3):
# known by part number only; the skuId comes from the tenant's subscribedSkus at run time.
# The display names are ours (Microsoft's product names), not taken from a table.
PART_NUMBER_ONLY_PRODUCTS = (
    Product(None, 'Microsoft_Teams_Enterprise_New', 'Microsoft Teams Enterprise', ()),
    Product(None, 'Microsoft_365_E5_(no_Teams)', 'Microsoft 365 E5 (no Teams)', ()),
)


def clean(cell):
    """A CSV cell without surrounding whitespace and with single inner spaces (graph-facts 8.1)."""
    return ' '.join(cell.split())


def read_products(csv_path):
    """Every product of the table keyed on its skuId, with its service plans as (name, id) pairs."""
    products = {}
    with open(csv_path, encoding='utf-8-sig', newline='') as handle:
        for row in csv.DictReader(handle):
            sku_id = clean(row['GUID']).lower()
            product = products.setdefault(sku_id, Product(sku_id, clean(row['String_Id']), clean(row['Product_Display_Name']), set()))
            product.plans.add((clean(row['Service_Plan_Name']), clean(row['Service_Plan_Id']).lower()))
    return dict((sku_id, product._replace(plans=tuple(sorted(product.plans)))) for sku_id, product in products.items())


def is_catalogued(part_number):
    return bool(TEAMS_PART_NUMBER_PATTERN.match(part_number) or part_number in SUITE_PART_NUMBERS
                or SUITE_CLOUD_VARIANT_PATTERN.match(part_number))


def split_products(products):
    """(catalogue products, other products) from the table plus the hand-listed extras."""
    catalogue = [product for product in products.values() if is_catalogued(product.part_number)]
    missing = set(SUITE_PART_NUMBERS) - set(product.part_number for product in catalogue)
    if missing:
        raise SystemExit('suite part numbers not found in the table: %s' % ', '.join(sorted(missing)))
    for extra in LEGACY_PRODUCTS:
        if extra.sku_id in products:
            raise SystemExit('%s (%s) is in the table now: drop it from LEGACY_PRODUCTS' % (extra.part_number, extra.sku_id))
    catalogue.extend(LEGACY_PRODUCTS + PART_NUMBER_ONLY_PRODUCTS)
    catalogue.sort(key=lambda product: (product.part_number.lower(), product.sku_id or ''))
    catalogued_ids = set(product.sku_id for product in catalogue)
    others = sorted((product for product in products.values() if product.sku_id not in catalogued_ids), key=lambda product: product.sku_id)
    return catalogue, others


def service_plan_ids(catalogue):
    """Plan name -> plan id over the catalogue; fails if one name ever has two ids."""
    ids = {}
    for product in catalogue:
        for name, plan_id in product.plans:
            if ids.setdefault(name, plan_id) != plan_id:
                raise SystemExit('service plan %s has two ids (%s, %s): the name-keyed plan table no longer works'
                                 % (name, ids[name], plan_id))
    return ids


def literal(value):
    """A Python literal in ASCII: non-ASCII characters escaped, so no sanity test trips over them."""
    return ascii(value)


def wrap_items(items, indent):
    """Comma-separated Python literals, wrapped at MAX_LINE, one line per list entry."""
    lines, line = [], ''
    for item in items:
        if line and len(indent) + len(line) + len(item) + 2 > MAX_LINE:
            lines.append(indent + line.rstrip())
            line = ''
        line += item + ', '
    if line:
        lines.append(indent + line.rstrip())
    return lines


def render_product(product):
    """One TEAMS_PRODUCTS entry: on one line when it fits, else with the plans (and fields) wrapped."""
    fields = [literal(product.sku_id), literal(product.part_number), literal(product.name)]
    plan_names = [literal(name) for name, _plan_id in product.plans]
    plans = '(%s%s)' % (', '.join(plan_names), ',' if len(plan_names) == 1 else '')
    one_line = '    (%s, %s),' % (', '.join(fields), plans)
    if len(one_line) <= MAX_LINE:
        return [one_line]
    head = '    (%s, (' % ', '.join(fields)
    if len(head) <= MAX_LINE:
        return [head] + wrap_items(plan_names, ' ' * 8) + ['    )),']
    return ['    ('] + wrap_items(fields, ' ' * 8) + ['        ('] + wrap_items(plan_names, ' ' * 12) + ['        ),', '    ),']


def render(catalogue, others, csv_digest, include_others):
    lines = [
        '# -*- coding: utf-8 -*-',
        '# Copyright (c) 2026 m365.licensing contributors',
        '# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)',
        '# GENERATED FILE, DO NOT EDIT. Regenerate with: %s' % COMMAND,
        '# Source: %s (sha256 %s)' % (CSV_PATH.replace(os.sep, '/'), csv_digest),
        '# plus the legacy and part-number-only products listed in the generator.',
        '"""SKU catalogue data: Teams products with their service plans, and the names of all other products.',
        '',
        'Generated; the logic that uses it is in _sku_catalog.py.',
        '"""',
        '',
        'from __future__ import absolute_import, division, print_function',
        '__metaclass__ = type',
        '',
        '# Service plan name -> servicePlanId, for every plan named in TEAMS_PRODUCTS.',
        'SERVICE_PLAN_IDS = {',
    ]
    lines.extend('    %s: %s,' % (literal(name), literal(plan_id)) for name, plan_id in sorted(service_plan_ids(catalogue).items()))
    lines.extend([
        '}',
        '',
        '# (skuId, or None where no source gives it; skuPartNumber; display name; service plan names),',
        '# sorted by part number.',
        'TEAMS_PRODUCTS = (',
    ])
    for product in catalogue:
        lines.extend(render_product(product))
    lines.extend([')', '', '# skuId -> display name of every other product in the source table.'])
    if include_others:
        lines.append('OTHER_PRODUCT_NAMES = {')
        lines.extend('    %s: %s,' % (literal(product.sku_id), literal(product.name)) for product in others)
        lines.append('}')
    else:
        lines.append('# Left out: with it this file would exceed %d bytes.' % SIZE_LIMIT)
        lines.append('OTHER_PRODUCT_NAMES = {}')
    return '\n'.join(lines) + '\n'


def generate(csv_path):
    """The generated module's text, without the other-products map if that would exceed SIZE_LIMIT."""
    with open(csv_path, 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    catalogue, others = split_products(read_products(csv_path))
    text = render(catalogue, others, digest, include_others=True)
    if len(text.encode('utf-8')) >= SIZE_LIMIT:
        sys.stderr.write('warning: the names of other products are left out to keep the file under %d bytes\n' % SIZE_LIMIT)
        text = render(catalogue, others, digest, include_others=False)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true', help='exit 1 when the generated file is out of date, write nothing')
    parser.add_argument('--csv', default=os.path.join(REPO_ROOT, CSV_PATH), help='source table (default: %(default)s)')
    parser.add_argument('--output', default=os.path.join(REPO_ROOT, OUTPUT_PATH), help='generated module (default: %(default)s)')
    args = parser.parse_args(argv)
    text = generate(args.csv)
    if args.check:
        try:
            with open(args.output, encoding='utf-8') as handle:
                current = handle.read()
        except FileNotFoundError:
            current = None
        if current != text:
            sys.stderr.write('%s is out of date: run %s\n' % (args.output, COMMAND))
            return 1
        return 0
    with open(args.output, 'w', encoding='utf-8', newline='\n') as handle:
        handle.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
