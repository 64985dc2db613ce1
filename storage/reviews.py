"""The weekly review (assignment = "review"): when each review was closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.timefmt import from_db, to_db
from storage.tx import Tx


@dataclass(frozen=True)
class Review:
    id: int
    staff_id: int
    closed_at: datetime
    accepted: int


def last(conn: Tx) -> Review | None:
    row = conn.execute(
        "SELECT id, staff_id, closed_at, accepted FROM intake_reviews ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return Review(row[0], row[1], from_db(row[2]), row[3])  # type: ignore[arg-type]


def close(conn: Tx, staff_id: int, accepted: int, at: datetime) -> int:
    row = conn.execute(
        "INSERT INTO intake_reviews (staff_id, closed_at, accepted) VALUES (?, ?, ?) RETURNING id",
        (staff_id, to_db(at), accepted),
    ).fetchone()
    return int(row[0])


def accepted_since(conn: Tx, since: datetime | None) -> int:
    """How many cases supervisors accepted since the last review (the audit says)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'accept' AND at > ?",
        (to_db(since) if since else "",),
    ).fetchone()
    return int(row[0])
