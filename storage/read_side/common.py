"""What every view of the read side shares: row limits, a staff member as a reference,
and a stored JSON object read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.tx import Tx, named_rows

MAX_ROWS = 500
DEFAULT_ROWS = 100


def row_limit(limit: int) -> int:
    """A requested number of rows, kept within 1..MAX_ROWS."""
    return max(1, min(limit, MAX_ROWS))


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str
    display_name: str


def staff_ref(staff_id: int | None, name: str | None, display_name: str | None) -> StaffRef | None:
    if staff_id is None:
        return None
    return StaffRef(staff_id, name or "", display_name or "")


def staff_refs(conn: Tx, ids: set[int]) -> dict[int, StaffRef]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = named_rows(
        conn, f"SELECT id, name, display_name FROM staff WHERE id IN ({marks})", tuple(ids)
    )
    return {row["id"]: StaffRef(row["id"], row["name"], row["display_name"]) for row in rows}


def json_object(text: str | None) -> dict[str, Any] | None:
    """A stored JSON object (an intake, an audit detail); None when absent or not one."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
