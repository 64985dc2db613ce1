"""The deadline alarm on a real SQLite file: closing while a ring is firing rows."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.promises.alarm import DeadlineAlarm
from bot.runtime.clock import SystemClock
from storage import claims, contacts, conversations, deadlines, organizations
from storage.database import Database
from tests.sealing_keys import TEST_KEYS

ROWS = 600


def _seed(conn: sqlite3.Connection, now: datetime) -> None:
    organizations.sync(conn, [("window", "Window")])
    for index in range(ROWS):
        contact = contacts.upsert_seen(conn, "line", f"U{index:032x}", now)
        conversation = conversations.open_for_contact(conn, contact.id, now)
        deadlines.add(
            conn,
            conversation_id=conversation.id,
            kind="remind_staff",
            due_at=now - timedelta(minutes=1),
            generation=0,
            at=now,
        )


async def test_closing_mid_ring_finishes_the_chunk_and_stops_quietly(tmp_path, caplog):
    """Regression: closing cancelled a ring in the middle, which APScheduler logged as a
    failed job, and its listener re-armed a scheduler that was shutting down."""
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    fired: list[int] = []
    first_fired = asyncio.Event()

    async def fire(deadline_id: int) -> None:
        now = datetime.now(UTC)
        if await db.write(lambda c: claims.claim_deadline(c, deadline_id, now)) is not None:
            fired.append(deadline_id)
            first_fired.set()
        await asyncio.sleep(0.05)  # slow enough that the close lands mid-chunk

    try:
        await db.write(lambda c: _seed(c, datetime.now(UTC)))
        alarm = DeadlineAlarm(db, SystemClock(), fire)
        with caplog.at_level(logging.WARNING):
            await alarm.start()
            await asyncio.wait_for(first_fired.wait(), 10)
            await alarm.close()
            alarm.arm(datetime.now(UTC))  # after close: nothing, and no error
            await asyncio.sleep(0.2)
        assert 0 < len(fired) < ROWS  # stopped early: the rest fires at the next start
        assert len(fired) % 256 == 0  # ...but only between two whole chunks
        assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
        counts = await db.read(deadlines.counts_by_status)
        assert counts == {"fired": len(fired), "pending": ROWS - len(fired)}
    finally:
        await db.close()
