"""The no-answer-at-all wait: a turn that answers reuses what `client_wrote` returned instead
of reading the conversation again, with the same result as reading it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from storage import contacts, conversations
from storage.database import Database
from tests.sealing_keys import TEST_KEYS

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def _longest(conn: sqlite3.Connection, conversation_id: int) -> tuple[object, object]:
    row = conn.execute(
        "SELECT unacknowledged_since, longest_wait_seconds FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    return row[0], row[1]


async def test_an_answer_closes_the_wait_from_the_first_unanswered_message(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:

        def job(conn: sqlite3.Connection) -> list[tuple[object, object]]:
            seen: list[tuple[object, object]] = []
            for known in (True, False):
                contact = contacts.upsert_seen(conn, "line", f"U{known}", T0)
                conversation = conversations.create(conn, contact.id, T0)
                # Unanswered at 10:00 (no reply then), again at 10:05, answered at 10:05.
                conversations.client_wrote(conn, conversation.id, T0)
                later = T0 + timedelta(minutes=5)
                unanswered = conversations.client_wrote(conn, conversation.id, later)
                assert unanswered is not None and unanswered.since == T0
                conversations.answered_somehow(
                    conn, conversation.id, later, known=unanswered if known else None
                )
                seen.append(_longest(conn, conversation.id))
            return seen

        reused, read = await db.write(job)
        assert reused == read == (None, 300.0)
    finally:
        await db.close()
