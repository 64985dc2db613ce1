"""The outbox: every outbound message is a row before anything is sent.

A row is one platform API call (LINE allows 5 messages per call). It keeps the retry key
it will be pushed with, so a retry after a timeout never delivers twice.

The payload is sealed with the person's key (issue 23), bound to the row; readers get it
opened, with the person's platform id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import contacts
from storage.sealing import contact_subject, keyring_of, next_row_id
from storage.statuses import OUTBOX_OPEN, OutboxStatus, sql_list
from storage.timefmt import from_db, to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all

_OPEN = sql_list(OUTBOX_OPEN)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    contact_id: int
    conversation_id: int | None
    channel: str
    platform_user_id: str  # opened; never logged
    user_hash: str | None  # contacts.user_hash: what logs name the person by (user_ref)
    reachable: bool
    payload: str  # one platform call as the channel rendered it, sent as it is
    reply_token: str | None
    reply_deadline: datetime | None
    retry_key: str
    status: str
    method: str | None
    attempts: int
    last_error: str | None = None
    # Some attempt may have reached the platform: only the reply token or retry key can
    # tell now.
    maybe_sent: bool = False


def enqueue(
    conn: Tx,
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
    keyring, subject = keyring_of(conn), contact_subject(contact_id)
    row_id = next_row_id(conn, "outbox")  # once: this job holds the write lock
    for index, payload in enumerate(calls):
        token = reply_token if index == 0 else None
        conn.execute(
            "INSERT INTO outbox (id, contact_id, conversation_id, channel, payload, reply_token,"
            " reply_deadline, retry_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row_id,
                contact_id,
                conversation_id,
                channel,
                keyring.seal(conn, subject, "outbox", "payload", row_id, payload),
                token,
                to_db(reply_deadline) if token and reply_deadline else None,
                str(uuid.uuid4()),
                to_db(at),
            ),
        )
        ids.append(row_id)
        row_id += 1
    return ids


def mark_delivered(conn: Tx, row_id: int, at: datetime, note: str | None = None) -> None:
    conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.DELIVERED}', sent_at = ?, last_error = ?"
        " WHERE id = ?",
        (to_db(at), note, row_id),
    )


def mark_retry(conn: Tx, row_id: int, error: str, maybe_sent: bool) -> None:
    """To be tried again; `maybe_sent` False only if no attempt so far can have reached LINE."""
    conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.PENDING}', last_error = ?, maybe_sent = ?"
        " WHERE id = ?",
        (error[:500], int(maybe_sent), row_id),
    )


def hold_pushes(conn: Tx, contact_id: int, now: datetime) -> int:
    """Hold the person's pending rows that can only be pushed (no call is made; attempts
    unchanged). Returns how many were newly held."""
    cursor = conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.HELD}' WHERE contact_id = ?"
        f" AND status IN {_OPEN} AND status = '{OutboxStatus.PENDING}'"
        # what the sender would push: no token, a push already, or a token never tried and
        # too old (a row that tried a reply stays a reply)
        " AND (reply_token IS NULL OR method = 'push'"
        "      OR (method IS NULL AND (reply_deadline IS NULL OR reply_deadline <= ?)))",
        (contact_id, to_db(now)),
    )
    return cursor.rowcount


def held_before(conn: Tx, contact_id: int, before_id: int) -> list[OutboxRow]:
    """The person's held rows ahead of `before_id`, oldest first, up to the first that an
    earlier attempt may have reached the platform with (sending those again is not safe,
    and the ones after it must not pass it)."""
    rows = _all(
        conn,
        SELECT + f" WHERE o.contact_id = ? AND o.id < ? AND o.status IN {_OPEN}"
        f" AND o.status = '{OutboxStatus.HELD}' ORDER BY o.id",
        (contact_id, before_id),
    )
    held = []
    for row in (from_row(conn, found) for found in rows):
        if row.maybe_sent:
            break
        held.append(row)
    return held


def merge_into(conn: Tx, carrier_id: int, carried: list[int], payload: str) -> None:
    """One call now carries other rows' messages: it gets the combined payload, their
    messages point at it (their delivery is its delivery), and they are closed."""
    marks = ",".join("?" * len(carried))
    (contact_id,) = conn.execute(
        "SELECT contact_id FROM outbox WHERE id = ?", (carrier_id,)
    ).fetchone()
    sealed = seal_payload(conn, contact_id, carrier_id, payload)
    conn.execute("UPDATE outbox SET payload = ? WHERE id = ?", (sealed, carrier_id))
    conn.execute(
        f"UPDATE messages SET outbox_id = ? WHERE outbox_id IN ({marks})", (carrier_id, *carried)
    )
    conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.CANCELLED}', last_error = ?"
        f" WHERE id IN ({marks})",
        (f"carried by outbox row {carrier_id}", *carried),
    )


def unclaim_refused(conn: Tx, row_id: int, reason: str, maybe_sent: bool) -> None:
    """The platform refused the call before sending anything, for a reason that is not the
    row's fault (the month's pushes): pending again, the attempt not counted."""
    conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.PENDING}', last_error = ?, maybe_sent = ?,"
        " attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = ?",
        (reason, int(maybe_sent), row_id),
    )


def forget_reply_token(conn: Tx, row_id: int) -> None:
    """The platform refused the row's token: from now on it can only be pushed."""
    conn.execute(
        "UPDATE outbox SET reply_token = NULL, reply_deadline = NULL WHERE id = ?", (row_id,)
    )


def mark_failed(conn: Tx, row_id: int, error: str) -> None:
    conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.FAILED}', last_error = ? WHERE id = ?",
        (error[:500], row_id),
    )


def cancel_open_for_contact(conn: Tx, contact_id: int, reason: str) -> int:
    cursor = conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.CANCELLED}', last_error = ?"
        f" WHERE contact_id = ? AND status IN {_OPEN}",
        (reason, contact_id),
    )
    return cursor.rowcount


SELECT = (
    "SELECT o.id, o.contact_id, o.conversation_id, o.channel, c.platform_user_id, c.reachable,"
    " o.payload, o.reply_token, o.reply_deadline, o.retry_key, o.status, o.method, o.attempts,"
    " o.last_error, o.maybe_sent, c.user_hash"
    " FROM outbox o JOIN contacts c ON c.id = o.contact_id"
)


def seal_payload(conn: Tx, contact_id: int, row_id: int, payload: str) -> bytes:
    return keyring_of(conn).seal(
        conn, contact_subject(contact_id), "outbox", "payload", row_id, payload
    )


def open_payload(conn: Tx, contact_id: int, row_id: int, stored: Any) -> str:
    """A row's payload as stored, opened (one stored before sealing is itself)."""
    opened = keyring_of(conn).open(
        conn, contact_subject(contact_id), "outbox", "payload", row_id, stored
    )
    return opened or ""


def from_row(conn: Tx, row: Any) -> OutboxRow:
    """A row of `SELECT`, its payload and the person's platform id opened."""
    return OutboxRow(
        id=row[0],
        contact_id=row[1],
        conversation_id=row[2],
        channel=row[3],
        platform_user_id=contacts.open_user_id(conn, row[1], row[4]),
        user_hash=row[15],
        reachable=bool(row[5]),
        payload=open_payload(conn, row[1], row[0], row[6]),
        reply_token=row[7],
        reply_deadline=from_db(row[8]),
        retry_key=row[9],
        status=row[10],
        method=row[11],
        attempts=row[12],
        last_error=row[13],
        maybe_sent=bool(row[14]),
    )


def contacts_with_open_rows(conn: Tx) -> list[int]:
    rows = _all(
        conn,
        f"SELECT DISTINCT contact_id FROM outbox WHERE status IN {_OPEN}",
    )
    return [row[0] for row in rows]


def counts_by_status(conn: Tx) -> dict[str, int]:
    rows = _all(conn, "SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {row[0]: row[1] for row in rows}
