"""Contacts: one row per person per channel (a LINE user, a web chat visitor).

The platform's id of a person is stored sealed with their own data key (issue 23); every
lookup goes by `user_hash`, the keyring's keyed hash of (channel, platform id). Readers get
the id opened, as a plain str.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.sealing import contact_subject, keyring_of, next_row_id
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


def _from_row(conn: Tx, row: Any) -> Contact:
    return Contact(row[0], row[1], open_user_id(conn, row[0], row[2]), bool(row[3]), row[4], row[5])


def open_user_id(conn: Tx, contact_id: int, stored: Any) -> str:
    """The platform id as stored in contacts.platform_user_id, opened."""
    opened = keyring_of(conn).open(
        conn, contact_subject(contact_id), "contacts", "platform_user_id", contact_id, stored
    )
    return opened or ""


def find_or_add(conn: Tx, channel: str, platform_user_id: str, at: datetime) -> tuple[int, str]:
    """The contact's id and user hash, the contact made (reachable, seen `at`) when new.
    Run by the write job that stores a person's event, so the event can be sealed with
    their key; being seen again is the turn's to record (`seen`)."""
    keyring = keyring_of(conn)
    user_hash = keyring.user_hash(channel, platform_user_id)
    row = conn.execute(
        "SELECT id FROM contacts WHERE channel = ? AND user_hash = ?", (channel, user_hash)
    ).fetchone()
    if row is not None:
        return int(row[0]), user_hash
    contact_id = next_row_id(conn, "contacts")
    sealed = keyring.seal(
        conn,
        contact_subject(contact_id),
        "contacts",
        "platform_user_id",
        contact_id,
        platform_user_id,
    )
    conn.execute(
        "INSERT INTO contacts (id, channel, user_hash, platform_user_id, created_at,"
        " last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        (contact_id, channel, user_hash, sealed, to_db(at), to_db(at)),
    )
    return contact_id, user_hash


def seen(conn: Tx, contact_id: int, at: datetime) -> Contact | None:
    """The contact wrote to us (or followed): reachable again, and seen `at`. None if the
    contact is gone (erased since their event was stored)."""
    row = conn.execute(
        f"UPDATE contacts SET reachable = 1, last_seen_at = ? WHERE id = ? RETURNING {_COLUMNS}",
        (to_db(at), contact_id),
    ).fetchone()
    return _from_row(conn, row) if row else None


def upsert_seen(conn: Tx, channel: str, platform_user_id: str, at: datetime) -> Contact:
    """The contact wrote to us (or followed): create it, or mark it reachable and seen."""
    contact_id, _ = find_or_add(conn, channel, platform_user_id, at)
    contact = seen(conn, contact_id, at)
    assert contact is not None  # found or made in this very transaction
    return contact


def set_unreachable(conn: Tx, contact_id: int) -> None:
    conn.execute("UPDATE contacts SET reachable = 0 WHERE id = ?", (contact_id,))


def find(conn: Tx, channel: str, platform_user_id: str) -> Contact | None:
    user_hash = keyring_of(conn).user_hash(channel, platform_user_id)
    row = _one(
        conn,
        f"SELECT {_COLUMNS} FROM contacts WHERE channel = ? AND user_hash = ?",
        (channel, user_hash),
    )
    return _from_row(conn, row) if row else None


def get(conn: Tx, contact_id: int) -> Contact | None:
    row = _one(conn, f"SELECT {_COLUMNS} FROM contacts WHERE id = ?", (contact_id,))
    return _from_row(conn, row) if row else None


def set_counselor(conn: Tx, contact_id: int, counselor_id: int) -> None:
    """Remember who answered this person, so a return goes to them again (continuity)."""
    conn.execute("UPDATE contacts SET counselor_id = ? WHERE id = ?", (counselor_id, contact_id))
