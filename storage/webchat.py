"""The web chat's own rows: visitors (by token hash) and what a visitor's page shows.

`token_hash` arguments are the cookie token's SHA-256 (the visitor's platform id); the table
holds only its keyed hash (Keyring.visitor_hash), so a copied database names no visitor.

A visitor's page shows their own messages (the inbound events they sent) and what we sent
them: outbox rows of the "web" channel, each one delivered call of the web transport. An
outbox row is the web chat's delivery record, so its id is the page's event id. Both are
stored sealed (issue 23): found by the visitor's user hash, opened here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import events, outbox
from storage.sealing import keyring_of
from storage.statuses import OutboxStatus, sql_list
from storage.timefmt import to_db
from storage.tx import Tx
from storage.tx import fetch_one as _one

CHANNEL = "web"
# A row being sent is already on its way to the page (the web transport only wakes it).
_SHOWN = sql_list((OutboxStatus.SENDING, OutboxStatus.DELIVERED))


@dataclass(frozen=True)
class FeedItem:
    """One thing on the visitor's page: `id` is "v<event>" for theirs, "b<outbox>" for ours."""

    id: str
    author: str  # "visitor" or "tobira"
    payload: str  # the visitor's event payload, or our rendered web payload (JSON)
    at: str
    # The display name of the counselor who wrote it (the client is told this name).
    counselor: str | None = None


def add_visitor(conn: Tx, token_hash: str, at: datetime) -> None:
    conn.execute(
        "INSERT INTO web_visitors (token_hash, created_at, last_seen_at) VALUES (?, ?, ?)",
        (_visitor_key(conn, token_hash), to_db(at), to_db(at)),
    )


def _visitor_key(conn: Tx, token_hash: str) -> str:
    # The token's SHA-256 is the contact's platform id: stored only keyed (issue 23).
    return keyring_of(conn).visitor_hash(token_hash)


def live_visitor(conn: Tx, token_hash: str, seen_since: datetime) -> bool:
    """The token is ours, was not ended, and was used since `seen_since`."""
    row = _one(
        conn,
        "SELECT 1 FROM web_visitors WHERE token_hash = ? AND ended_at IS NULL"
        " AND last_seen_at >= ?",
        (_visitor_key(conn, token_hash), to_db(seen_since)),
    )
    return row is not None


def touch_visitor(conn: Tx, token_hash: str, at: datetime) -> None:
    conn.execute(
        "UPDATE web_visitors SET last_seen_at = ? WHERE token_hash = ?",
        (to_db(at), _visitor_key(conn, token_hash)),
    )


def end_visitor(conn: Tx, token_hash: str, at: datetime) -> bool:
    cursor = conn.execute(
        "UPDATE web_visitors SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
        (to_db(at), _visitor_key(conn, token_hash)),
    )
    return cursor.rowcount > 0


def purge_visitors(conn: Tx, unused_before: datetime, ended_before: datetime) -> int:
    """Forget tokens that expired or ended: they can never be used again."""
    cursor = conn.execute(
        "DELETE FROM web_visitors WHERE last_seen_at < ? OR ended_at < ?",
        (to_db(unused_before), to_db(ended_before)),
    )
    return cursor.rowcount


def sent_after(conn: Tx, platform_user_id: str, after_id: int, limit: int = 200) -> list[FeedItem]:
    """What we sent the visitor after outbox row `after_id`, oldest first."""
    rows = conn.execute(
        "SELECT o.id, o.payload, o.created_at,"
        " (SELECT s.display_name FROM messages m JOIN staff s"
        "   ON s.id = m.staff_id WHERE m.outbox_id = o.id LIMIT 1), o.contact_id"
        " FROM outbox o JOIN contacts c ON c.id = o.contact_id"
        " WHERE c.channel = ? AND c.user_hash = ? AND o.id > ?"
        f" AND o.status IN {_SHOWN} ORDER BY o.id LIMIT ?",
        (CHANNEL, _user_hash(conn, platform_user_id), after_id, limit),
    ).fetchall()
    return [
        FeedItem(
            f"b{row[0]}",
            "tobira",
            outbox.open_payload(conn, row[4], row[0], row[1]),
            row[2],
            row[3],
        )
        for row in rows
    ]


def _user_hash(conn: Tx, platform_user_id: str) -> str:
    return keyring_of(conn).user_hash(CHANNEL, platform_user_id)


def history(conn: Tx, platform_user_id: str, limit: int = 500) -> list[FeedItem]:
    """The visitor's whole page: their messages and ours, in the order they happened."""
    theirs = conn.execute(
        "SELECT id, payload, received_at, contact_id FROM inbound_events"
        " WHERE channel = ? AND user_key = ? AND kind IN ('text', 'postback')"
        " ORDER BY id DESC LIMIT ?",
        (CHANNEL, _user_hash(conn, platform_user_id), limit),
    ).fetchall()
    mine = [
        FeedItem(f"v{row[0]}", "visitor", events.open_payload(conn, row[0], row[3], row[1]), row[2])
        for row in theirs
    ]
    ours = sent_after(conn, platform_user_id, 0, limit)
    return sorted([*mine, *ours], key=lambda item: item.at)[-limit:]


def latest_choices(conn: Tx, platform_user_id: str) -> list[tuple[str, str]]:
    """The answer buttons under the last message we sent (only those can be tapped)."""
    row = _one(
        conn,
        "SELECT o.payload, o.contact_id, o.id FROM outbox o JOIN contacts c ON c.id = o.contact_id"
        " WHERE c.channel = ? AND c.user_hash = ?"
        f" AND o.status IN {_SHOWN} ORDER BY o.id DESC LIMIT 1",
        (CHANNEL, _user_hash(conn, platform_user_id)),
    )
    if row is None:
        return []
    parts: list[dict[str, Any]] = json.loads(outbox.open_payload(conn, row[1], row[2], row[0]))
    if not parts:
        return []
    return [(str(c[0]), str(c[1])) for c in parts[-1].get("choices", [])]
