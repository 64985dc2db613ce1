"""Alerts as staff read them: their own and those for whoever is on duty, one
conversation's, and every alert for supervisors. An alert about a case conference's action
item (migration 0014) has no conversation, and is always for one named staff member."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.read_side.common import DEFAULT_ROWS, StaffRef, row_limit, staff_ref
from storage.read_side.viewer import VISIBLE_SQL, Viewer
from storage.timefmt import from_db
from storage.tx import Tx, named_rows

_COLUMNS = "a.id, a.kind, a.conversation_id, a.staff_id, a.created_at, a.seen_at, a.action_item_id"


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    conversation_id: int | None  # None: about an action item
    staff_id: int | None  # None: for whoever is on duty
    created_at: datetime
    seen_at: datetime | None
    action_item_id: int | None = None  # a case conference's item (its reminders)


@dataclass(frozen=True)
class AlertRecord:
    alert: AlertView
    addressee: StaffRef | None  # None: whoever was on duty


def _alert(row: Any) -> AlertView:
    return AlertView(
        id=row["id"],
        kind=row["kind"],
        conversation_id=row["conversation_id"],
        staff_id=row["staff_id"],
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        seen_at=from_db(row["seen_at"]),
        action_item_id=row["action_item_id"],
    )


def alerts_where(conn: Tx, condition: str, params: Sequence[Any], limit: int) -> list[AlertView]:
    rows = named_rows(
        conn,
        f"SELECT {_COLUMNS} FROM staff_alerts a"
        f" JOIN conversations c ON c.id = a.conversation_id WHERE {condition}"
        " ORDER BY a.id DESC LIMIT ?",
        (*params, limit),
    )
    return [_alert(row) for row in rows]


def alerts(
    conn: Tx, viewer: Viewer, *, include_seen: bool = False, limit: int = DEFAULT_ROWS
) -> list[AlertView]:
    """Alerts for this staff member, and those for whoever is on duty on conversations they
    can see; newest first."""
    condition = "(a.staff_id = :me OR a.staff_id IS NULL)"
    if not viewer.sees_all:
        condition = f"(a.staff_id = :me OR (a.staff_id IS NULL AND {VISIBLE_SQL}))"
    if not include_seen:
        condition += " AND a.seen_at IS NULL"
    rows = named_rows(
        conn,
        f"SELECT {_COLUMNS} FROM staff_alerts a"
        f" LEFT JOIN conversations c ON c.id = a.conversation_id WHERE {condition}"
        " ORDER BY a.id DESC LIMIT :limit",
        {**viewer.params(), "limit": row_limit(limit)},
    )
    return [_alert(row) for row in rows]


def open_alerts_on(conn: Tx, viewer: Viewer, conversation_id: int) -> list[int]:
    """The ids of one conversation's unseen alerts for this staff member: addressed to
    them, or to whoever is on duty."""
    rows = named_rows(
        conn,
        "SELECT id FROM staff_alerts WHERE conversation_id = ? AND seen_at IS NULL"
        " AND (staff_id = ? OR staff_id IS NULL) ORDER BY id",
        (conversation_id, viewer.staff_id),
    )
    return [row["id"] for row in rows]


def alerts_history(
    conn: Tx, *, kind: str | None = None, limit: int = DEFAULT_ROWS
) -> list[AlertRecord]:
    """Every alert, seen or not, newest first (supervisors)."""
    condition, params = ("WHERE a.kind = ?", [kind]) if kind else ("", [])
    rows = named_rows(
        conn,
        f"SELECT {_COLUMNS}, s.name, s.display_name"
        " FROM staff_alerts a LEFT JOIN staff s ON s.id = a.staff_id"
        f" {condition} ORDER BY a.id DESC LIMIT ?",
        (*params, row_limit(limit)),
    )
    return [
        AlertRecord(_alert(row), staff_ref(row["staff_id"], row["name"], row["display_name"]))
        for row in rows
    ]
