"""Alerts for staff: a reminder to a counselor, an escalation to a pair or supervisor.

An alert is about a conversation, or (migration 0014) about a case conference's action
item: exactly one of `conversation_id` and `action_item_id` is set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.timefmt import to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all


@dataclass(frozen=True)
class Alert:
    id: int
    staff_id: int | None
    conversation_id: int | None
    kind: str
    created_at: str
    action_item_id: int | None = None


def add(
    conn: Tx,
    *,
    staff_id: int | None,
    conversation_id: int | None,
    kind: str,
    at: datetime,
    action_item_id: int | None = None,
) -> int:
    row = conn.execute(
        "INSERT INTO staff_alerts (staff_id, conversation_id, action_item_id, kind, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (staff_id, conversation_id, action_item_id, kind, to_db(at)),
    ).fetchone()
    return int(row[0])


def for_conversation(conn: Tx, conversation_id: int) -> list[Alert]:
    rows = _all(
        conn,
        "SELECT id, staff_id, conversation_id, kind, created_at FROM staff_alerts"
        " WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [Alert(*tuple(row)) for row in rows]


def for_action_item(conn: Tx, action_item_id: int) -> list[Alert]:
    rows = _all(
        conn,
        "SELECT id, staff_id, conversation_id, kind, created_at, action_item_id"
        " FROM staff_alerts WHERE action_item_id = ? ORDER BY id",
        (action_item_id,),
    )
    return [Alert(*tuple(row)) for row in rows]


def open_of_kind(conn: Tx, conversation_id: int, kind: str) -> bool:
    """Whether an alert of this kind about the conversation is still unseen."""
    row = conn.execute(
        "SELECT 1 FROM staff_alerts WHERE conversation_id = ? AND kind = ? AND seen_at IS NULL"
        " LIMIT 1",
        (conversation_id, kind),
    ).fetchone()
    return row is not None


def get(conn: Tx, alert_id: int) -> Alert | None:
    row = conn.execute(
        "SELECT id, staff_id, conversation_id, kind, created_at, action_item_id"
        " FROM staff_alerts WHERE id = ?",
        (alert_id,),
    ).fetchone()
    return Alert(*tuple(row)) if row else None


def mark_seen(conn: Tx, alert_id: int, staff_id: int, at: datetime) -> bool:
    """A staff member saw an alert addressed to them or to whoever is on duty."""
    cursor = conn.execute(
        "UPDATE staff_alerts SET seen_at = ? WHERE id = ? AND seen_at IS NULL"
        " AND (staff_id = ? OR staff_id IS NULL)",
        (to_db(at), alert_id, staff_id),
    )
    return cursor.rowcount > 0
