"""Inbound platform events: committed before the webhook is answered, processed once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.database import Database
from storage.timefmt import to_db


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


def insert_new(conn: sqlite3.Connection, events: list[NewEvent], received_at: datetime) -> int:
    """Insert events not seen before (keyed by channel and event id). Returns how many were new."""
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO inbound_events"
        " (channel, event_id, user_key, kind, occurred_at_ms, received_at, payload)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                e.channel,
                e.event_id,
                e.user_key,
                e.kind,
                e.occurred_at_ms,
                to_db(received_at),
                e.payload,
            )
            for e in events
        ],
    )
    return conn.total_changes - before


def mark_done(conn: sqlite3.Connection, event_row_id: int, at: datetime) -> None:
    conn.execute(
        "UPDATE inbound_events SET status = 'done', processed_at = ? WHERE id = ?",
        (to_db(at), event_row_id),
    )


def mark_failed(conn: sqlite3.Connection, event_row_id: int, at: datetime, error: str) -> None:
    conn.execute(
        "UPDATE inbound_events SET status = 'failed', processed_at = ?, error = ? WHERE id = ?",
        (to_db(at), error[:500], event_row_id),
    )


async def pending_lanes(db: Database) -> list[tuple[str, str | None]]:
    """Every (channel, user) that has events waiting: the lanes to restart after a crash."""
    rows = await db.fetch_all(
        "SELECT DISTINCT channel, user_key FROM inbound_events WHERE status = 'pending'"
    )
    return [(row[0], row[1]) for row in rows]


def next_pending(
    conn: sqlite3.Connection, channel: str, user_key: str | None
) -> StoredEvent | None:
    """The user's oldest waiting event, in platform timestamp order. Read on the writer, in
    the transaction that processes it, so no other turn can take it meanwhile."""
    row = conn.execute(
        "SELECT id, channel, event_id, user_key, kind, occurred_at_ms, payload"
        " FROM inbound_events WHERE status = 'pending' AND channel = ? AND user_key IS ?"
        " ORDER BY occurred_at_ms, id LIMIT 1",
        (channel, user_key),
    ).fetchone()
    return StoredEvent(*tuple(row)) if row else None


def has_pending(conn: sqlite3.Connection, channel: str, user_key: str | None) -> bool:
    row = conn.execute(
        "SELECT 1 FROM inbound_events WHERE status = 'pending' AND channel = ? AND user_key IS ?"
        " LIMIT 1",
        (channel, user_key),
    ).fetchone()
    return row is not None


async def counts_by_status(db: Database) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM inbound_events GROUP BY status")
    return {row[0]: row[1] for row in rows}
