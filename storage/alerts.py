"""Alerts for staff: a reminder to a counselor, an escalation to a pair or supervisor."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.timefmt import to_db


@dataclass(frozen=True)
class Alert:
    id: int
    staff_id: int | None
    conversation_id: int
    kind: str
    created_at: str


def add(
    conn: sqlite3.Connection,
    *,
    staff_id: int | None,
    conversation_id: int,
    kind: str,
    at: datetime,
) -> int:
    cursor = conn.execute(
        "INSERT INTO staff_alerts (staff_id, conversation_id, kind, created_at)"
        " VALUES (?, ?, ?, ?)",
        (staff_id, conversation_id, kind, to_db(at)),
    )
    return int(cursor.lastrowid or 0)


async def for_conversation(db: Database, conversation_id: int) -> list[Alert]:
    rows = await db.fetch_all(
        "SELECT id, staff_id, conversation_id, kind, created_at FROM staff_alerts"
        " WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [Alert(*tuple(row)) for row in rows]
