"""Inbound platform events: committed before the webhook is answered, processed once.

Stored sealed (issue 23): the job that stores an event finds or makes its person's contact
(storage/contacts.find_or_add), `user_key` holds their user hash (the lanes order by it),
`contact_id` names them, and `payload` is sealed with their key (with the service's key
for an event without a user). Readers get the payload opened, as a plain str.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import contacts
from storage.sealing import SERVICE_SUBJECT, contact_subject, keyring_of, next_row_id
from storage.statuses import EventStatus
from storage.timefmt import to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all


@dataclass(frozen=True)
class NewEvent:
    channel: str
    event_id: str
    platform_user_id: str | None  # the platform's id of the sender; never stored in clear
    kind: str
    occurred_at_ms: int
    payload: str


@dataclass(frozen=True)
class StoredEvent:
    id: int
    channel: str
    event_id: str
    user_key: str | None  # the sender's user hash (contacts.user_hash); None: no user
    kind: str
    occurred_at_ms: int
    payload: str  # opened
    contact_id: int | None = None  # the sender's contact (None: no user, or stored unsealed)


def insert_new(conn: Tx, events: list[NewEvent], received_at: datetime) -> int:
    """Insert events not seen before (keyed by channel and event id). Returns how many were new."""
    return len(insert_fresh(conn, events, received_at))


def insert_fresh(conn: Tx, events: list[NewEvent], received_at: datetime) -> list[StoredEvent]:
    """As `insert_new`, returning the rows that were new, as stored (payload in clear)."""
    fresh: list[StoredEvent] = []
    keyring = keyring_of(conn)
    senders: dict[tuple[str, str], tuple[int, str]] = {}  # several events of one person
    row_id = next_row_id(conn, "inbound_events")  # once: this job holds the write lock
    for e in events:
        contact_id: int | None = None
        user_key: str | None = None
        if e.platform_user_id is not None:
            who = (e.channel, e.platform_user_id)
            if who not in senders:
                senders[who] = contacts.find_or_add(
                    conn, e.channel, e.platform_user_id, received_at
                )
            contact_id, user_key = senders[who]
        subject = SERVICE_SUBJECT if contact_id is None else contact_subject(contact_id)
        sealed = keyring.seal(conn, subject, "inbound_events", "payload", row_id, e.payload)
        row = conn.execute(
            "INSERT INTO inbound_events (id, channel, event_id, user_key, contact_id, kind,"
            " occurred_at_ms, received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel, event_id) DO NOTHING RETURNING id",
            (
                row_id,
                e.channel,
                e.event_id,
                user_key,
                contact_id,
                e.kind,
                e.occurred_at_ms,
                to_db(received_at),
                sealed,
            ),
        ).fetchone()
        if row is not None:
            fresh.append(
                StoredEvent(
                    row_id,
                    e.channel,
                    e.event_id,
                    user_key,
                    e.kind,
                    e.occurred_at_ms,
                    e.payload,
                    contact_id,
                )
            )
            row_id += 1
    return fresh


def open_payload(conn: Tx, event_row_id: int, contact_id: int | None, stored: Any) -> str:
    """An event's payload as stored, opened (a payload stored before sealing is itself)."""
    subject = SERVICE_SUBJECT if contact_id is None else contact_subject(contact_id)
    opened = keyring_of(conn).open(conn, subject, "inbound_events", "payload", event_row_id, stored)
    return opened or ""


def redact_text(conn: Tx, event_row_id: int, text: str, shown: str) -> None:
    """Every string in the event's stored payload that is `text` becomes `shown`: the
    platform's copy of a message that the transcript keeps redacted."""
    row = conn.execute(
        "SELECT payload, contact_id FROM inbound_events WHERE id = ?", (event_row_id,)
    )
    found = row.fetchone()
    if found is None:
        return
    try:
        payload = json.loads(open_payload(conn, event_row_id, found[1], found[0]))
    except ValueError:
        return
    redacted = json.dumps(_replaced(payload, text, shown), ensure_ascii=False)
    subject = SERVICE_SUBJECT if found[1] is None else contact_subject(found[1])
    sealed = keyring_of(conn).seal(
        conn, subject, "inbound_events", "payload", event_row_id, redacted
    )
    conn.execute("UPDATE inbound_events SET payload = ? WHERE id = ?", (sealed, event_row_id))


def _replaced(value: Any, text: str, shown: str) -> Any:
    if isinstance(value, str):
        return shown if value == text else value
    if isinstance(value, list):
        return [_replaced(item, text, shown) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, text, shown) for key, item in value.items()}
    return value


def mark_done(conn: Tx, event_row_id: int, at: datetime) -> None:
    conn.execute(
        f"UPDATE inbound_events SET status = '{EventStatus.DONE}', processed_at = ? WHERE id = ?",
        (to_db(at), event_row_id),
    )


def mark_failed(conn: Tx, event_row_id: int, at: datetime, error: str) -> None:
    conn.execute(
        f"UPDATE inbound_events SET status = '{EventStatus.FAILED}',"
        " processed_at = ?, error = ? WHERE id = ?",
        (to_db(at), error[:500], event_row_id),
    )


def pending_lanes(conn: Tx) -> list[tuple[str, str | None]]:
    """Every (channel, user) that has events waiting: the lanes to restart after a crash."""
    rows = _all(
        conn,
        "SELECT DISTINCT channel, user_key FROM inbound_events"
        f" WHERE status = '{EventStatus.PENDING}'",
    )
    return [(row[0], row[1]) for row in rows]


def has_pending(conn: Tx, channel: str, user_key: str | None) -> bool:
    who = "user_key IS NULL" if user_key is None else "user_key = ?"
    params = (channel,) if user_key is None else (channel, user_key)
    row = conn.execute(
        f"SELECT 1 FROM inbound_events WHERE status = '{EventStatus.PENDING}' AND channel = ?"
        f" AND {who} LIMIT 1",
        params,
    ).fetchone()
    return row is not None


def counts_by_status(conn: Tx) -> dict[str, int]:
    rows = _all(conn, "SELECT status, COUNT(*) FROM inbound_events GROUP BY status")
    return {row[0]: row[1] for row in rows}
