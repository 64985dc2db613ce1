"""Rate limits for the web chat: a token bucket per visitor and per address, in memory.

A limit protects the counselors' queue and the service from a flood; it is per process
(one instance), and forgets quiet keys so that memory stays bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable

_PRUNE_AT = 10_000  # keys kept before quiet ones are forgotten


class RateLimit:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def allow(self, key: str) -> float:
        """0 when `key` may go on (one token taken), else the seconds until it may."""
        now = self._clock()
        tokens, when = self._buckets.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - when) * self._rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self._rate
        if len(self._buckets) >= _PRUNE_AT:
            self._prune(now)
        self._buckets[key] = (tokens - 1, now)
        return 0.0

    def _prune(self, now: float) -> None:
        full = [k for k, (t, w) in self._buckets.items() if t + (now - w) * self._rate >= 1]
        for key in full:
            del self._buckets[key]
