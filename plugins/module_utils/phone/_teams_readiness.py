# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait, bounded, until Teams has processed the licences that numbers need.

Teams can lag assignLicense by up to 24 hours and refuses numbers until then (graph-facts
12.3); userConfigurations.featureTypes is the Graph-visible sign that it has caught up (12.2,
INFERRED). The wait polls the users' configurations with growing pauses and returns the
last ones read: users still not ready are then refused by the planner, never written.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.m365.licensing.plugins.module_utils.phone._number_plan import features_cover

POLL_FIRST = 1.0
POLL_CAP = 15.0


def not_ready(configurations, needs):
    """User ids whose featureTypes do not yet cover every number type they need."""
    waiting = []
    for user_id, number_types in needs.items():
        features = (configurations.get(user_id) or {}).get('featureTypes') or []
        if not all(features_cover(features, number_type) for number_type in number_types):
            waiting.append(user_id)
    return sorted(waiting)


def wait_for_teams(read_configurations, needs, timeout, sleep=time.sleep, clock=time.monotonic):
    """Poll until every user in ``needs`` ({id: number types}) is ready or ``timeout`` seconds pass.

    Returns (configurations, seconds waited, polls).
    """
    started = clock()
    delay = POLL_FIRST
    polls = 1
    configurations = read_configurations(sorted(needs))
    while not_ready(configurations, needs):
        remaining = started + timeout - clock()
        if remaining <= 0:
            break
        sleep(min(delay, remaining))
        delay = min(delay * 2, POLL_CAP)
        waiting = not_ready(configurations, needs)
        configurations.update(read_configurations(waiting))
        polls += 1
    return configurations, round(clock() - started, 1), polls
