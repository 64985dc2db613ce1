"""Deadlines: every pending acknowledgement, reminder and escalation is a row.

APScheduler only wakes us up; the row decides. A firing claims its row atomically, and a
row whose generation is older than its conversation's is stale and does nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.statuses import DeadlineStatus
from storage.timefmt import from_db, to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all
from storage.tx import fetch_one as _one


@dataclass(frozen=True)
class Deadline:
    id: int
    conversation_id: int
    kind: str
    due_at: datetime
    generation: int
    payload: dict[str, Any]


def from_row(row: Any) -> Deadline:
    return Deadline(
        id=row[0],
        conversation_id=row[1],
        kind=row[2],
        due_at=from_db(row[3]),  # type: ignore[arg-type]
        generation=row[4],
        payload=json.loads(row[5]) if row[5] else {},
    )


COLUMNS = "id, conversation_id, kind, due_at, generation, payload"


def add(
    conn: Tx,
    *,
    conversation_id: int,
    kind: str,
    due_at: datetime,
    generation: int,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> Deadline:
    row = conn.execute(
        "INSERT INTO deadlines (conversation_id, kind, due_at, generation, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (
            conversation_id,
            kind,
            to_db(due_at),
            generation,
            json.dumps(payload, ensure_ascii=False) if payload else None,
            to_db(at),
        ),
    ).fetchone()
    return Deadline(int(row[0]), conversation_id, kind, due_at, generation, payload or {})


def cancel_pending(conn: Tx, conversation_id: int, kinds: tuple[str, ...] = ()) -> int:
    """Cancel the conversation's pending deadlines (only those of `kinds`, when given)."""
    only = f" AND kind IN ({','.join('?' * len(kinds))})" if kinds else ""
    cursor = conn.execute(
        f"UPDATE deadlines SET status = '{DeadlineStatus.CANCELLED}'"
        f" WHERE conversation_id = ? AND status = '{DeadlineStatus.PENDING}'{only}",
        (conversation_id, *kinds),
    )
    return cursor.rowcount


def for_conversation(conn: Tx, conversation_id: int) -> list[tuple[str, str, str]]:
    """(kind, status, due_at) of every deadline of a conversation, for staff and tests."""
    rows = _all(
        conn,
        "SELECT kind, status, due_at FROM deadlines WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def mark_stale(conn: Tx, deadline_id: int) -> None:
    """A claimed row whose conversation moved on (answered, resolved, newer burst)."""
    conn.execute(
        f"UPDATE deadlines SET status = '{DeadlineStatus.CANCELLED}' WHERE id = ?", (deadline_id,)
    )


def due_ids(conn: Tx, now: datetime, limit: int = 256) -> list[int]:
    rows = _all(
        conn,
        f"SELECT id FROM deadlines WHERE status = '{DeadlineStatus.PENDING}' AND due_at <= ?"
        " ORDER BY due_at LIMIT ?",
        (to_db(now), limit),
    )
    return [row[0] for row in rows]


def next_due(conn: Tx) -> datetime | None:
    row = _one(conn, f"SELECT MIN(due_at) FROM deadlines WHERE status = '{DeadlineStatus.PENDING}'")
    return from_db(row[0]) if row and row[0] else None


def counts_by_status(conn: Tx) -> dict[str, int]:
    rows = _all(conn, "SELECT status, COUNT(*) FROM deadlines GROUP BY status")
    return {row[0]: row[1] for row in rows}
