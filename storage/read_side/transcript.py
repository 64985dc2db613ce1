"""One conversation's messages as staff read them: who wrote each, and whether it reached
the client; and the small look-ups the console makes around a message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import contacts
from storage.read_side.common import StaffRef, staff_refs
from storage.sealed_texts import conversation_subject, opened
from storage.statuses import STAFF_AUTHOR, MessageKind
from storage.timefmt import from_db, to_db
from storage.tx import Tx, named_rows

# The newest messages of a conversation shown at once.
TRANSCRIPT_ROWS = 500

_DELIVERY = {
    "pending": "pending",
    "sending": "sending",
    "held": "held",  # waits for the month's push allowance (or a reply token)
    "delivered": "sent",
    "failed": "failed",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class TranscriptMessage:
    id: int
    direction: str  # "in" | "out"
    author_kind: str  # client / bot / staff / ack / system
    author: StaffRef | None  # the counselor, for author_kind "staff"
    kind: str  # the stored kind (flow, handoff, ack, followup, text, message/sticker...)
    text: str | None
    created_at: datetime
    internal: bool  # for staff only (the handoff summary): never sent to the client
    # Outgoing only: pending / sending / sent / failed / cancelled, or not_sent when the
    # client could not be reached and nothing was queued. None for incoming messages.
    delivery: str | None
    delivery_error: str | None
    sent_at: datetime | None
    read_at: datetime | None  # incoming: when a counselor's opening marked it read


def _author_kind(direction: str, author: str, kind: str) -> str:
    if author == "client":
        return "client"
    if author == STAFF_AUTHOR:
        return "staff"
    if author == "system" or direction == "in":
        return "system"
    return "ack" if kind == MessageKind.ACK else "bot"


def _delivery(row: dict[str, Any]) -> str | None:
    if row["direction"] != "out":
        return None
    if row["outbox_id"] is None:
        return "not_sent"
    return _DELIVERY.get(row["outbox_status"], "pending")


def _message(row: dict[str, Any], refs: dict[int, StaffRef], text: str | None) -> TranscriptMessage:
    staff_id = row["staff_id"]
    delivery = _delivery(row)
    return TranscriptMessage(
        id=row["id"],
        direction=row["direction"],
        author_kind=_author_kind(row["direction"], row["author"], row["kind"]),
        author=refs.get(staff_id) if staff_id is not None else None,
        kind=row["kind"],
        text=text,
        created_at=from_db(row["created_at"]),  # type: ignore[arg-type]
        internal=row["kind"] == MessageKind.HANDOFF_SUMMARY,
        delivery=delivery,
        delivery_error=row["last_error"] if delivery == "failed" else None,
        sent_at=from_db(row["sent_at"]),
        read_at=from_db(row["read_at"]),
    )


def transcript(
    conn: Tx, conversation_id: int, limit: int = TRANSCRIPT_ROWS
) -> tuple[list[TranscriptMessage], int]:
    """The newest `limit` messages, oldest first, and how many older ones were left out."""
    rows = named_rows(
        conn,
        "SELECT m.id, m.direction, m.author, m.staff_id, m.kind, m.body, m.created_at, m.outbox_id,"
        " o.status AS outbox_status, o.last_error, o.sent_at, m.read_at"
        " FROM messages m LEFT JOIN outbox o ON o.id = m.outbox_id"
        " WHERE m.conversation_id = ? ORDER BY m.id DESC LIMIT ?",
        (conversation_id, limit + 1),
    )
    earlier = 0
    if len(rows) > limit:
        rows = rows[:limit]
        earlier = int(
            conn.execute(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND id < ?",
                (conversation_id, rows[-1]["id"]),
            ).fetchone()[0]
        )
    rows.reverse()
    refs = staff_refs(conn, {row["staff_id"] for row in rows if row["staff_id"] is not None})
    subject = conversation_subject(conn, conversation_id) if rows else ""
    return [
        _message(row, refs, opened(conn, subject, "messages", "body", row["id"], row["body"]))
        for row in rows
    ], earlier


def message(conn: Tx, message_id: int) -> TranscriptMessage | None:
    row = conn.execute(
        "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return None
    rows, _ = transcript(conn, row[0], TRANSCRIPT_ROWS)
    return next((m for m in rows if m.id == message_id), None)


@dataclass(frozen=True)
class UnreadTokens:
    channel: str
    token: str  # the newest: marking it marks every earlier one (LINE's markAsReadToken)
    message_ids: list[int]


@dataclass(frozen=True)
class ClientAddress:
    channel: str
    platform_user_id: str  # never logged


def unread_read_tokens(conn: Tx, conversation_id: int) -> UnreadTokens | None:
    """The read token of the client's messages not yet marked read, and their ids."""
    rows = named_rows(
        conn,
        "SELECT m.id, m.read_token, ct.channel FROM messages m"
        " JOIN conversations c ON c.id = m.conversation_id"
        " JOIN contacts ct ON ct.id = c.contact_id"
        " WHERE m.conversation_id = ? AND m.read_token IS NOT NULL AND m.read_at IS NULL"
        " ORDER BY m.id",
        (conversation_id,),
    )
    if not rows:
        return None
    newest = rows[-1]
    return UnreadTokens(newest["channel"], newest["read_token"], [row["id"] for row in rows])


def client_address(conn: Tx, conversation_id: int) -> ClientAddress | None:
    """Where a reachable client is, for a call to their platform that is not a message (a
    typing indicator)."""
    row = conn.execute(
        "SELECT ct.channel, ct.platform_user_id, ct.id FROM conversations c"
        " JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ? AND ct.reachable = 1",
        (conversation_id,),
    ).fetchone()
    return ClientAddress(row[0], contacts.open_user_id(conn, row[2], row[1])) if row else None


def recent_staff_answer(
    conn: Tx, conversation_id: int, other_than: int, since: datetime
) -> StaffRef | None:
    """A colleague (not `other_than`) who answered the client since `since`, if any."""
    row = conn.execute(
        "SELECT staff_id FROM messages WHERE conversation_id = ? AND direction = 'out'"
        " AND staff_id IS NOT NULL AND staff_id != ? AND created_at >= ?"
        " ORDER BY id DESC LIMIT 1",
        (conversation_id, other_than, to_db(since)),
    ).fetchone()
    if row is None:
        return None
    staff_id: int = row[0]
    return staff_refs(conn, {staff_id}).get(staff_id)
