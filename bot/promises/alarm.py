"""The alarm clock for deadline rows: APScheduler wakes us, the rows decide.

One APScheduler job is armed for the earliest pending row. When it rings, every due row is
claimed and acted on (concurrently, through the batching writer), and the alarm is armed
again for the next one. So 100,000 pending rows cost one timer, not 100,000, and a restart
is one query: overdue rows fire at once.

Other tables of due rows ring through the same alarm (`Rows`: the case conferences' action
item reminders, bot/conferences/reminders.py): the alarm is armed for the earliest row of
any of them, and a ring fires every due row of each.

Time comes from the injected clock; the alarm converts "due in N seconds by that clock"
into a real moment, so tests that move a ManualClock call `run_due()` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime.clock import Clock
from storage import deadlines
from storage.database import Database
from storage.tx import Tx

log = logging.getLogger("tobira.alarm")

_JOB = "deadlines"
_WATCH = "deadlines-watch"
_CHUNK = 256
# A safety net: whatever happened to the alarm job, look again this often.
_WATCH_EVERY = 30.0
_RETRY_STUCK = timedelta(seconds=5)


@dataclass(frozen=True)
class Rows:
    """A table of due rows the alarm rings for: its earliest pending time, the ids due by a
    time (at most a number), and what fires one."""

    name: str
    next_due: Callable[[Tx], datetime | None]
    due_ids: Callable[[Tx, datetime, int], list[int]]
    fire: Callable[[int], Awaitable[None]]


class DeadlineAlarm:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        fire: Callable[[int], Awaitable[None]],
        more: Sequence[Rows] = (),
    ) -> None:
        self._db = db
        self._clock = clock
        self._rows = [Rows("deadlines", deadlines.next_due, deadlines.due_ids, fire), *more]
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._armed_for: datetime | None = None
        self._running = asyncio.Lock()
        self._closing = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        started = time.perf_counter()
        self._scheduler.add_listener(
            self._on_skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR
        )
        self._scheduler.start()
        self._scheduler.add_job(self._watch, "interval", seconds=_WATCH_EVERY, id=_WATCH)
        due = await self._db.read(self._next_due)
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

    def every(self, interval: timedelta, job: Callable[[], Awaitable[object]], name: str) -> None:
        """Housekeeping on the same scheduler (retention), first run one interval from now."""
        self._scheduler.add_job(
            job,
            "interval",
            seconds=interval.total_seconds(),
            id=name,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )

    async def close(self) -> None:
        # Let a ring in progress finish its chunk and stop, rather than be cancelled in the
        # middle (APScheduler would log that as a failed job); what is left fires at the
        # next start.
        self._closing = True
        async with self._running:
            self._scheduler.shutdown(wait=False)

    def arm(self, due: datetime | None) -> None:
        """Ring at `due` (by the injected clock), unless already armed for an earlier time."""
        if due is None or self._closing:
            return
        if (
            self._armed_for is not None
            and self._armed_for <= due
            and self._scheduler.get_job(_JOB) is not None
        ):
            return
        self._armed_for = due
        delay = max(0.0, (due - self._clock.now()).total_seconds())
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        # max_instances > 1: the ring re-arms this same job while it still counts as running;
        # run_due's lock keeps two rings from firing rows at once.
        self._scheduler.add_job(
            self._ring,
            "date",
            run_date=run_date,
            id=_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=3,
        )

    async def _ring(self) -> None:
        self._armed_for = None
        for _ in range(3):
            await self.run_due()
            if self._closing:
                return
            due = await self._db.read(self._next_due)
            # Rows that came due while we were firing: fire them now, not through a new job.
            if due is None or due > self._clock.now():
                break
        else:
            # Due rows that cannot be taken (the database refuses?): later, not a spin.
            due = self._clock.now() + _RETRY_STUCK
        self.arm(due)

    async def _watch(self) -> None:
        self.arm(await self._db.read(self._next_due))

    def _next_due(self, conn: Tx) -> datetime | None:
        """The earliest pending row of any table."""
        return min(
            (due for rows in self._rows if (due := rows.next_due(conn)) is not None),
            default=None,
        )

    def _on_skipped(self, event: JobEvent) -> None:
        if event.job_id != _JOB or self._closing:
            return
        # The alarm job did not run as planned: forget it and arm afresh, never stall silently.
        log.warning("deadline alarm re-armed", extra={"code": event.code})
        self._armed_for = None
        task = asyncio.get_running_loop().create_task(self._watch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_due(self) -> int:
        """Fire every row due by the clock now. Returns how many were taken."""
        taken = 0
        async with self._running:
            for rows in self._rows:
                taken += await self._run_due(rows)
        return taken

    async def _run_due(self, rows: Rows) -> int:
        taken = 0
        tried: set[int] = set()
        while not self._closing and (
            ids := await self._db.read(rows.due_ids, self._clock.now(), _CHUNK)
        ):
            fresh = [row_id for row_id in ids if row_id not in tried]
            if not fresh:
                break  # the same rows again: they could not be claimed; stop here
            tried.update(fresh)
            await asyncio.gather(*(rows.fire(row_id) for row_id in fresh))
            taken += len(fresh)
        return taken
