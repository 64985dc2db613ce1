"""Webhooks first: background work yields while platform requests are being answered.

LINE waits at most 2 seconds for our 200, and an unanswered webhook is the only way to lose
a message; a reply that goes out a moment later loses nothing. So each unit of background
work (one turn, one send, one deadline) runs freely only when the service is quiet (no
webhook for `settle` seconds). While webhooks arrive, two units at a time may run, each
first waiting for a quiet moment at most `max_wait`: sustained load slows background work
down but never stops it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager


class Priority:
    def __init__(
        self,
        max_wait: float = 0.25,
        busy_slots: int = 2,
        quiet_slots: int = 64,
        settle: float = 0.01,
    ) -> None:
        self._inflight = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._max_wait = max_wait
        self._settle = settle
        self._timer: asyncio.TimerHandle | None = None
        # Each kind of work has its own slots: a slow LINE API holding every "send" slot
        # must not stop turns and deadlines.
        self._slots: dict[str, tuple[asyncio.Semaphore, asyncio.Semaphore]] = {
            kind: (asyncio.Semaphore(quiet_slots), asyncio.Semaphore(busy_slots))
            for kind in ("work", "send")
        }

    @contextmanager
    def foreground(self) -> Iterator[None]:
        self._inflight += 1
        self._quiet.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        try:
            yield
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                # Quiet only once no webhook has come for a moment: mid-burst gaps don't count.
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self._settle, self._becomes_quiet)

    def _becomes_quiet(self) -> None:
        self._timer = None
        if self._inflight == 0:
            self._quiet.set()

    @asynccontextmanager
    async def background(self, kind: str = "work") -> AsyncIterator[None]:
        slots, busy_slots = self._slots[kind]
        async with slots:
            if self._quiet.is_set():
                yield
                return
            async with busy_slots:
                try:
                    await asyncio.wait_for(self._quiet.wait(), self._max_wait)
                except TimeoutError:
                    pass
                yield
