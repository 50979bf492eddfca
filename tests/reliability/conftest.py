# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the reliability tests: a private copy of the collection and a playbook runner.

`make test` runs the fast variants (`-m "not soak"`), `make soak` the full ones (`-m soak`).
A run that names no marker skips the full variants: they take a quarter of an hour.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reliability_support import PlaybookRunner, build_collection_tree  # noqa: E402  pylint: disable=wrong-import-position


def pytest_collection_modifyitems(config, items):
    if 'soak' in (config.getoption('markexpr') or ''):
        return
    skip = pytest.mark.skip(reason='full variant: run it with make soak (pytest -m soak)')
    for item in items:
        if 'soak' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def reliability_collections(tmp_path_factory):
    return build_collection_tree(str(tmp_path_factory.mktemp('collections')))


@pytest.fixture
def runner(reliability_collections, tmp_path):
    """PlaybookRunner for this test: runs tests/reliability/playbooks/*.yml against the collection copy."""
    runner = PlaybookRunner(reliability_collections, tmp_path)
    yield runner
    runner.close()
