# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Usage locations: the ISO 3166-1 alpha-2 codes Graph accepts in a user's usageLocation.

Graph refuses to license a user without a valid usage location (graph-facts 1.4, 3.1), so the
module checks codes before it writes anything rather than learning it from a 400 halfway through.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Officially assigned ISO 3166-1 alpha-2 codes.
ISO_3166_ALPHA2 = frozenset('''
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
'''.split())


class UsageLocationError(ValueError):
    """A usage location that Graph would refuse."""


def normalize_usage_location(value, user=None):
    """Upper-case, trimmed ISO 3166-1 alpha-2 code, or UsageLocationError naming the user."""
    if value is None:
        return None
    code = str(value).strip().upper()
    if code not in ISO_3166_ALPHA2:
        whose = ' for user %s' % user if user else ''
        raise UsageLocationError(
            "usage_location '%s'%s is not an ISO 3166-1 alpha-2 country code (two letters such as US, GB, DE, JP)"
            % (value, whose))
    return code
