"""Conversations: a contact's current thread with us, its flow state and who owns it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.timefmt import to_db


@dataclass(frozen=True)
class Conversation:
    id: int
    contact_id: int
    status: str
    flow_state: str | None
    topic: str | None
    intake: str | None
    counselor_id: int | None


_COLUMNS = "id, contact_id, status, flow_state, topic, intake, counselor_id"


def _from_row(row: sqlite3.Row) -> Conversation:
    return Conversation(*tuple(row))


def open_for_contact(conn: sqlite3.Connection, contact_id: int, at: datetime) -> Conversation:
    """The contact's open conversation, created when there is none."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM conversations WHERE contact_id = ? AND status != 'resolved'",
        (contact_id,),
    ).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO conversations (contact_id, opened_at, updated_at) VALUES (?, ?, ?)",
            (contact_id, to_db(at), to_db(at)),
        )
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM conversations WHERE contact_id = ? AND status != 'resolved'",
            (contact_id,),
        ).fetchone()
    return _from_row(row)


def save_bot_state(
    conn: sqlite3.Connection,
    conversation_id: int,
    *,
    flow_state: str | None,
    status: str,
    topic: str | None,
    intake: str | None,
    at: datetime,
) -> None:
    conn.execute(
        "UPDATE conversations SET flow_state = ?, status = ?, topic = COALESCE(?, topic),"
        " intake = COALESCE(?, intake), updated_at = ? WHERE id = ?",
        (flow_state, status, topic, intake, to_db(at), conversation_id),
    )


async def open_for(db: Database, contact_id: int) -> Conversation | None:
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM conversations WHERE contact_id = ? AND status != 'resolved'",
        (contact_id,),
    )
    return _from_row(row) if row else None
