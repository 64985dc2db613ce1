"""The conversation transcript: what the client wrote and what we answered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.statuses import ACKNOWLEDGING, STAFF_AUTHOR_PREFIX, sql_list
from storage.timefmt import from_db, to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    direction: str
    author: str
    kind: str
    body: str | None
    created_at: datetime


def add(
    conn: Tx,
    conversation_id: int,
    *,
    direction: str,
    author: str,
    kind: str,
    body: str | None,
    at: datetime,
    inbound_event_id: int | None = None,
) -> int:
    row = conn.execute(
        "INSERT INTO messages"
        " (conversation_id, direction, author, kind, body, inbound_event_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (conversation_id, direction, author, kind, body, inbound_event_id, to_db(at)),
    ).fetchone()
    return int(row[0])


def for_conversation(conn: Tx, conversation_id: int) -> list[Message]:
    rows = _all(
        conn,
        "SELECT id, conversation_id, direction, author, kind, body, created_at"
        " FROM messages WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [Message(row[0], row[1], row[2], row[3], row[4], row[5], _at(row[6])) for row in rows]


def _at(text: str) -> datetime:
    at = from_db(text)
    assert at is not None  # created_at is NOT NULL
    return at


def acknowledgement_due(conn: Tx, conversation_id: int) -> bool:
    """No acknowledgement yet since staff last answered: once per unanswered burst.

    The handoff's own announcement (who answers, by when) counts as the first burst's.
    """
    row = conn.execute(
        f"SELECT MAX(CASE WHEN author LIKE '{STAFF_AUTHOR_PREFIX}%' THEN id END),"
        f" MAX(CASE WHEN kind IN {sql_list(ACKNOWLEDGING)} THEN id END)"
        " FROM messages WHERE conversation_id = ?",
        (conversation_id,),
    ).fetchone()
    last_staff, last_ack = row[0], row[1]
    return last_ack is None or (last_staff is not None and last_staff > last_ack)


def last_client_message_at(conn: Tx, conversation_id: int) -> datetime | None:
    row = conn.execute(
        "SELECT MAX(created_at) FROM messages WHERE conversation_id = ? AND author = 'client'",
        (conversation_id,),
    ).fetchone()
    return from_db(row[0]) if row else None
