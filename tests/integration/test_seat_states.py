# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seats read right: teams_sku_info and the seats report show the Communications Credits sentinel as
unlimited, and a subscription in its grace period, suspended or cancelled as what it is
(graph-facts §2.1, §2.2), against the subscription-states tenant of the emulator."""

import os

import pytest

from graph_emulator.launcher import Emulator
from playbook_harness import REPO_ROOT, connection_vars

pytestmark = pytest.mark.integration

REPORT_PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'report_teams_seats.yml')


@pytest.fixture(scope='module')
def states_emulator():
    with Emulator(args=('--tenant', 'subscription-states')) as running:
        yield running


def returned_skus(run):
    assert run.rc == 0, run
    return dict((sku['sku_part_number'], sku) for sku in run.task('Read SKUs')['result']['skus'])


def test_each_subscription_state_is_named_with_its_counts(states_emulator, run_playbook):
    skus = returned_skus(run_playbook('sku_info.yml', connection_vars(states_emulator)))
    tenant = dict((sku['skuPartNumber'], sku) for sku in states_emulator.state()['skus'])
    for part_number, sku in skus.items():
        assert sku['capability_status'] == tenant[part_number]['capabilityStatus']
        units = tenant[part_number]['prepaidUnits']
        assert (sku['enabled'], sku['warning'], sku['suspended'], sku['locked_out']) == \
            (units['enabled'], units['warning'], units['suspended'], units['lockedOut'])
    assert [part for part, sku in sorted(skus.items()) if sku['assignable']] == ['ENTERPRISEPACK', 'MCOEV', 'MCOPSTNC']
    assert [part for part, sku in sorted(skus.items()) if sku['unlimited']] == ['MCOPSTNC']
    assert skus['MCOEV']['seats_summary'] == '8 of 10 seats left, 2 assigned'
    assert skus['ENTERPRISEPACK']['seats_summary'] == '22 of 25 seats left, 3 assigned, 5 in the grace period'
    assert skus['MCOPSTNC']['seats_summary'].startswith('unlimited')
    assert '9999999' not in skus['MCOPSTNC']['seats_summary']
    assert skus['STANDARDPACK']['seats_summary'].startswith('SUSPENDED: no seat can be assigned')
    assert '2 assigned, 20 suspended' in skus['STANDARDPACK']['seats_summary']
    assert skus['MCOPSTN1']['seats_summary'].startswith('WARNING: expired, in its grace period')
    assert skus['MCOMEETADV']['seats_summary'].startswith('LOCKED OUT: the subscription was cancelled')


def test_the_seats_report_playbook_prints_states_not_zero_of_zero(states_emulator, run_playbook):
    run = run_playbook(REPORT_PLAYBOOK, connection_vars(states_emulator))
    assert run.rc == 0, run
    text = '\n'.join(item['msg'] for item in run.task('Show seats per licence')['result']['results'])
    assert 'Communications Credits: unlimited' in text
    assert 'SUSPENDED' in text and 'LOCKED OUT' in text and 'WARNING' in text
    assert '0 of 0 seats left' not in text and '9999999 of' not in text
