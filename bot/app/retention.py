"""The job that keeps the retention periods: run every few hours on the alarm's scheduler."""

from __future__ import annotations

import logging

from bot.config.retention import RetentionPolicy
from bot.runtime.clock import Clock
from storage import retention
from storage.database import Database

log = logging.getLogger("tobira.retention")


class RetentionJob:
    def __init__(self, db: Database, clock: Clock, policy: RetentionPolicy) -> None:
        self._db = db
        self._clock = clock
        self._policy = policy

    async def run(self) -> dict[str, int]:
        now = self._clock.now()
        counts = await self._db.write(
            lambda conn: retention.purge(
                conn,
                conversations_before=now - self._policy.resolved_conversations,
                events_before=now - self._policy.raw_events,
            ),
            heavy=True,  # years of data may go at once: keep it off the event loop
        )
        log.info("retention", extra=counts)
        return counts
