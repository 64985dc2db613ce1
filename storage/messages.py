"""The conversation transcript: what the client wrote and what we answered.

Bodies are sealed with the key of the conversation's contact, bound to the message's id
(storage/sealed_texts.py): callers hand in and get back plain text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.sealed_texts import conversation_subject, opened, sealed
from storage.sealing import next_row_id
from storage.statuses import STAFF_AUTHOR, MessageKind
from storage.timefmt import from_db, to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    direction: str
    author: str
    kind: str
    body: str | None
    created_at: datetime


def add(
    conn: Tx,
    conversation_id: int,
    *,
    direction: str,
    author: str,
    kind: str,
    body: str | None,
    at: datetime,
    inbound_event_id: int | None = None,
    read_token: str | None = None,
    outbox_id: int | None = None,
    staff_id: int | None = None,
) -> int:
    """`outbox_id`: the outbox row (one platform call) that carries an outgoing message, so
    staff see whether it reached the client; `read_token`: what the channel needs to mark
    an incoming one read."""
    message_id = next_row_id(conn, "messages")
    subject = conversation_subject(conn, conversation_id)
    conn.execute(
        "INSERT INTO messages (id, conversation_id, direction, author, kind, body,"
        " inbound_event_id, read_token, outbox_id, staff_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            message_id,
            conversation_id,
            direction,
            author,
            kind,
            sealed(conn, subject, "messages", "body", message_id, body),
            inbound_event_id,
            read_token,
            outbox_id,
            staff_id,
            to_db(at),
        ),
    )
    return message_id


def replace_body(conn: Tx, message_id: int, body: str) -> None:
    """A client's message kept only as `body` from now on (an invitation's code, which
    would tie the writer to a household)."""
    row = conn.execute(
        "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return
    subject = conversation_subject(conn, int(row[0]))
    conn.execute(
        "UPDATE messages SET body = ? WHERE id = ?",
        (sealed(conn, subject, "messages", "body", message_id, body), message_id),
    )


def add_handoff_summary(conn: Tx, conversation_id: int, summary: str, at: datetime) -> int:
    """What the bot learnt, for the person who takes the conversation: staff only, never
    sent to the client."""
    return add(
        conn,
        conversation_id,
        direction="in",
        author="system",
        kind=MessageKind.HANDOFF_SUMMARY,
        body=summary,
        at=at,
    )


def mark_read(conn: Tx, message_ids: list[int], at: datetime) -> None:
    conn.executemany(
        "UPDATE messages SET read_at = ? WHERE id = ? AND read_at IS NULL",
        [(to_db(at), message_id) for message_id in message_ids],
    )


def for_conversation(conn: Tx, conversation_id: int) -> list[Message]:
    rows = _all(
        conn,
        "SELECT id, conversation_id, direction, author, kind, body, created_at"
        " FROM messages WHERE conversation_id = ? ORDER BY id",
        (conversation_id,),
    )
    if not rows:
        return []
    subject = conversation_subject(conn, conversation_id)
    return [
        Message(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            opened(conn, subject, "messages", "body", row[0], row[5]),
            _at(row[6]),
        )
        for row in rows
    ]


def _at(text: str) -> datetime:
    at = from_db(text)
    assert at is not None  # created_at is NOT NULL
    return at


def acknowledgement_due(conn: Tx, conversation_id: int) -> bool:
    """No acknowledgement yet since the client was last answered: once per unanswered burst.

    A staff answer answers the client; so does the handoff's announcement (who answers, by
    when), but it answers the flow's last step, not what the client writes after it: the
    first message after an announcement gets its own acknowledgement. The same holds for a
    danger answer (it answers the message that signalled danger: the next one is
    acknowledged, with who and when) and for a reopening.
    """
    row = conn.execute(
        f"SELECT MAX(CASE WHEN author = '{STAFF_AUTHOR}' OR kind IN (?, ?, ?, ?)"
        " THEN id END), MAX(CASE WHEN kind = ? THEN id END)"
        " FROM messages WHERE conversation_id = ?",
        (
            MessageKind.HANDOFF.value,
            MessageKind.SAFETY.value,
            MessageKind.SAFETY_SHORT.value,
            MessageKind.REOPENED.value,
            MessageKind.ACK.value,
            conversation_id,
        ),
    ).fetchone()
    last_answer, last_ack = row[0], row[1]
    return last_ack is None or (last_answer is not None and last_answer > last_ack)


def last_of_kind_at(conn: Tx, conversation_id: int, kind: str) -> datetime | None:
    """When the conversation last had a message of this kind (e.g. a safety answer)."""
    row = conn.execute(
        "SELECT MAX(created_at) FROM messages WHERE conversation_id = ? AND kind = ?",
        (conversation_id, kind),
    ).fetchone()
    return from_db(row[0]) if row else None


def last_client_message_at(conn: Tx, conversation_id: int) -> datetime | None:
    row = conn.execute(
        "SELECT MAX(created_at) FROM messages WHERE conversation_id = ? AND author = 'client'",
        (conversation_id,),
    ).fetchone()
    return from_db(row[0]) if row else None
