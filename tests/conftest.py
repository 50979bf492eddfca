# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the flat checkout importable as ansible_collections.m365.licensing.

ansible-test needs the collection nested under ansible_collections/<ns>/<name>;
plain pytest runs from the repository root. When the checkout is not already
nested, build a temporary ansible_collections/m365/ directory holding a symlink
named "licensing" to the repository root and put its parent on sys.path.
The graph_emulator package (tests/graph_emulator) is made importable too.
"""

import hashlib
import os
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.join(REPO_ROOT, 'tests')


def _is_nested(root):
    parts = root.split(os.sep)
    return len(parts) >= 3 and parts[-3] == 'ansible_collections'


def _collections_root():
    if _is_nested(REPO_ROOT):
        return os.path.dirname(os.path.dirname(os.path.dirname(REPO_ROOT)))
    # One directory per checkout: worktrees of one user share /tmp, and a shared link would make one
    # checkout's tests import another checkout's code whenever both run at once.
    checkout = hashlib.sha1(REPO_ROOT.encode('utf-8')).hexdigest()[:10]
    base = os.path.join(tempfile.gettempdir(), 'm365-licensing-pytest-%d-%s' % (os.getuid(), checkout))
    namespace_dir = os.path.join(base, 'ansible_collections', 'm365')
    link = os.path.join(namespace_dir, 'licensing')
    os.makedirs(namespace_dir, exist_ok=True)
    if os.path.realpath(link) != REPO_ROOT:
        if os.path.islink(link):
            os.unlink(link)
        os.symlink(REPO_ROOT, link)
    return base


COLLECTIONS_ROOT = _collections_root()
for path in (COLLECTIONS_ROOT, TESTS_DIR):
    if path not in sys.path:
        sys.path.insert(0, path)
