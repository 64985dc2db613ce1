"""The job that keeps the retention periods: run every few hours on the alarm's scheduler."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.config.retention import RetentionPolicy
from bot.runtime.clock import Clock
from storage import erasure, retention, sessions
from storage.database import Database
from storage.tx import Tx

log = logging.getLogger("tobira.retention")

# Ended console sessions and wrong-password counts are kept this long.
SESSIONS_KEPT = timedelta(days=30)


class RetentionJob:
    def __init__(self, db: Database, clock: Clock, policy: RetentionPolicy) -> None:
        self._db = db
        self._clock = clock
        self._policy = policy

    async def run(self) -> dict[str, int]:
        now = self._clock.now()

        def job(conn: Tx) -> dict[str, int]:
            counts = retention.purge(
                conn,
                conversations_before=now - self._policy.resolved_conversations,
                events_before=now - self._policy.raw_events,
            )
            # Console sign-ins: only long enough to look into a problem.
            counts.update(sessions.purge(conn, before=now - SESSIONS_KEPT))
            return counts

        # Years of data may go at once: keep it off the event loop.
        counts = await self._db.write(job, heavy=True)
        if any(counts.values()):
            # The frames that held the deleted rows (and destroyed data keys) leave the WAL.
            counts["wal_truncated"] = int(
                await asyncio.to_thread(erasure.truncate_wal, self._db.path)
            )
        log.info("retention", extra=counts)
        return counts
