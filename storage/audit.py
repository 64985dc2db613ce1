"""The audit log: which staff member did or looked at what, and when."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.timefmt import to_db


def record(
    conn: sqlite3.Connection,
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


async def for_conversation(db: Database, conversation_id: int) -> list[tuple[int | None, str]]:
    rows = await db.fetch_all(
        "SELECT staff_id, action FROM audit_log WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    return [(row[0], row[1]) for row in rows]
