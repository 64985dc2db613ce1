"""The conversation transcript: what the client wrote and what we answered."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.timefmt import from_db, to_db


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
    conn: sqlite3.Connection,
    conversation_id: int,
    *,
    direction: str,
    author: str,
    kind: str,
    body: str | None,
    at: datetime,
    inbound_event_id: int | None = None,
) -> int:
    cursor = conn.execute(
        "INSERT INTO messages"
        " (conversation_id, direction, author, kind, body, inbound_event_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (conversation_id, direction, author, kind, body, inbound_event_id, to_db(at)),
    )
    return int(cursor.lastrowid or 0)


async def for_conversation(db: Database, conversation_id: int) -> list[Message]:
    rows = await db.fetch_all(
        "SELECT id, conversation_id, direction, author, kind, body, created_at"
        " FROM messages WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [Message(*tuple(row)[:6], from_db(row[6])) for row in rows]  # type: ignore[arg-type]


def acknowledgement_due(conn: sqlite3.Connection, conversation_id: int) -> bool:
    """No acknowledgement yet since staff last answered: once per unanswered burst.

    The handoff's own announcement (who answers, by when) counts as the first burst's.
    """
    row = conn.execute(
        "SELECT MAX(CASE WHEN author LIKE 'staff:%' THEN id END),"
        " MAX(CASE WHEN kind IN ('ack', 'handoff') THEN id END)"
        " FROM messages WHERE conversation_id = ?",
        (conversation_id,),
    ).fetchone()
    last_staff, last_ack = row[0], row[1]
    return last_ack is None or (last_staff is not None and last_staff > last_ack)


def last_client_message_at(conn: sqlite3.Connection, conversation_id: int) -> datetime | None:
    row = conn.execute(
        "SELECT MAX(created_at) FROM messages WHERE conversation_id = ? AND author = 'client'",
        (conversation_id,),
    ).fetchone()
    return from_db(row[0]) if row else None
