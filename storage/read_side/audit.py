"""The audit log as supervisors read it: who did or looked at what, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.read_side.common import DEFAULT_ROWS, StaffRef, json_object, row_limit, staff_ref
from storage.timefmt import from_db, to_db
from storage.tx import Tx, named_rows


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    staff: StaffRef | None
    action: str
    conversation_id: int | None
    detail: dict[str, Any] | None


def audit_entries(
    conn: Tx,
    conversation_id: int | None = None,
    limit: int = DEFAULT_ROWS,
    *,
    staff_id: int | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[AuditEntry]:
    """Newest first: everyone's, or filtered by conversation, staff member, action and a
    time range [start, end)."""
    conditions: list[str] = []
    params: list[Any] = []
    for sql, value in (
        ("a.conversation_id = ?", conversation_id),
        ("a.staff_id = ?", staff_id),
        ("a.action = ?", action),
        ("a.at >= ?", to_db(start) if start else None),
        ("a.at < ?", to_db(end) if end else None),
    ):
        if value is not None:
            conditions.append(sql)
            params.append(value)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = named_rows(
        conn,
        "SELECT a.id, a.at, s.id AS staff_id, s.name, s.display_name, a.action,"
        " a.conversation_id, a.detail"
        f" FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id {where}"
        " ORDER BY a.id DESC LIMIT ?",
        (*params, row_limit(limit)),
    )
    return [
        AuditEntry(
            id=row["id"],
            at=from_db(row["at"]),  # type: ignore[arg-type]
            staff=staff_ref(row["staff_id"], row["name"], row["display_name"]),
            action=row["action"],
            conversation_id=row["conversation_id"],
            detail=json_object(row["detail"]),
        )
        for row in rows
    ]


def audit_actions(conn: Tx) -> list[str]:
    """Every action the audit log holds, for the filter."""
    rows = conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1").fetchall()
    return [row[0] for row in rows]
