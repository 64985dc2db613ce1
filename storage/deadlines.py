"""Deadlines: every pending acknowledgement, reminder and escalation is a row.

APScheduler only wakes us up; the row decides. A firing claims its row atomically, and a
row whose generation is older than its conversation's is stale and does nothing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Deadline:
    id: int
    conversation_id: int
    kind: str
    due_at: datetime
    generation: int
    payload: dict[str, Any]


def _from_row(row: sqlite3.Row) -> Deadline:
    return Deadline(
        id=row[0],
        conversation_id=row[1],
        kind=row[2],
        due_at=from_db(row[3]),  # type: ignore[arg-type]
        generation=row[4],
        payload=json.loads(row[5]) if row[5] else {},
    )


_COLUMNS = "id, conversation_id, kind, due_at, generation, payload"


def add(
    conn: sqlite3.Connection,
    *,
    conversation_id: int,
    kind: str,
    due_at: datetime,
    generation: int,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> Deadline:
    cursor = conn.execute(
        "INSERT INTO deadlines (conversation_id, kind, due_at, generation, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            kind,
            to_db(due_at),
            generation,
            json.dumps(payload, ensure_ascii=False) if payload else None,
            to_db(at),
        ),
    )
    return Deadline(
        int(cursor.lastrowid or 0), conversation_id, kind, due_at, generation, payload or {}
    )


def cancel_pending(conn: sqlite3.Connection, conversation_id: int) -> int:
    cursor = conn.execute(
        "UPDATE deadlines SET status = 'cancelled'"
        " WHERE conversation_id = ? AND status = 'pending'",
        (conversation_id,),
    )
    return cursor.rowcount


def claim(conn: sqlite3.Connection, deadline_id: int, now: datetime) -> Deadline | None:
    """Take a due, still pending row (exactly one caller ever gets it)."""
    row = conn.execute(
        f"UPDATE deadlines SET status = 'fired', fired_at = ?"
        f" WHERE id = ? AND status = 'pending' AND due_at <= ? RETURNING {_COLUMNS}",
        (to_db(now), deadline_id, to_db(now)),
    ).fetchone()
    return _from_row(row) if row else None


async def for_conversation(db: Database, conversation_id: int) -> list[tuple[str, str, str]]:
    """(kind, status, due_at) of every deadline of a conversation, for staff and tests."""
    rows = await db.fetch_all(
        "SELECT kind, status, due_at FROM deadlines WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def mark_stale(conn: sqlite3.Connection, deadline_id: int) -> None:
    """A claimed row whose conversation moved on (answered, resolved, newer burst)."""
    conn.execute("UPDATE deadlines SET status = 'cancelled' WHERE id = ?", (deadline_id,))


async def due_ids(db: Database, now: datetime, limit: int = 256) -> list[int]:
    rows = await db.fetch_all(
        "SELECT id FROM deadlines WHERE status = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?",
        (to_db(now), limit),
    )
    return [row[0] for row in rows]


async def next_due(db: Database) -> datetime | None:
    row = await db.fetch_one("SELECT MIN(due_at) FROM deadlines WHERE status = 'pending'")
    return from_db(row[0]) if row and row[0] else None


async def counts_by_status(db: Database) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM deadlines GROUP BY status")
    return {row[0]: row[1] for row in rows}
