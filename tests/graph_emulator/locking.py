# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tenant lock, shared by tenant.py and the concern files that extend the Tenant class."""

import functools


def synchronized(method):
    """Run a public method under the tenant lock, after applying group changes that are due."""
    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self.lock:
            self._process_due_groups()
            return method(self, *args, **kwargs)
    return locked
