"""The alarm clock for deadline rows: APScheduler wakes us, the rows decide.

One APScheduler job is armed for the earliest pending row. When it rings, every due row is
claimed and acted on (concurrently, through the batching writer), and the alarm is armed
again for the next one. So 100,000 pending rows cost one timer, not 100,000, and a restart
is one query: overdue rows fire at once.

Time comes from the injected clock; the alarm converts "due in N seconds by that clock"
into a real moment, so tests that move a ManualClock call `run_due()` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from storage import deadlines
from storage.database import Database

log = logging.getLogger("tobira.alarm")

_JOB = "deadlines"
_CHUNK = 256


class DeadlineAlarm:
    def __init__(self, db: Database, clock: Clock, fire: Callable[[int], Awaitable[None]]) -> None:
        self._db = db
        self._clock = clock
        self._fire = fire
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._armed_for: datetime | None = None
        self._running = asyncio.Lock()
        self.fired = 0

    async def start(self) -> None:
        started = time.perf_counter()
        self._scheduler.start()
        due = await deadlines.next_due(self._db)
        self.arm(due)
        log.info(
            "deadlines armed",
            extra={
                "next_due_in_s": round((due - self._clock.now()).total_seconds(), 1)
                if due
                else None,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    async def close(self) -> None:
        self._scheduler.shutdown(wait=False)

    def arm(self, due: datetime | None) -> None:
        """Ring at `due` (by the injected clock), unless already armed for an earlier time."""
        if due is None:
            return
        if self._armed_for is not None and self._armed_for <= due:
            return
        self._armed_for = due
        delay = max(0.0, (due - self._clock.now()).total_seconds())
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        self._scheduler.add_job(
            self._ring,
            "date",
            run_date=run_date,
            id=_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _ring(self) -> None:
        self._armed_for = None
        await self.run_due()
        self.arm(await deadlines.next_due(self._db))

    async def run_due(self) -> int:
        """Fire every row due by the clock now. Returns how many were taken."""
        taken = 0
        async with self._running:
            while ids := await deadlines.due_ids(self._db, self._clock.now(), _CHUNK):
                await asyncio.gather(*(self._fire(deadline_id) for deadline_id in ids))
                taken += len(ids)
        self.fired += taken
        return taken
