"""Which client message raised a danger signal (issue 17): written by the turn that
detected it, in the turn's transaction, for certain and possible signals alike.

The staff marks read "signalled" and the level from here; the check-in reads "a signal a
moment ago" (two weak signals in a row make a strong one); the year's figures count danger
signals by level. A row holds ids, the level and the detector's phrase or model id, never
the words; it goes with its conversation (storage/retention.py). The phrase id is sealed all
the same, with the contact's key, bound to the message (storage/sealed_texts.py): which
phrase matched says much of what was written.
"""

from __future__ import annotations

from datetime import datetime

from storage import facts
from storage.sealed_texts import conversation_subject, sealed
from storage.timefmt import from_db, to_db
from storage.tx import Tx


def record(
    conn: Tx,
    *,
    message_id: int,
    conversation_id: int,
    level: str,
    certain: bool,
    matched: str,
    at: datetime,
) -> None:
    conn.execute(
        "INSERT INTO safety_signals (message_id, conversation_id, level, certain, matched, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            message_id,
            conversation_id,
            level,
            int(certain),
            sealed(
                conn,
                conversation_subject(conn, conversation_id),
                "safety_signals",
                "matched",
                message_id,
                matched,
            ),
            to_db(at),
        ),
    )
    if certain:
        # A possible signal (the bot asked how they are) is not counted as danger.
        facts.danger(conn, conversation_id, level, at)


def last_at(conn: Tx, conversation_id: int, *, before_message_id: int | None) -> datetime | None:
    """When the conversation's latest signal before this message was raised."""
    row = conn.execute(
        "SELECT MAX(at) FROM safety_signals WHERE conversation_id = ? AND message_id < ?",
        (conversation_id, before_message_id if before_message_id is not None else 2**63 - 1),
    ).fetchone()
    return from_db(row[0]) if row else None
