# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML licence report: one self-contained page (inline CSS, SVG and script; nothing fetched
when it is opened) with the seats per Teams licence as a bar chart, holders per licence, users in
error with the reason and what to do, and disabled accounts that still hold licences.

Every table sorts by a click on its column header; one licence selector and one search box filter
every table and highlight the licence in the chart (``#licence=MCOEV`` in the address opens it filtered). Rows are spooled to temporary files while
users stream in, so a report of a large tenant is written without holding its users in memory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import tempfile
from html import escape

from ansible_collections.m365.licensing.plugins.module_utils.licensing._holdings import error_advice
from ansible_collections.m365.licensing.plugins.module_utils.reports._holdings_summary import licence_in_error

TITLE = 'Teams licence report'
BAR_WIDTH = 420
BAR_HEIGHT = 22
LABEL_WIDTH = 330
ROW_HEIGHT = 34

STYLE = '''
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1b1b1b;background:#f5f6f8}
header{background:#464eb8;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}
main{padding:18px 28px}section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:14px 18px;margin-bottom:18px}
h2{font-size:17px;margin:0 0 10px}.cards{display:flex;gap:14px;flex-wrap:wrap;background:none;box-shadow:none;padding:0}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:12px 18px;min-width:170px}
.card .value{font-size:28px;font-weight:600;color:#464eb8}.card.alert .value{color:#c4314b}.card .label{font-size:13px;color:#555}
.controls{display:flex;gap:18px;align-items:center;margin-bottom:14px}.controls select,.controls input{font-size:14px;padding:4px 6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e3e3;vertical-align:top}
th{background:#eef0fa;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}td.num,th.num{text-align:right}.state-Error,.state-ActiveWithError{color:#c4314b;font-weight:600}
.shown{font-size:12px;color:#666;margin:4px 0}.seat-bar text{font-size:12px}.dimmed{opacity:.25}.empty{color:#666;font-style:italic}
'''

SCRIPT = '''
(function () {
  var licence = document.getElementById('licence-filter');
  var search = document.getElementById('search');
  function apply() {
    var sku = licence.value, text = search.value.toLowerCase();
    document.querySelectorAll('table.filterable').forEach(function (table) {
      var rows = table.tBodies[0].rows, shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var keep = (!sku || row.getAttribute('data-sku') === sku) &&
                   (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
        row.hidden = !keep;
        if (keep) { shown++; }
      }
      var counter = document.querySelector('[data-count-for="' + table.id + '"]');
      if (counter) { counter.textContent = shown + ' of ' + rows.length + ' rows shown'; }
    });
    document.querySelectorAll('.seat-bar, #licence-table tbody tr').forEach(function (item) {
      item.classList.toggle('dimmed', !!sku && item.getAttribute('data-sku') !== sku);
    });
  }
  function cellValue(row, index) {
    var text = row.cells[index] ? row.cells[index].textContent.trim() : '';
    var number = Number(text.replace(/,/g, ''));
    return text !== '' && !isNaN(number) ? number : text.toLowerCase();
  }
  document.querySelectorAll('table.sortable thead th').forEach(function (header) {
    header.addEventListener('click', function () {
      var table = header.closest('table'), index = header.cellIndex;
      var ascending = header.getAttribute('aria-sort') !== 'ascending';
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = cellValue(a, index), y = cellValue(b, index);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
      table.querySelectorAll('thead th').forEach(function (other) { other.removeAttribute('aria-sort'); });
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    });
  });
  licence.addEventListener('change', function () {
    history.replaceState(null, '', licence.value ? '#licence=' + encodeURIComponent(licence.value) : '#');
    apply();
  });
  search.addEventListener('input', apply);
  // A link can open the page filtered: report.html#licence=MCOEV
  var linked = /licence=([^&]+)/.exec(location.hash);
  if (linked) { licence.value = decodeURIComponent(linked[1]); }
  apply();
  document.body.setAttribute('data-ready', 'true');
})();
'''


def _cell(value, css=None):
    text = '' if value is None else value
    return '<td%s>%s</td>' % (' class="%s"' % css if css else '', escape(str(text)))


def licence_key(licence):
    return licence['sku_part_number'] or licence['sku_id']


def assignment_paths(licence):
    paths = ['Direct'] if licence['assigned_directly'] else []
    paths.extend('Group: %s' % (group['display_name'] or group['id']) for group in licence['groups'])
    return ', '.join(paths)


def teams_plan_text(licence):
    return ', '.join('%s: %s' % (plan['service_plan_name'], plan['provisioning_status'] or 'not assigned')
                     for plan in licence['teams_plans'])


class SpooledSections(object):
    """Rows of the three per-user tables, written to temporary files as users arrive."""

    def __init__(self):
        self.holders = tempfile.TemporaryFile('w+', encoding='utf-8')
        self.errors = tempfile.TemporaryFile('w+', encoding='utf-8')
        self.disabled = tempfile.TemporaryFile('w+', encoding='utf-8')
        self.licences = {}
        self.counts = {'holders': 0, 'errors': 0, 'disabled': 0}

    def add(self, user):
        upn, name = user['user_principal_name'], user['display_name']
        for licence in user['licenses']:
            key = licence_key(licence)
            self.licences[key] = licence['product_name']
            row_start = '<tr data-sku="%s">%s%s' % (escape(key, quote=True), _cell(upn), _cell(name))
            self._write('holders', row_start + _cell(key) + _cell(licence['product_name']) + _cell(assignment_paths(licence))
                        + _cell(licence['state'], 'state-%s' % escape(licence['state'] or '', quote=True))
                        + _cell(licence['error']) + _cell(teams_plan_text(licence)) + '</tr>\n')
            if licence_in_error(licence):
                self._write('errors', row_start + _cell(key) + _cell(licence['error'] or licence['state'])
                            + _cell(assignment_paths(licence)) + _cell(error_advice(licence['error'] or 'Other')) + '</tr>\n')
            if user['account_enabled'] is False and licence['state'] != 'Error':
                self._write('disabled', row_start + _cell(key) + _cell(licence['product_name'])
                            + _cell(assignment_paths(licence)) + '</tr>\n')

    def _write(self, section, row):
        getattr(self, section).write(row)
        self.counts[section] += 1

    def copy(self, section, stream):
        spool = getattr(self, section)
        spool.seek(0)
        for line in spool:
            stream.write(line)

    def close(self):
        for spool in (self.holders, self.errors, self.disabled):
            spool.close()


def write_page(stream, sections, summary, seats, generated):
    stream.write('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                 '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                 '<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n' % (TITLE, STYLE))
    stream.write('<header><h1>%s</h1><p>Generated %s by m365.licensing.teams_license_info</p></header>\n<main>\n'
                 % (TITLE, escape(generated)))
    stream.write(_totals(summary))
    stream.write(_controls(sections.licences))
    stream.write(_seat_chart(seats))
    # What needs action first: errors and disabled accounts, then who holds what.
    stream.write('<section id="errors"><h2>Users in error</h2>\n')
    _row_section(stream, sections, 'errors', 'errors-table', None, ('User', 'Name', 'Licence', 'Reason', 'Assigned', 'What to do'))
    stream.write('</section>\n<section id="disabled"><h2>Disabled accounts holding licences</h2>\n')
    _row_section(stream, sections, 'disabled', 'disabled-table', None, ('User', 'Name', 'Licence', 'Product', 'Assigned'))
    stream.write('</section>\n')
    stream.write(_licence_table(summary))
    _row_section(stream, sections, 'holders', 'holders-table', 'Holders',
                 ('User', 'Name', 'Licence', 'Product', 'Assigned', 'State', 'Error', 'Teams plans'), heading_level=3)
    stream.write('</section>\n</main>\n<script>%s</script>\n</body>\n</html>\n' % SCRIPT)


def _totals(summary):
    cards = (('users-reported', 'Users reported', summary['users_reported'], False),
             ('users-licensed', 'Users with a licence', summary['users_licensed'], False),
             ('users-with-errors', 'Users with a licence error', summary['users_with_errors'], summary['users_with_errors'] > 0),
             ('disabled-with-licenses', 'Disabled accounts holding licences', summary['disabled_with_licenses'],
              summary['disabled_with_licenses'] > 0))
    return '<section class="cards" id="totals">%s</section>\n' % ''.join(
        '<div class="card%s" id="%s"><div class="value">%d</div><div class="label">%s</div></div>'
        % (' alert' if alert else '', card_id, value, label) for card_id, label, value, alert in cards)


def _controls(licences):
    options = ''.join('<option value="%s">%s (%s)</option>' % (escape(key, quote=True), escape(key), escape(name or ''))
                      for key, name in sorted(licences.items(), key=lambda item: item[0].lower()))
    return ('<div class="controls"><label>Licence <select id="licence-filter"><option value="">All licences</option>%s'
            '</select></label><label>Search <input id="search" type="search" placeholder="user, group, error"></label></div>\n'
            % options)


def _seat_chart(seats):
    if not seats:
        return '<section id="seats"><h2>Seats per Teams licence</h2><p class="empty">The tenant has no Teams licence.</p></section>\n'
    height = ROW_HEIGHT * len(seats) + 6
    bars = []
    for index, seat in enumerate(seats):
        top = index * ROW_HEIGHT + 4
        used = float(seat['consumed']) / seat['enabled'] if seat['enabled'] else 0.0
        filled = int(round(BAR_WIDTH * min(used, 1.0)))
        key = seat['sku_part_number'] or seat['sku_id']
        colour = '#c4314b' if seat['enabled'] and seat['consumed'] >= seat['enabled'] else '#464eb8'
        bars.append(
            '<g class="seat-bar" data-sku="%s" data-enabled="%d" data-consumed="%d" data-available="%d">'
            '<title>%s: %d of %d seats used, %d available</title>'
            '<text x="0" y="%d">%s</text>'
            '<rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="#e3e5f4"></rect>'
            '<rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="%s"></rect>'
            '<text class="seat-numbers" x="%d" y="%d">%s / %s used, %s free</text></g>'
            % (escape(key, quote=True), seat['enabled'], seat['consumed'], seat['available'],
               escape(seat['product_name'] or key), seat['consumed'], seat['enabled'], seat['available'],
               top + 15, escape(_short('%s - %s' % (key, seat['product_name'] or key), 46)),
               LABEL_WIDTH, top, BAR_WIDTH, BAR_HEIGHT,
               LABEL_WIDTH, top, filled, BAR_HEIGHT, colour,
               LABEL_WIDTH + BAR_WIDTH + 10, top + 15, _number(seat['consumed']), _number(seat['enabled']),
               _number(seat['available'])))
    width = LABEL_WIDTH + BAR_WIDTH + 260
    return ('<section id="seats"><h2>Seats per Teams licence</h2>'
            '<svg id="seat-chart" role="img" aria-label="Seats used per Teams licence" width="%d" height="%d" viewBox="0 0 %d %d">%s</svg>'
            '</section>\n' % (width, height, width, height, ''.join(bars)))


def _number(value):
    return '{:,}'.format(value)


def _short(text, limit):
    return text if len(text) <= limit else text[:limit - 1] + '\u2026'


def _licence_table(summary):
    rows = ''.join('<tr data-sku="%s">%s%s%s%s%s%s</tr>' % (
        escape(item['sku_part_number'] or item['sku_id'], quote=True), _cell(item['sku_part_number'] or item['sku_id']),
        _cell(item['product_name']), _cell(item['holders'], 'num'), _cell(item['direct'], 'num'),
        _cell(item['inherited'], 'num'), _cell(item['in_error'], 'num')) for item in summary['licenses'])
    return ('<section id="licences"><h2>Holders per licence</h2>'
            '<table class="sortable" id="licence-table"><thead><tr><th>Licence</th><th>Product</th><th class="num">Holders</th>'
            '<th class="num">Direct</th><th class="num">Inherited</th><th class="num">In error</th></tr></thead>'
            '<tbody>%s</tbody></table>\n' % rows)


def _row_section(stream, sections, section, table_id, heading, columns, heading_level=2):
    if heading:
        stream.write('<h%d>%s</h%d>' % (heading_level, heading, heading_level))
    if not sections.counts[section]:
        stream.write('<p class="empty" id="%s-empty">None.</p>\n' % table_id)
    stream.write('<p class="shown" data-count-for="%s"></p>' % table_id)
    stream.write('<table class="sortable filterable" id="%s"><thead><tr>%s</tr></thead><tbody>\n'
                 % (table_id, ''.join('<th>%s</th>' % column for column in columns)))
    sections.copy(section, stream)
    stream.write('</tbody></table>\n')
