"""Notes staff write for each other on a conversation: never part of the transcript.

A private note is for whoever works the conversation; a handover note (申し送り) is addressed
to one colleague or, with no addressee, to the next shift, and is listed on the handover
page of the day it was written. Notes are kept in `staff_notes`, which nothing that sends
reads: they cannot reach the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.timefmt import from_db, to_db
from storage.tx import Tx

KINDS = ("private", "handover")


@dataclass(frozen=True)
class Note:
    id: int
    conversation_id: int
    author_id: int
    author_name: str
    kind: str
    to_staff_id: int | None
    to_staff_name: str | None
    body: str
    created_at: datetime


_SELECT = (
    "SELECT n.id, n.conversation_id, n.author_id, a.display_name, n.kind, n.to_staff_id,"
    " t.display_name, n.body, n.created_at FROM staff_notes n"
    " JOIN staff a ON a.id = n.author_id LEFT JOIN staff t ON t.id = n.to_staff_id"
)


def _note(row: Sequence[Any]) -> Note:
    return Note(
        id=row[0],
        conversation_id=row[1],
        author_id=row[2],
        author_name=row[3],
        kind=row[4],
        to_staff_id=row[5],
        to_staff_name=row[6],
        body=row[7],
        created_at=from_db(row[8]),  # type: ignore[arg-type]
    )


def add(
    conn: Tx,
    *,
    conversation_id: int,
    author_id: int,
    kind: str,
    body: str,
    at: datetime,
    to_staff_id: int | None = None,
) -> int:
    if kind not in KINDS:
        raise ValueError(f"unknown note kind {kind!r}; kinds: {', '.join(KINDS)}")
    row = conn.execute(
        "INSERT INTO staff_notes (conversation_id, author_id, kind, to_staff_id, body, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (conversation_id, author_id, kind, to_staff_id, body, to_db(at)),
    ).fetchone()
    return int(row[0])


def get(conn: Tx, note_id: int) -> Note | None:
    row = conn.execute(f"{_SELECT} WHERE n.id = ?", (note_id,)).fetchone()
    return _note(row) if row else None


def for_conversation(conn: Tx, conversation_id: int, limit: int = 500) -> list[Note]:
    """Oldest first, as the history shows them."""
    rows = conn.execute(
        f"{_SELECT} WHERE n.conversation_id = ? ORDER BY n.id DESC LIMIT ?",
        (conversation_id, limit),
    ).fetchall()
    return [_note(row) for row in reversed(rows)]


def handovers_between(conn: Tx, start: datetime, end: datetime, limit: int = 500) -> list[Note]:
    """Handover notes written in [start, end), oldest first."""
    rows = conn.execute(
        f"{_SELECT} WHERE n.kind = 'handover' AND n.created_at >= ? AND n.created_at < ?"
        " ORDER BY n.id LIMIT ?",
        (to_db(start), to_db(end), limit),
    ).fetchall()
    return [_note(row) for row in rows]
