# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML licence report in a real browser: headless Chromium opens the page the module wrote for the
sample tenant, runs its script, and the numbers it shows must be the tenant's. A screenshot of it
goes to docs/images/ for the user guide.

Chromium comes from Debian's `chromium` package (`make integration` installs it); where it cannot be
installed these tests are skipped with that reason.
"""

import os
import re
import shutil
import subprocess

import pytest

from playbook_harness import REPO_ROOT, connection_vars

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
SCREENSHOT = os.path.join(REPO_ROOT, 'docs', 'images', 'teams_license_report.png')
HEALTHY = (None, 'None')


def chromium(*arguments, timeout=120):
    if CHROMIUM is None:
        pytest.skip('headless Chromium is not installed (Debian package chromium; `make integration` installs it '
                    'with apt-get where it can): the HTML report was not checked in a browser')
    command = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars',
               '--no-first-run', '--virtual-time-budget=5000'] + list(arguments)
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                               timeout=timeout, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


@pytest.fixture
def html_report(fresh_emulator, run_playbook, tmp_path):
    path = tmp_path / 'teams-licences.html'
    extra = connection_vars(fresh_emulator)
    extra.update(report_path=str(path), return_users=False)
    # A fixed time stamp keeps the screenshot in docs/ unchanged from one run to the next.
    run = run_playbook('license_info.yml', extra, check=True, env={'SOURCE_DATE_EPOCH': '1796115600'})
    assert run.rc == 0, run
    assert 'Generated 2026-12-01 09:00 UTC' in path.read_text(encoding='utf-8')
    return path


def rendered(path, fragment=''):
    """The DOM after the page's script ran (it marks <body data-ready="true"> when done)."""
    dom = chromium('--dump-dom', 'file://%s%s' % (path, fragment))
    assert 'data-ready="true"' in dom, 'the report script did not run'
    return dom


def card(dom, card_id):
    return int(re.search(r'id="%s"><div class="value">(\d+)<' % card_id, dom).group(1))


def shown(dom, table_id):
    match = re.search(r'data-count-for="%s">(\d+) of (\d+) rows shown<' % table_id, dom)
    assert match, 'no row counter for %s' % table_id
    return int(match.group(1)), int(match.group(2))


def test_the_rendered_report_shows_the_tenants_numbers(fresh_emulator, html_report):
    dom = rendered(html_report)
    state = fresh_emulator.state()
    users, skus = state['users'], dict((sku['skuPartNumber'], sku) for sku in state['skus'])
    errors = [(user['userPrincipalName'], item['skuId']) for user in users for item in user['licenseAssignmentStates']
              if item['error'] not in HEALTHY]
    assert card(dom, 'users-reported') == len(users)
    assert card(dom, 'users-licensed') == sum(1 for user in users if user['assignedLicenses'])
    assert card(dom, 'users-with-errors') == len(set(upn for upn, _sku in errors))
    assert shown(dom, 'errors-table') == (len(errors), len(errors))
    holdings = sum(len(set(item['skuId'] for item in user['assignedLicenses'] + user['licenseAssignmentStates'])) for user in users)
    assert shown(dom, 'holders-table') == (holdings, holdings)
    bars = re.findall(r'<g class="seat-bar" data-sku="([^"]+)" data-enabled="(\d+)" data-consumed="(\d+)"', dom)
    assert {'MCOEV', 'MCOPSTN1', 'MCOMEETADV'} <= set(sku for sku, _enabled, _consumed in bars)
    for sku, enabled, consumed in bars:
        assert (int(enabled), int(consumed)) == (skus[sku]['prepaidUnits']['enabled'], skus[sku]['consumedUnits']), sku
    mcoev = skus['MCOEV']
    label = '%d / %d used, %d free' % (mcoev['consumedUnits'], mcoev['prepaidUnits']['enabled'],
                                       mcoev['prepaidUnits']['enabled'] - mcoev['consumedUnits'])
    assert label in dom
    assert 'OlgaI@contoso.onmicrosoft.com' in dom.split('id="disabled"')[1]
    assert 'buy more seats' in dom.split('id="errors"')[1]


def test_filtering_by_licence_in_the_browser(fresh_emulator, html_report):
    dom = rendered(html_report, '#licence=MCOEV')
    mcoev = next(sku for sku in fresh_emulator.state()['skus'] if sku['skuPartNumber'] == 'MCOEV')
    holders_shown, holders_total = shown(dom, 'holders-table')
    # Holders of MCOEV plus CameronW, whose MCOEV assignment failed.
    assert holders_shown == mcoev['consumedUnits'] + 1 and holders_total > holders_shown
    assert shown(dom, 'errors-table')[0] == 1
    assert shown(dom, 'disabled-table')[0] == 0
    assert re.search(r'<g class="seat-bar dimmed" data-sku="MCOPSTN1"', dom)
    assert re.search(r'<g class="seat-bar" data-sku="MCOEV"', dom)


def test_screenshot_for_the_user_guide(html_report):
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    if os.path.exists(SCREENSHOT):
        os.remove(SCREENSHOT)
    chromium('--window-size=1280,1450', '--screenshot=%s' % SCREENSHOT, 'file://%s' % html_report)
    with open(SCREENSHOT, 'rb') as image:
        assert image.read(8) == b'\x89PNG\r\n\x1a\n'
    assert os.path.getsize(SCREENSHOT) > 20000
