"""Staff marks on what the danger detector did with a client's message (issue 17).

A counselor marks a client's text message as a danger the detector missed (見逃し, with the
level it should have had) or, on a message that raised a signal, as a false alarm (誤検知).
One mark per message per staff member; marking again replaces it. The marks hold ids, a
kind, a level and a time: never the words. The export reads the words from `messages`,
opened with the writer's key (storage/sealed_texts.py).

Whether a message raised a signal, and its level, is what the turn that detected it
recorded (storage/safety_signals.py): certain and possible signals alike, never a typed
answer to the check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.sealed_texts import contact_subject, opened
from storage.timefmt import from_db, to_db
from storage.tx import Tx

KINDS = ("missed", "false_alarm")
LEVELS = ("crisis", "violence", "child")
# What a client's typed text is stored as: LINE's message type, the web chat's kind.
CLIENT_TEXT_KINDS = ("message/text", "text")
# The newest client messages a conversation's marks are read for (the transcript shows less).
CLIENT_TEXTS_READ = 500


@dataclass(frozen=True)
class ClientText:
    """A client's text message, and whether the detector raised a signal on it."""

    id: int
    conversation_id: int
    created_at: datetime
    signalled: bool
    level: str | None  # the signal's level, when it is known


@dataclass(frozen=True)
class Mark:
    id: int
    message_id: int
    conversation_id: int
    staff_id: int
    staff_name: str
    staff_display_name: str
    kind: str
    level: str | None
    marked_at: datetime


@dataclass(frozen=True)
class FeedbackLine:
    """One training line: a message's words and the label staff gave it."""

    message_id: int
    label: str  # a level for a missed danger, "none" for a false alarm
    text: str
    marks: int  # how many staff members gave this label
    first_marked_at: datetime


_CLIENT_TEXT = (
    "SELECT m.id, m.conversation_id, m.created_at, g.message_id IS NOT NULL, g.level"
    " FROM messages m LEFT JOIN safety_signals g ON g.message_id = m.id"
    " WHERE m.author = 'client' AND m.kind IN (?, ?)"
)


def _client_text(row: Sequence[Any]) -> ClientText:
    created_at = from_db(row[2])
    assert created_at is not None
    level = row[4] if row[4] in LEVELS else None  # a level this version no longer knows
    return ClientText(row[0], row[1], created_at, bool(row[3]), level)


def client_texts(conn: Tx, conversation_id: int) -> list[ClientText]:
    """The conversation's newest client text messages, oldest first."""
    rows = conn.execute(
        f"{_CLIENT_TEXT} AND m.conversation_id = ? ORDER BY m.id DESC LIMIT ?",
        (*CLIENT_TEXT_KINDS, conversation_id, CLIENT_TEXTS_READ),
    ).fetchall()
    return [_client_text(row) for row in reversed(rows)]


def client_text(conn: Tx, message_id: int) -> ClientText | None:
    """The message, if it is a client's text message."""
    row = conn.execute(f"{_CLIENT_TEXT} AND m.id = ?", (*CLIENT_TEXT_KINDS, message_id)).fetchone()
    return _client_text(row) if row else None


_SELECT = (
    "SELECT f.id, f.message_id, f.conversation_id, f.staff_id, s.name, s.display_name,"
    " f.kind, f.level, f.marked_at FROM safety_feedback f JOIN staff s ON s.id = f.staff_id"
)


def _mark(row: Sequence[Any]) -> Mark:
    marked_at = from_db(row[8])
    assert marked_at is not None
    return Mark(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], marked_at)


def mark(
    conn: Tx,
    *,
    message_id: int,
    conversation_id: int,
    staff_id: int,
    kind: str,
    level: str | None,
    at: datetime,
) -> int:
    """Store the staff member's mark on the message, replacing their earlier one. The kind
    and level are checked by the desk (bot/conversation/safety_feedback.py), the one place
    that refuses them with a sentence; the table's CHECKs are the last guard."""
    row = conn.execute(
        "INSERT INTO safety_feedback (message_id, conversation_id, staff_id, kind, level,"
        " marked_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (message_id, staff_id) DO UPDATE SET kind = excluded.kind,"
        " level = excluded.level, marked_at = excluded.marked_at RETURNING id",
        (message_id, conversation_id, staff_id, kind, level, to_db(at)),
    ).fetchone()
    return int(row[0])


def of(conn: Tx, message_id: int, staff_id: int) -> Mark | None:
    """The staff member's mark on the message, if any."""
    row = conn.execute(
        f"{_SELECT} WHERE f.message_id = ? AND f.staff_id = ?", (message_id, staff_id)
    ).fetchone()
    return _mark(row) if row else None


def withdraw(conn: Tx, message_id: int, staff_id: int) -> bool:
    """Remove the staff member's mark on the message; False when there was none."""
    cursor = conn.execute(
        "DELETE FROM safety_feedback WHERE message_id = ? AND staff_id = ?",
        (message_id, staff_id),
    )
    return cursor.rowcount > 0


def for_conversation(conn: Tx, conversation_id: int) -> list[Mark]:
    """Every mark on the conversation's messages, oldest first."""
    rows = conn.execute(
        f"{_SELECT} WHERE f.conversation_id = ? ORDER BY f.message_id, f.marked_at, f.id",
        (conversation_id,),
    ).fetchall()
    return [_mark(row) for row in rows]


def lines_since(conn: Tx, since: datetime | None) -> list[FeedbackLine]:
    """The marked messages as training lines: one per message and label (staff who agree
    make one line; staff who chose different levels make one line each), in the order they
    were first marked. Messages without words (none are markable today) are left out."""
    where = "WHERE m.body IS NOT NULL" + (" AND f.marked_at >= ?" if since is not None else "")
    params: tuple[Any, ...] = (to_db(since),) if since is not None else ()
    rows = conn.execute(
        "SELECT f.message_id, CASE f.kind WHEN 'missed' THEN f.level ELSE 'none' END AS label,"
        " m.body, COUNT(*), MIN(f.marked_at) AS first, c.contact_id"
        " FROM safety_feedback f JOIN messages m ON m.id = f.message_id"
        f" JOIN conversations c ON c.id = m.conversation_id {where}"
        " GROUP BY f.message_id, label ORDER BY first, f.message_id, label",
        params,
    ).fetchall()
    lines = []
    for row in rows:
        first = from_db(row[4])
        assert first is not None
        text = opened(conn, contact_subject(row[5]), "messages", "body", row[0], row[2])
        if text is not None:  # None: the writer was erased since the mark
            lines.append(FeedbackLine(row[0], row[1], text, row[3], first))
    return lines
