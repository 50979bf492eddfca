# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A seeded random source shared by request threads, that /_emulator/reset can rewind."""

import random
import threading


class SeededRandom:
    """`with source as rng:` gives the random.Random under a lock; reseed() starts the sequence again."""

    def __init__(self, seed=0):
        self._seed = seed
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def reseed(self):
        with self._lock:
            self._random = random.Random(self._seed)

    def __enter__(self):
        self._lock.acquire()
        return self._random

    def __exit__(self, *exc_info):
        self._lock.release()
