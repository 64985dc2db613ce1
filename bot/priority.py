"""Webhooks first: background work yields while platform requests are being answered.

LINE waits at most 2 seconds for our 200, and an unanswered webhook is the only way to lose
a message; a reply that goes out a moment later loses nothing. So each unit of background
work (one turn, one send) first waits for the webhooks in flight to be answered, at most
`max_wait`, so that sustained load slows background work down but never stops it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager


class Priority:
    def __init__(self, max_wait: float = 0.25, busy_slots: int = 2, quiet_slots: int = 16) -> None:
        self._inflight = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._max_wait = max_wait
        # Many units at once when nobody is waiting for a 200; two while somebody is.
        self._slots = asyncio.Semaphore(quiet_slots)
        self._busy_slots = asyncio.Semaphore(busy_slots)

    @contextmanager
    def foreground(self) -> Iterator[None]:
        self._inflight += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._quiet.set()

    @asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        async with self._slots:
            if not self._inflight:
                yield
                return
            async with self._busy_slots:
                try:
                    await asyncio.wait_for(self._quiet.wait(), self._max_wait)
                except TimeoutError:
                    pass
                yield
