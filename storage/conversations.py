"""Conversations: a contact's current thread with us, its flow state and who owns it.

The flow state and the intake are sealed with the contact's key, bound to the conversation's
id (storage/sealed_texts.py); a Conversation holds them opened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import facts
from storage.sealed_texts import contact_subject, conversation_subject, opened, remember, sealed
from storage.sealing import next_row_id
from storage.statuses import ConversationStatus
from storage.timefmt import from_db, to_db
from storage.tx import Tx
from storage.tx import fetch_one as _one

# How much of a wait (organisation id, start, end) fell in open hours, in seconds: the
# caller knows the hours; None when it cannot say.
OpenSeconds = Callable[[str | None, datetime, datetime], float | None]


@dataclass(frozen=True)
class Conversation:
    id: int
    contact_id: int
    status: str
    flow_state: str | None
    topic: str | None
    intake: str | None
    counselor_id: int | None
    org_id: str | None = None
    pair_counselor_id: int | None = None
    ack_generation: int = 0
    waiting_since: datetime | None = None
    unacknowledged_since: datetime | None = None
    handed_off_at: datetime | None = None
    first_human_answer_at: datetime | None = None
    longest_wait_seconds: float | None = None


_COLUMNS = (
    "id, contact_id, status, flow_state, topic, intake, counselor_id, org_id,"
    " pair_counselor_id, ack_generation, waiting_since, unacknowledged_since, handed_off_at,"
    " first_human_answer_at, longest_wait_seconds"
)


def _from_row(conn: Tx, row: Any) -> Conversation:
    values = list(tuple(row))
    conversation_id, contact_id = int(values[0]), int(values[1])
    remember(conn, conversation_id, contact_id)  # the turn seals its messages next
    subject = contact_subject(contact_id)
    values[3] = opened(conn, subject, "conversations", "flow_state", conversation_id, values[3])
    values[5] = opened(conn, subject, "conversations", "intake", conversation_id, values[5])
    for index in (10, 11, 12, 13):
        values[index] = from_db(values[index])
    return Conversation(*values)


_OPEN_FOR_CONTACT = (
    f"SELECT {_COLUMNS} FROM conversations"
    f" WHERE contact_id = ? AND status != '{ConversationStatus.RESOLVED}'"
)


def open_for_contact(
    conn: Tx, contact_id: int, at: datetime, *, after_hours: bool | None = None
) -> Conversation:
    """The contact's open conversation, created when there is none (`after_hours`: whether
    the window was closed then, for the year's figures)."""
    row = conn.execute(_OPEN_FOR_CONTACT, (contact_id,)).fetchone()
    return create(conn, contact_id, at, after_hours) if row is None else _from_row(conn, row)


def create(
    conn: Tx, contact_id: int, at: datetime, after_hours: bool | None = None
) -> Conversation:
    """A new open conversation, for a contact the caller has just seen has none."""
    row = conn.execute(
        "INSERT INTO conversations (id, contact_id, opened_at, updated_at) VALUES (?, ?, ?, ?)"
        f" RETURNING {_COLUMNS}",
        (next_row_id(conn, "conversations"), contact_id, to_db(at), to_db(at)),
    ).fetchone()
    facts.conversation_opened(conn, int(row[0]), contact_id, at, after_hours)
    return _from_row(conn, row)


def save_bot_state(
    conn: Tx,
    conversation_id: int,
    *,
    flow_state: str | None,
    status: str,
    topic: str | None,
    intake: str | None,
    at: datetime,
) -> None:
    subject = conversation_subject(conn, conversation_id)
    conn.execute(
        "UPDATE conversations SET flow_state = ?, status = ?, topic = COALESCE(?, topic),"
        " intake = COALESCE(?, intake), updated_at = ? WHERE id = ?",
        (
            sealed(conn, subject, "conversations", "flow_state", conversation_id, flow_state),
            status,
            topic,
            sealed(conn, subject, "conversations", "intake", conversation_id, intake),
            to_db(at),
            conversation_id,
        ),
    )
    facts.intake_answered(conn, conversation_id, intake, at)


def assign(
    conn: Tx,
    conversation_id: int,
    *,
    org_id: str,
    counselor_id: int | None,
    pair_counselor_id: int | None,
    at: datetime,
) -> None:
    """Give the conversation to a counselor (status 'assigned'), or queue it (no counselor)."""
    handed = conn.execute(
        "SELECT handed_off_at IS NULL FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if handed and handed[0]:
        facts.handed(conn, conversation_id, at)
    conn.execute(
        "UPDATE conversations SET org_id = ?, counselor_id = ?, pair_counselor_id = ?,"
        f" status = CASE WHEN ? IS NULL THEN '{ConversationStatus.QUEUED}'"
        f" ELSE '{ConversationStatus.ASSIGNED}' END,"
        " handed_off_at = COALESCE(handed_off_at, ?), updated_at = ? WHERE id = ?",
        (
            org_id,
            counselor_id,
            pair_counselor_id,
            counselor_id,
            to_db(at),
            to_db(at),
            conversation_id,
        ),
    )


def start_burst(conn: Tx, conversation_id: int, at: datetime) -> int:
    """A client now waits for a human: a new generation, and the wait clock starts."""
    row = conn.execute(
        "UPDATE conversations SET ack_generation = ack_generation + 1,"
        " waiting_since = COALESCE(waiting_since, ?) WHERE id = ? RETURNING ack_generation",
        (to_db(at), conversation_id),
    ).fetchone()
    return int(row[0])


@dataclass(frozen=True)
class Unanswered:
    """A conversation's no-answer-at-all wait, as stored: since when, and the longest yet."""

    since: datetime | None
    longest_seconds: float | None


def client_wrote(conn: Tx, conversation_id: int, at: datetime) -> Unanswered | None:
    """The client's message starts the no-answer wait (unless one runs): the wait as it now
    stands, for `answered_somehow` when the same transaction answers (one read less)."""
    # updated_at too: the console's "all" queue shows the latest activity first.
    row = conn.execute(
        "UPDATE conversations SET unacknowledged_since = COALESCE(unacknowledged_since, ?),"
        " updated_at = ? WHERE id = ? RETURNING unacknowledged_since, longest_wait_seconds",
        (to_db(at), to_db(at), conversation_id),
    ).fetchone()
    return Unanswered(from_db(row[0]), row[1]) if row else None


def answered_somehow(
    conn: Tx, conversation_id: int, at: datetime, *, known: Unanswered | None = None
) -> None:
    """Any answer (bot, acknowledgement, staff): close the no-answer-at-all wait.

    `known`: the wait as `client_wrote` returned it earlier in this transaction, when
    nothing has changed it since; else it is read here."""
    if known is None:
        row = conn.execute(
            "SELECT unacknowledged_since, longest_wait_seconds FROM conversations WHERE id = ?",
            (conversation_id,),
        ).fetchone()
        known = Unanswered(from_db(row[0]), row[1]) if row else Unanswered(None, None)
    since = known.since
    if since is None:
        return
    facts.acknowledged(conn, conversation_id, since, at)
    waited = max(0.0, (at - since).total_seconds(), known.longest_seconds or 0.0)
    conn.execute(
        "UPDATE conversations SET unacknowledged_since = NULL, longest_wait_seconds = ?"
        " WHERE id = ?",
        (waited, conversation_id),
    )


def staff_answered(
    conn: Tx, conversation_id: int, at: datetime, open_seconds: OpenSeconds | None = None
) -> None:
    """A human answered: nobody waits, older deadlines become stale. The first answer since
    the handoff (or the reopening) is a fact for the figures, its wait in open hours
    measured by `open_seconds(org_id, since, at)`."""
    row = conn.execute(
        "SELECT first_human_answer_at IS NULL, COALESCE(handed_off_at, opened_at), org_id"
        " FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    if row and row[0]:
        since = from_db(row[1])
        assert since is not None
        in_open = open_seconds(row[2], since, at) if open_seconds else None
        facts.first_answer(conn, conversation_id, since, at, in_open)
    facts.staff_answered(conn, conversation_id, at)
    conn.execute(
        "UPDATE conversations SET ack_generation = ack_generation + 1, waiting_since = NULL,"
        " first_human_answer_at = COALESCE(first_human_answer_at, ?), updated_at = ?"
        " WHERE id = ?",
        (to_db(at), to_db(at), conversation_id),
    )
    answered_somehow(conn, conversation_id, at)


def resolve(conn: Tx, conversation_id: int, at: datetime) -> None:
    # A wait nobody answered at all ends with the conversation (not within 5 seconds).
    row = conn.execute(
        "SELECT unacknowledged_since, longest_wait_seconds FROM conversations WHERE id = ?",
        (conversation_id,),
    ).fetchone()
    longest = row[1] if row else None
    unanswered = from_db(row[0]) if row else None
    if unanswered is not None:
        facts.acknowledged(conn, conversation_id, unanswered, at)
        longest = max(longest or 0.0, (at - unanswered).total_seconds())
    facts.resolved(conn, conversation_id, longest, at)
    conn.execute(
        f"UPDATE conversations SET status = '{ConversationStatus.RESOLVED}', resolved_at = ?,"
        " waiting_since = NULL,"
        " ack_generation = ack_generation + 1, updated_at = ? WHERE id = ?",
        (to_db(at), to_db(at), conversation_id),
    )


def open_for(conn: Tx, contact_id: int) -> Conversation | None:
    row = _one(conn, _OPEN_FOR_CONTACT, (contact_id,))
    return _from_row(conn, row) if row else None


def get(conn: Tx, conversation_id: int) -> Conversation | None:
    row = _one(conn, f"SELECT {_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,))
    return _from_row(conn, row) if row else None


def last_resolved_flow_state(conn: Tx, contact_id: int) -> str | None:
    """The flow state of the contact's most recently resolved conversation, if any."""
    row = conn.execute(
        "SELECT id, flow_state FROM conversations"
        f" WHERE contact_id = ? AND status = '{ConversationStatus.RESOLVED}'"
        " AND flow_state IS NOT NULL ORDER BY resolved_at DESC, id DESC LIMIT 1",
        (contact_id,),
    ).fetchone()
    if row is None:
        return None
    subject = contact_subject(contact_id)
    return opened(conn, subject, "conversations", "flow_state", row[0], row[1])


def set_urgent(conn: Tx, conversation_id: int, urgent: bool, at: datetime) -> None:
    conn.execute(
        "UPDATE conversations SET urgent = ?, updated_at = ? WHERE id = ?",
        (int(urgent), to_db(at), conversation_id),
    )


def reopen(conn: Tx, conversation_id: int, at: datetime) -> None:
    """Back to whoever had it (queued when nobody did). The caller checks that the contact
    has no other open conversation (one open conversation per contact)."""
    conn.execute(
        "UPDATE conversations SET resolved_at = NULL, updated_at = ?,"
        f" status = CASE WHEN counselor_id IS NULL THEN '{ConversationStatus.QUEUED}'"
        f" ELSE '{ConversationStatus.ASSIGNED}' END"
        " WHERE id = ?",
        (to_db(at), conversation_id),
    )


def resolved_since(conn: Tx, contact_id: int, since: datetime) -> Conversation | None:
    """The contact's most recent conversation resolved at or after `since`, if any."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM conversations WHERE contact_id = ?"
        f" AND status = '{ConversationStatus.RESOLVED}' AND resolved_at >= ?"
        " ORDER BY resolved_at DESC, id DESC LIMIT 1",
        (contact_id, to_db(since)),
    ).fetchone()
    return _from_row(conn, row) if row else None


def reopen_by_client(conn: Tx, conversation_id: int, at: datetime) -> None:
    """The client wrote again soon after a resolution: back to whoever had it (queued when
    nobody did). A new wait begins: the time to a first human answer counts from now."""
    facts.conversation_reopened(conn, conversation_id, at)
    conn.execute(
        "UPDATE conversations SET resolved_at = NULL, updated_at = ?, handed_off_at = ?,"
        " first_human_answer_at = NULL,"
        f" status = CASE WHEN counselor_id IS NULL THEN '{ConversationStatus.QUEUED}'"
        f" ELSE '{ConversationStatus.ASSIGNED}' END"
        " WHERE id = ?",
        (to_db(at), to_db(at), conversation_id),
    )


def queued_without_counselor(conn: Tx, limit: int = 100) -> list[Conversation]:
    """Handed-off cases nobody has taken yet, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM conversations WHERE status = '{ConversationStatus.QUEUED}'"
        " AND counselor_id IS NULL"
        " ORDER BY handed_off_at, id LIMIT ?",
        (limit,),
    ).fetchall()
    return [_from_row(conn, row) for row in rows]


def is_urgent(conn: Tx, conversation_id: int) -> bool:
    row = _one(conn, "SELECT urgent FROM conversations WHERE id = ?", (conversation_id,))
    return bool(row and row[0])
