# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""teams_license_info's report files: CSV, JSON or HTML, written as users stream in.

Each writer takes one reported user at a time (licensing/_holdings shape) and never keeps the users:
rows go straight to a temporary file beside the target, which replaces the target only when the
report is complete, so a failed run never leaves a half-written report behind.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import csv
import json
import os
import tempfile

from ansible_collections.m365.licensing.plugins.module_utils.licensing._holdings import error_advice
from ansible_collections.m365.licensing.plugins.module_utils.reports import _holdings_html as html_page

REPORT_FORMATS = ('csv', 'json', 'html')
CSV_COLUMNS = ('user_principal_name', 'display_name', 'id', 'account_enabled', 'usage_location', 'sku_part_number',
               'product_name', 'sku_id', 'assigned_directly', 'groups', 'state', 'error', 'what_to_do', 'disabled_plans',
               'teams_plans')


class ReportError(Exception):
    """The report file cannot be written (missing directory, no permission)."""


class _AtomicFile(object):
    """A text file written under a temporary name and moved onto ``path`` by commit()."""

    def __init__(self, path, newline=None):
        directory = os.path.dirname(os.path.abspath(path)) or '.'
        if not os.path.isdir(directory):
            raise ReportError('cannot write the report %s: the directory %s does not exist' % (path, directory))
        try:
            handle, self._temporary = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
        except OSError as error:
            raise ReportError('cannot write the report %s: %s' % (path, error.strerror or error))
        self.path = path
        self.stream = os.fdopen(handle, 'w', encoding='utf-8', newline=newline)

    def commit(self):
        self.stream.close()
        os.chmod(self._temporary, 0o644)
        os.replace(self._temporary, self.path)

    def discard(self):
        self.stream.close()
        if os.path.exists(self._temporary):
            os.remove(self._temporary)


def csv_rows(user):
    """One row per user and licence; a user without licences gets one row with the licence columns empty."""
    base = dict((name, user[name]) for name in ('user_principal_name', 'display_name', 'id', 'account_enabled', 'usage_location'))
    if not user['licenses']:
        return [base]
    rows = []
    for licence in user['licenses']:
        row = dict(base)
        row.update(
            sku_part_number=licence['sku_part_number'], product_name=licence['product_name'], sku_id=licence['sku_id'],
            assigned_directly=licence['assigned_directly'],
            groups='; '.join(group['display_name'] or group['id'] for group in licence['groups']),
            state=licence['state'], error=licence['error'], what_to_do=error_advice(licence['error']),
            disabled_plans='; '.join(licence['disabled_plans']),
            teams_plans='; '.join('%s: %s' % (plan['service_plan_name'], plan['provisioning_status'] or 'not assigned')
                                  for plan in licence['teams_plans']),
        )
        rows.append(row)
    return rows


class CsvReport(object):
    def __init__(self, path):
        self._file = _AtomicFile(path, newline='')
        self._writer = csv.DictWriter(self._file.stream, fieldnames=CSV_COLUMNS)
        self._writer.writeheader()

    def add(self, user):
        self._writer.writerows(csv_rows(user))

    def finish(self, summary, seats, generated):
        self._file.commit()

    def discard(self):
        self._file.discard()


class JsonReport(object):
    """{"generated", "summary", "seats", "users": [...]}: users are written as they come, the rest at the end."""

    def __init__(self, path):
        self._file = _AtomicFile(path)
        self._file.stream.write('{"users": [')
        self._first = True

    def add(self, user):
        self._file.stream.write(('\n' if self._first else ',\n') + json.dumps(user, sort_keys=True))
        self._first = False

    def finish(self, summary, seats, generated):
        tail = {'generated': generated, 'summary': summary, 'seats': seats}
        self._file.stream.write('\n], ' + json.dumps(tail, sort_keys=True, indent=1)[1:])
        self._file.commit()

    def discard(self):
        self._file.discard()


class HtmlReport(object):
    """One self-contained page (see _holdings_html); the row sections are spooled to temporary files."""

    def __init__(self, path):
        self._file = _AtomicFile(path)
        self._sections = html_page.SpooledSections()

    def add(self, user):
        self._sections.add(user)

    def finish(self, summary, seats, generated):
        html_page.write_page(self._file.stream, self._sections, summary, seats, generated)
        self._sections.close()
        self._file.commit()

    def discard(self):
        self._sections.close()
        self._file.discard()


WRITERS = {'csv': CsvReport, 'json': JsonReport, 'html': HtmlReport}


def open_report(path, report_format):
    """A writer with add(user), finish(summary, seats, generated) and discard()."""
    return WRITERS[report_format](path)
