"""Saved replies (定型文): shared ones (no owner) and each staff member's own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.timefmt import from_db, to_db
from storage.tx import Tx


@dataclass(frozen=True)
class SavedReply:
    id: int
    owner_id: int | None  # None: shared by everyone
    title: str
    body: str
    updated_at: datetime

    @property
    def shared(self) -> bool:
        return self.owner_id is None


_SELECT = "SELECT id, owner_id, title, body, updated_at FROM saved_replies"


def _reply(row: Sequence[Any]) -> SavedReply:
    return SavedReply(row[0], row[1], row[2], row[3], from_db(row[4]))  # type: ignore[arg-type]


def add(conn: Tx, *, owner_id: int | None, title: str, body: str, at: datetime) -> int:
    row = conn.execute(
        "INSERT INTO saved_replies (owner_id, title, body, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (owner_id, title, body, to_db(at), to_db(at)),
    ).fetchone()
    return int(row[0])


def get(conn: Tx, reply_id: int) -> SavedReply | None:
    row = conn.execute(f"{_SELECT} WHERE id = ?", (reply_id,)).fetchone()
    return _reply(row) if row else None


def update(conn: Tx, reply_id: int, *, title: str, body: str, at: datetime) -> None:
    conn.execute(
        "UPDATE saved_replies SET title = ?, body = ?, updated_at = ? WHERE id = ?",
        (title, body, to_db(at), reply_id),
    )


def delete(conn: Tx, reply_id: int) -> None:
    conn.execute("DELETE FROM saved_replies WHERE id = ?", (reply_id,))


def visible_to(conn: Tx, staff_id: int) -> list[SavedReply]:
    """The shared ones, then the staff member's own, each by title."""
    rows = conn.execute(
        f"{_SELECT} WHERE owner_id IS NULL OR owner_id = ?"
        " ORDER BY owner_id IS NOT NULL, title, id",
        (staff_id,),
    ).fetchall()
    return [_reply(row) for row in rows]
