"""Notes staff write for each other on a conversation: never part of the transcript.

A private note is for whoever works the conversation; a handover note (申し送り) is addressed
to one colleague or, with no addressee, to the next shift, and is listed on the handover
page of the day it was written. Notes are kept in `staff_notes`, which nothing that sends
reads: they cannot reach the client.

A note is about a person, so its body is sealed with the key of the conversation's contact
(storage/sealing), bound to the note's row; it is opened here, and callers see plain text.
Nothing filters or sorts on the body in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.sealing import keyring_of, next_row_id
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


def _note(conn: Tx, row: Sequence[Any]) -> Note:
    keyring = keyring_of(conn)
    subject = keyring.conversation_subject(conn, row[1])
    body = keyring.open(conn, subject, "staff_notes", "body", row[0], row[7])
    return Note(
        id=row[0],
        conversation_id=row[1],
        author_id=row[2],
        author_name=row[3],
        kind=row[4],
        to_staff_id=row[5],
        to_staff_name=row[6],
        body=body or "",
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
    keyring = keyring_of(conn)
    note_id = next_row_id(conn, "staff_notes")
    sealed = keyring.seal(
        conn,
        keyring.conversation_subject(conn, conversation_id),
        "staff_notes",
        "body",
        note_id,
        body,
    )
    conn.execute(
        "INSERT INTO staff_notes (id, conversation_id, author_id, kind, to_staff_id, body,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (note_id, conversation_id, author_id, kind, to_staff_id, sealed, to_db(at)),
    )
    return note_id


def get(conn: Tx, note_id: int) -> Note | None:
    row = conn.execute(f"{_SELECT} WHERE n.id = ?", (note_id,)).fetchone()
    return _note(conn, row) if row else None


def for_conversation(conn: Tx, conversation_id: int, limit: int = 500) -> list[Note]:
    """Oldest first, as the history shows them."""
    rows = conn.execute(
        f"{_SELECT} WHERE n.conversation_id = ? ORDER BY n.id DESC LIMIT ?",
        (conversation_id, limit),
    ).fetchall()
    return [_note(conn, row) for row in reversed(rows)]


def handovers_between(conn: Tx, start: datetime, end: datetime, limit: int = 500) -> list[Note]:
    """Handover notes written in [start, end), oldest first."""
    rows = conn.execute(
        f"{_SELECT} WHERE n.kind = 'handover' AND n.created_at >= ? AND n.created_at < ?"
        " ORDER BY n.id LIMIT ?",
        (to_db(start), to_db(end), limit),
    ).fetchall()
    return [_note(conn, row) for row in rows]
