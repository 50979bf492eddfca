# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Attributes shared by the modules of the collection."""

    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/m365.licensing.graph) in C(module_defaults) to set the authentication and connection options once.
    support: full
    membership:
      - m365.licensing.graph
'''

    CHECK_MODE_READ_ONLY = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - This module only reads; it never changes the tenant.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: none
'''

    CHECK_MODE_WRITES = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Check mode makes the same reads, the same plan and the same preflight checks, and sends no write request.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff_mode), when in diff mode.
    support: full
    details:
      - Shows each user's licences and usage location before and after.
'''
