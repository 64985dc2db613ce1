"""Contacts: one row per person per channel (a LINE user, a web chat visitor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.timefmt import to_db
from storage.tx import Tx
from storage.tx import fetch_one as _one


@dataclass(frozen=True)
class Contact:
    id: int
    channel: str
    platform_user_id: str
    reachable: bool
    language: str
    counselor_id: int | None


_COLUMNS = "id, channel, platform_user_id, reachable, language, counselor_id"


def _from_row(row: Any) -> Contact:
    return Contact(row[0], row[1], row[2], bool(row[3]), row[4], row[5])


def upsert_seen(conn: Tx, channel: str, platform_user_id: str, at: datetime) -> Contact:
    """The contact wrote to us (or followed): create it, or mark it reachable and seen."""
    row = conn.execute(
        "INSERT INTO contacts (channel, platform_user_id, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, platform_user_id)"
        " DO UPDATE SET reachable = 1, last_seen_at = excluded.last_seen_at"
        f" RETURNING {_COLUMNS}",
        (channel, platform_user_id, to_db(at), to_db(at)),
    ).fetchone()
    return _from_row(row)


def set_unreachable(conn: Tx, contact_id: int) -> None:
    conn.execute("UPDATE contacts SET reachable = 0 WHERE id = ?", (contact_id,))


def find(conn: Tx, channel: str, platform_user_id: str) -> Contact | None:
    row = _one(
        conn,
        f"SELECT {_COLUMNS} FROM contacts WHERE channel = ? AND platform_user_id = ?",
        (channel, platform_user_id),
    )
    return _from_row(row) if row else None


def get(conn: Tx, contact_id: int) -> Contact | None:
    row = _one(conn, f"SELECT {_COLUMNS} FROM contacts WHERE id = ?", (contact_id,))
    return _from_row(row) if row else None


def set_counselor(conn: Tx, contact_id: int, counselor_id: int) -> None:
    """Remember who answered this person, so a return goes to them again (continuity)."""
    conn.execute("UPDATE contacts SET counselor_id = ? WHERE id = ?", (counselor_id, contact_id))
