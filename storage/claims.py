"""Claims: the rows a worker takes for itself before acting on them.

All in one module because they are the statements that must stay atomic when several
instances share one database: on PostgreSQL each becomes `... FOR UPDATE SKIP LOCKED` (or
keeps its conditional UPDATE), and nothing outside this module needs to change. On SQLite
they run on the single writer, inside the transaction that acts on the row.
"""

from __future__ import annotations

from datetime import datetime

from storage import deadlines, events, outbox
from storage.deadlines import Deadline
from storage.events import StoredEvent
from storage.outbox import OutboxRow
from storage.statuses import (
    OUTBOX_OPEN,
    DeadlineStatus,
    EventStatus,
    OutboxStatus,
    sql_list,
)
from storage.timefmt import to_db
from storage.tx import Tx

_EVENT_COLUMNS = "id, channel, event_id, user_key, kind, occurred_at_ms, payload, contact_id"


def next_event(conn: Tx, channel: str, user_key: str | None) -> StoredEvent | None:
    """The user's oldest waiting event, in platform timestamp order. Read in the transaction
    that processes it, so no other turn can take it meanwhile."""
    # Events without a user (from groups or rooms) form one lane of their own.
    who = "user_key IS NULL" if user_key is None else "user_key = ?"
    params = (channel,) if user_key is None else (channel, user_key)
    row = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM inbound_events"
        f" WHERE status = '{EventStatus.PENDING}' AND channel = ? AND {who}"
        " ORDER BY occurred_at_ms, id LIMIT 1",
        params,
    ).fetchone()
    if row is None:
        return None
    payload = events.open_payload(conn, row[0], row[7], row[6])
    return StoredEvent(row[0], row[1], row[2], row[3], row[4], row[5], payload, row[7])


def next_outbox_row(conn: Tx, contact_id: int, after_id: int = 0) -> OutboxRow | None:
    """The oldest row still to send to this contact: messages to one person go in order."""
    row = conn.execute(
        outbox.SELECT + f" WHERE o.contact_id = ? AND o.id > ? AND o.status IN {_OPEN}"
        " ORDER BY o.id LIMIT 1",
        (contact_id, after_id),
    ).fetchone()
    return outbox.from_row(conn, row) if row else None


_OPEN = sql_list(OUTBOX_OPEN)


def claim_outbox_row(conn: Tx, row_id: int, method: str) -> bool:
    """Record an attempt before the call (from now on it may have reached the platform,
    even if we crash). False when the row was cancelled meanwhile."""
    cursor = conn.execute(
        f"UPDATE outbox SET status = '{OutboxStatus.SENDING}', method = ?,"
        " attempts = attempts + 1, maybe_sent = 1"
        f" WHERE id = ? AND status IN {_OPEN}",
        (method, row_id),
    )
    return cursor.rowcount == 1


def next_reply(conn: Tx, contact_id: int, after_id: int, now: datetime) -> OutboxRow | None:
    """The person's next row after `after_id` that the sender sends as a reply: one tried
    as a reply already (it stays one, whatever its token's age), or one never tried whose
    token is still young."""
    row = conn.execute(
        outbox.SELECT + f" WHERE o.contact_id = ? AND o.id > ? AND o.status IN {_OPEN}"
        " AND o.reply_token IS NOT NULL AND ((o.method = 'reply' AND o.attempts > 0)"
        "      OR (o.method IS NULL AND o.attempts = 0 AND o.reply_deadline > ?))"
        " ORDER BY o.id LIMIT 1",
        (contact_id, after_id, to_db(now)),
    ).fetchone()
    return outbox.from_row(conn, row) if row else None


def claim_deadline(conn: Tx, deadline_id: int, now: datetime) -> Deadline | None:
    """Take a due, still pending row (exactly one caller ever gets it)."""
    row = conn.execute(
        f"UPDATE deadlines SET status = '{DeadlineStatus.FIRED}', fired_at = ?"
        f" WHERE id = ? AND status = '{DeadlineStatus.PENDING}' AND due_at <= ?"
        f" RETURNING {deadlines.COLUMNS}",
        (to_db(now), deadline_id, to_db(now)),
    ).fetchone()
    return deadlines.from_row(row) if row else None
