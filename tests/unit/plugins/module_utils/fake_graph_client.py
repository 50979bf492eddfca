# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake GraphClient for the unit tests of the reads and writes: records what is sent, answers from the test."""

from ansible_collections.m365.licensing.plugins.module_utils.graph._client import BatchResponse, iter_pages


class FakeClient(object):
    """Records batches and GETs; batch items answered by `answer(request)`, GETs by `pages` in order."""

    def __init__(self, answer=None, pages=None):
        self.answer = answer or (lambda request: BatchResponse(200, {}, {}))
        self.pages = list(pages or [])
        self.batches = []
        self.gets = []

    def batch(self, requests):
        self.batches.append(list(requests))
        return [self.answer(request) for request in requests]

    def get(self, url, params=None):
        self.gets.append((url, params))
        page = self.pages.pop(0)
        if isinstance(page, Exception):
            raise page
        return page

    def get_paged(self, url, params=None):
        # The client's own paging (nextLink chain, repeated links refused), over this fake's get.
        return [value for page in iter_pages(self, url, params) for value in page.get('value') or []]
