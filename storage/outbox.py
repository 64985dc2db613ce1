"""The outbox: every outbound message is a row before anything is sent.

A row is one platform API call (LINE allows 5 messages per call). It keeps the retry key
it will be pushed with, so a retry after a timeout never delivers twice.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class OutboxRow:
    id: int
    contact_id: int
    conversation_id: int | None
    channel: str
    platform_user_id: str
    reachable: bool
    messages_json: str  # a JSON array of LINE message objects, sent as it is
    reply_token: str | None
    reply_deadline: datetime | None
    retry_key: str
    status: str
    method: str | None
    attempts: int
    last_error: str | None = None
    # Some attempt may have reached LINE: only the reply token or retry key can tell now.
    maybe_sent: bool = False


def enqueue(
    conn: sqlite3.Connection,
    *,
    contact_id: int,
    conversation_id: int | None,
    channel: str,
    calls: list[str],
    reply_token: str | None,
    reply_deadline: datetime | None,
    at: datetime,
) -> list[int]:
    """Queue one row per API call; only the first may use the (single-use) reply token."""
    ids = []
    for index, messages_json in enumerate(calls):
        token = reply_token if index == 0 else None
        cursor = conn.execute(
            "INSERT INTO outbox (contact_id, conversation_id, channel, messages, reply_token,"
            " reply_deadline, retry_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                contact_id,
                conversation_id,
                channel,
                messages_json,
                token,
                to_db(reply_deadline) if token and reply_deadline else None,
                str(uuid.uuid4()),
                to_db(at),
            ),
        )
        ids.append(int(cursor.lastrowid or 0))
    return ids


def claim_for_sending(conn: sqlite3.Connection, row_id: int, method: str) -> bool:
    """Record an attempt before the call (from now on it may have reached LINE, even if we
    crash). False when the row was cancelled meanwhile."""
    cursor = conn.execute(
        "UPDATE outbox SET status = 'sending', method = ?, attempts = attempts + 1,"
        " maybe_sent = 1"
        " WHERE id = ? AND status IN ('pending', 'sending')",
        (method, row_id),
    )
    return cursor.rowcount == 1


def mark_delivered(
    conn: sqlite3.Connection, row_id: int, at: datetime, note: str | None = None
) -> None:
    conn.execute(
        "UPDATE outbox SET status = 'delivered', sent_at = ?, last_error = ? WHERE id = ?",
        (to_db(at), note, row_id),
    )


def mark_retry(conn: sqlite3.Connection, row_id: int, error: str, maybe_sent: bool) -> None:
    """To be tried again; `maybe_sent` False only if no attempt so far can have reached LINE."""
    conn.execute(
        "UPDATE outbox SET status = 'pending', last_error = ?, maybe_sent = ? WHERE id = ?",
        (error[:500], int(maybe_sent), row_id),
    )


def mark_failed(conn: sqlite3.Connection, row_id: int, error: str) -> None:
    conn.execute(
        "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", (error[:500], row_id)
    )


def cancel_open_for_contact(conn: sqlite3.Connection, contact_id: int, reason: str) -> int:
    cursor = conn.execute(
        "UPDATE outbox SET status = 'cancelled', last_error = ?"
        " WHERE contact_id = ? AND status IN ('pending', 'sending')",
        (reason, contact_id),
    )
    return cursor.rowcount


_SELECT = (
    "SELECT o.id, o.contact_id, o.conversation_id, o.channel, c.platform_user_id, c.reachable,"
    " o.messages, o.reply_token, o.reply_deadline, o.retry_key, o.status, o.method, o.attempts,"
    " o.last_error, o.maybe_sent"
    " FROM outbox o JOIN contacts c ON c.id = o.contact_id"
)


def _from_row(row: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=row[0],
        contact_id=row[1],
        conversation_id=row[2],
        channel=row[3],
        platform_user_id=row[4],
        reachable=bool(row[5]),
        messages_json=row[6],
        reply_token=row[7],
        reply_deadline=from_db(row[8]),
        retry_key=row[9],
        status=row[10],
        method=row[11],
        attempts=row[12],
        last_error=row[13],
        maybe_sent=bool(row[14]),
    )


def next_open(conn: sqlite3.Connection, contact_id: int, after_id: int = 0) -> OutboxRow | None:
    """The oldest row still to send to this contact: messages to one person go in order."""
    row = conn.execute(
        _SELECT + " WHERE o.contact_id = ? AND o.id > ? AND o.status IN ('pending', 'sending')"
        " ORDER BY o.id LIMIT 1",
        (contact_id, after_id),
    ).fetchone()
    return _from_row(row) if row else None


async def contacts_with_open_rows(db: Database) -> list[int]:
    rows = await db.fetch_all(
        "SELECT DISTINCT contact_id FROM outbox WHERE status IN ('pending', 'sending')"
    )
    return [row[0] for row in rows]


async def counts_by_status(db: Database) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {row[0]: row[1] for row in rows}
