# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local Microsoft Graph and Entra emulator for the m365.licensing tests, demo and benchmarks.

tenant.py holds the tenant state and the Graph resource semantics (no HTTP); the server modules
expose them over HTTPS. Behaviour follows the shared graph-facts.md; see README.md.
"""
