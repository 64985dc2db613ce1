"""Which conversations were moved to a cover for a leave, and back (see 0007_team.sql)."""

from __future__ import annotations

from datetime import date, datetime

from storage.statuses import HUMAN_OWNED, sql_list
from storage.timefmt import to_db
from storage.tx import Tx

_OPEN = sql_list(HUMAN_OWNED)


def set_note(conn: Tx, leave_id: int, set_by: int, note: str | None) -> None:
    conn.execute(
        "UPDATE staff_leave SET set_by = ?, note = ? WHERE id = ?", (set_by, note, leave_id)
    )


def leave_extra(conn: Tx, leave_id: int) -> tuple[int | None, str | None]:
    row = conn.execute("SELECT set_by, note FROM staff_leave WHERE id = ?", (leave_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def open_with_recent_leave(conn: Tx, since: date) -> list[tuple[int, int]]:
    """(conversation id, counselor id) of open conversations whose counselor has leave
    ending on or after `since` (candidates; the caller checks the local day)."""
    rows = conn.execute(
        "SELECT DISTINCT c.id, c.counselor_id FROM conversations c"
        " JOIN staff_leave l ON l.staff_id = c.counselor_id"
        f" WHERE c.status IN {_OPEN} AND l.ends_on >= ? ORDER BY c.id",
        (since.isoformat(),),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def started_not_ended(conn: Tx) -> list[tuple[int, int, int | None]]:
    """(leave id, conversation id, cover id) moved to a cover and not yet back, still open."""
    rows = conn.execute(
        "SELECT m.leave_id, m.conversation_id, m.cover_id FROM leave_moves m"
        " JOIN conversations c ON c.id = m.conversation_id"
        f" WHERE m.phase = 'started' AND c.status IN {_OPEN} AND NOT EXISTS ("
        "  SELECT 1 FROM leave_moves e WHERE e.leave_id = m.leave_id"
        "  AND e.conversation_id = m.conversation_id AND e.phase = 'ended')"
        " ORDER BY m.conversation_id",
    ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def done(conn: Tx, leave_id: int, conversation_id: int, phase: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM leave_moves WHERE leave_id = ? AND conversation_id = ? AND phase = ?",
        (leave_id, conversation_id, phase),
    ).fetchone()
    return row is not None


def record(
    conn: Tx, leave_id: int, conversation_id: int, phase: str, cover_id: int | None, at: datetime
) -> None:
    conn.execute(
        "INSERT INTO leave_moves (leave_id, conversation_id, phase, cover_id, at)"
        " VALUES (?, ?, ?, ?, ?)",
        (leave_id, conversation_id, phase, cover_id, to_db(at)),
    )
