# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Graph emulator, also writing every access token it issues to a file.

    python tests/reliability/recording_emulator.py TOKEN_FILE [emulator options]

The emulator redacts tokens in its request log, as a log should, and has no list of the
tokens it issued; the secrets tests need exactly that list to search module output for it.
This wrapper records each token (one per line) as TokenStore.issue returns it, without
changing anything else: the options, the ready line and the behaviour are the emulator's.
"""

import os
import sys

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TESTS_DIR)

from graph_emulator import entra  # noqa: E402  pylint: disable=wrong-import-position
from graph_emulator.__main__ import main  # noqa: E402  pylint: disable=wrong-import-position


def recording(issue, path):
    """TokenStore.issue, appending each new token to path."""
    def issue_and_record(self, *args, **kwargs):
        token, grant = issue(self, *args, **kwargs)
        with open(path, 'a', encoding='ascii') as handle:
            handle.write(token + '\n')
        return token, grant
    return issue_and_record


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: recording_emulator.py TOKEN_FILE [emulator options]')
    entra.TokenStore.issue = recording(entra.TokenStore.issue, os.path.abspath(sys.argv[1]))
    sys.exit(main(sys.argv[2:]))
