"""Inbound platform events: committed before the webhook is answered, processed once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.statuses import EventStatus
from storage.timefmt import to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all


@dataclass(frozen=True)
class NewEvent:
    channel: str
    event_id: str
    user_key: str | None
    kind: str
    occurred_at_ms: int
    payload: str


@dataclass(frozen=True)
class StoredEvent:
    id: int
    channel: str
    event_id: str
    user_key: str | None
    kind: str
    occurred_at_ms: int
    payload: str


def insert_new(conn: Tx, events: list[NewEvent], received_at: datetime) -> int:
    """Insert events not seen before (keyed by channel and event id). Returns how many were new."""
    return len(insert_fresh(conn, events, received_at))


def insert_fresh(conn: Tx, events: list[NewEvent], received_at: datetime) -> list[StoredEvent]:
    """As `insert_new`, returning the rows that were new, as stored."""
    fresh: list[StoredEvent] = []
    for e in events:
        row = conn.execute(
            "INSERT INTO inbound_events"
            " (channel, event_id, user_key, kind, occurred_at_ms, received_at, payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel, event_id) DO NOTHING RETURNING id",
            (
                e.channel,
                e.event_id,
                e.user_key,
                e.kind,
                e.occurred_at_ms,
                to_db(received_at),
                e.payload,
            ),
        ).fetchone()
        if row is not None:
            fresh.append(
                StoredEvent(
                    int(row[0]),
                    e.channel,
                    e.event_id,
                    e.user_key,
                    e.kind,
                    e.occurred_at_ms,
                    e.payload,
                )
            )
    return fresh


def redact_text(conn: Tx, event_row_id: int, text: str, shown: str) -> None:
    """Every string in the event's stored payload that is `text` becomes `shown`: the
    platform's copy of a message that the transcript keeps redacted."""
    row = conn.execute("SELECT payload FROM inbound_events WHERE id = ?", (event_row_id,))
    found = row.fetchone()
    if found is None:
        return
    try:
        payload = json.loads(found[0])
    except ValueError:
        return
    redacted = json.dumps(_replaced(payload, text, shown), ensure_ascii=False)
    conn.execute("UPDATE inbound_events SET payload = ? WHERE id = ?", (redacted, event_row_id))


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
