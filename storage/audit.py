"""The audit log: which staff member did or looked at what, and when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.timefmt import to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all


def record(
    conn: Tx,
    *,
    staff_id: int | None,
    action: str,
    conversation_id: int | None,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (at, staff_id, action, conversation_id, detail)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            to_db(at),
            staff_id,
            action,
            conversation_id,
            json.dumps(detail, ensure_ascii=False) if detail else None,
        ),
    )


def for_conversation(conn: Tx, conversation_id: int) -> list[tuple[int | None, str]]:
    rows = _all(
        conn,
        "SELECT staff_id, action FROM audit_log WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [(row[0], row[1]) for row in rows]
