"""The console's read side: the inbox queues, one conversation with its transcript, alerts
and the audit log, as plain dataclasses.

Every function is a sync reader of a `Tx`, run with `await db.read(reader, ...)`: one read
transaction, so a page shows one consistent moment. Who may see what is decided here too
(`Viewer`), so the API, the pages and the live events apply the same rule: supervisors and
admins see everything; a counselor sees their organisation's conversations and the ones
where they are the counselor or the pair.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage import notes as staff_notes
from storage.notes import Note
from storage.roles import can_supervise
from storage.statuses import (
    HUMAN_OWNED,
    OUTBOX_HELD_FOR_ALLOWANCE,
    STAFF_AUTHOR_PREFIX,
    ConversationStatus,
    DeadlineKind,
    DeadlineStatus,
    MessageKind,
    sql_list,
)
from storage.timefmt import from_db, to_db
from storage.tx import Tx

QUEUES = ("waiting", "unassigned", "mine", "urgent", "all", "resolved")
MAX_ROWS = 500
DEFAULT_ROWS = 100
# The newest messages of a conversation shown at once.
TRANSCRIPT_ROWS = 500
WRITERS = ("self", "family", "supporter")
# A row's preview of the client's last written message, in characters.
PREVIEW_CHARS = 60
# The intake answers a row shows in a few words.
BRIEF_FIELDS = ("who", "relationship", "age_band", "duration")

_OPEN = sql_list(HUMAN_OWNED)
_WRITERS = "(" + ", ".join(f"'{writer}'" for writer in WRITERS) + ")"


@dataclass(frozen=True)
class Viewer:
    staff_id: int
    role: str
    org_id: str | None

    @property
    def sees_all(self) -> bool:
        return can_supervise(self.role)

    def can_see(self, org_id: str | None, counselor_id: int | None, pair_id: int | None) -> bool:
        if self.sees_all:
            return True
        return self.staff_id in (counselor_id, pair_id) or (
            org_id is not None and org_id == self.org_id
        )


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str
    display_name: str


@dataclass(frozen=True)
class Colleague(StaffRef):
    login: str
    org_id: str | None
    role: str


@dataclass(frozen=True)
class InboxRow:
    id: int
    status: str
    channel: str
    topic: str | None
    writer: str  # self / family / supporter / unknown
    org_id: str | None
    counselor: StaffRef | None
    pair: StaffRef | None
    urgent: bool
    waiting_since: datetime | None  # the oldest client message nobody has answered
    handed_off_at: datetime | None
    last_message_at: datetime | None
    updated_at: datetime
    # The promises of the current burst (None once answered): the row turns amber, then
    # red, as they near.
    followup_due: datetime | None
    remind_due: datetime | None
    escalate_due: datetime | None
    open_alerts: int
    # What a row is about without opening it: the intake's answers by field (a choice id,
    # free text as written, or "_skip"), and the start of the client's last written
    # message (PREVIEW_CHARS at most, spaces folded; taps and stickers are not previews).
    intake: dict[str, Any] = field(default_factory=dict)
    preview: str | None = None


@dataclass(frozen=True)
class InboxFilter:
    """What a counselor looks for (GET /api/v1/conversations's query): every given field
    narrows the queue. Values are checked by the API; here they only become parameters."""

    number: int | None = None  # the conversation's number (its id)
    writer: str | None = None  # self / family / supporter / unknown
    channel: str | None = None
    counselor_id: int | None = None
    no_counselor: bool = False
    status: str | None = None
    urgent: bool | None = None
    opened_from: datetime | None = None  # the conversation began at or after
    opened_before: datetime | None = None  # ... and before
    age_band: str | None = None  # intake answers
    relationship: str | None = None

    def sql(self) -> tuple[list[str], dict[str, Any]]:
        """Fixed SQL conditions with named parameters: nothing from the request is ever
        spelled into the SQL itself."""
        conditions: list[str] = []
        params: dict[str, Any] = {}

        def add(condition: str, **values: Any) -> None:
            conditions.append(condition)
            params.update(values)

        if self.number is not None:
            add("c.id = :f_number", f_number=self.number)
        if self.writer == "unknown":
            add(f"(c.topic IS NULL OR c.topic NOT IN {_WRITERS})")
        elif self.writer is not None:
            add("c.topic = :f_writer", f_writer=self.writer)
        if self.channel is not None:
            add("ct.channel = :f_channel", f_channel=self.channel)
        if self.no_counselor:
            add("c.counselor_id IS NULL")
        elif self.counselor_id is not None:
            add(
                "(c.counselor_id = :f_counselor OR c.pair_counselor_id = :f_counselor)",
                f_counselor=self.counselor_id,
            )
        if self.status is not None:
            add("c.status = :f_status", f_status=self.status)
        if self.urgent is not None:
            add("c.urgent = :f_urgent", f_urgent=int(self.urgent))
        if self.opened_from is not None:
            add("c.opened_at >= :f_from", f_from=to_db(self.opened_from))
        if self.opened_before is not None:
            add("c.opened_at < :f_before", f_before=to_db(self.opened_before))
        for name, value in (("age_band", self.age_band), ("relationship", self.relationship)):
            if value is not None:
                add(f"{_intake_field(name)} = :f_{name}", **{f"f_{name}": value})
        return conditions, params


def _intake_field(name: str) -> str:
    # One of the intake's known field names (never request data); a row whose intake is
    # not JSON simply has no answers.
    return f"CASE WHEN json_valid(c.intake) THEN json_extract(c.intake, '$.{name}') END"


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


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    conversation_id: int
    staff_id: int | None  # None: for whoever is on duty
    created_at: datetime
    seen_at: datetime | None


@dataclass(frozen=True)
class ConversationView:
    summary: InboxRow
    contact_id: int
    language: str
    reachable: bool
    opened_at: datetime
    resolved_at: datetime | None
    first_human_answer_at: datetime | None
    intake: dict[str, Any] | None
    handoff_summary: str | None
    messages: list[TranscriptMessage]
    earlier_messages: int  # how many older messages are not in `messages`
    alerts: list[AlertView]
    # Staff notes (private and handover): for staff only, never part of the transcript.
    notes: list[Note] = field(default_factory=list)
    # The same contact's older conversations, newest first.
    earlier_conversations: list[EarlierConversation] = field(default_factory=list)


@dataclass(frozen=True)
class EarlierConversation:
    """Another conversation of the same contact, for the counselor's picture of the case."""

    id: int
    opened_at: datetime
    resolved_at: datetime | None
    counselor: StaffRef | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    staff: StaffRef | None
    action: str
    conversation_id: int | None
    detail: dict[str, Any] | None


# -- the inbox -----------------------------------------------------------------------------


def _deadline(kind: DeadlineKind) -> str:
    # The current burst's (its generation), fired or not: the row keeps its colour after
    # the reminder went out. A follow-up held for quiet hours is a newer row: the latest.
    return (
        "(SELECT MAX(due_at) FROM deadlines d WHERE d.conversation_id = c.id"
        f" AND d.generation = c.ack_generation AND d.status != '{DeadlineStatus.CANCELLED}'"
        f" AND d.kind = '{kind.value}')"
    )


_ROW_SELECT = (
    "SELECT c.id, c.status, ct.channel, c.topic, c.org_id,"
    " s1.id, s1.name, s1.display_name, s2.id, s2.name, s2.display_name,"
    " c.urgent, c.waiting_since, c.handed_off_at,"
    " (SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id"
    "  ORDER BY m.id DESC LIMIT 1),"
    " c.updated_at,"
    f" {_deadline(DeadlineKind.FOLLOWUP)}, {_deadline(DeadlineKind.REMIND_STAFF)},"
    f" {_deadline(DeadlineKind.ESCALATE)},"
    " (SELECT COUNT(*) FROM staff_alerts a WHERE a.conversation_id = c.id"
    "  AND a.seen_at IS NULL),"
    " c.intake,"
    # The client's last written message, cut short in SQL already (one more character
    # than shown, to know it was cut): read from the same index as the last message.
    f" (SELECT substr(m.body, 1, {PREVIEW_CHARS * 2}) FROM messages m"
    "  WHERE m.conversation_id = c.id AND m.author = 'client' AND m.body IS NOT NULL"
    "  AND m.kind != 'postback' ORDER BY m.id DESC LIMIT 1)"
    " FROM conversations c"
    " JOIN contacts ct ON ct.id = c.contact_id"
    " LEFT JOIN staff s1 ON s1.id = c.counselor_id"
    " LEFT JOIN staff s2 ON s2.id = c.pair_counselor_id"
)

_URGENT_FIRST = "c.urgent DESC"
_QUEUE_SQL: dict[str, tuple[str, str]] = {
    # queue: (condition, order)
    "waiting": (
        f"c.waiting_since IS NOT NULL AND c.status IN {_OPEN}",
        f"{_URGENT_FIRST}, c.waiting_since, c.id",
    ),
    "unassigned": (
        f"c.status = '{ConversationStatus.QUEUED.value}' AND c.counselor_id IS NULL",
        f"{_URGENT_FIRST}, COALESCE(c.waiting_since, c.handed_off_at), c.id",
    ),
    "mine": (
        f"(c.counselor_id = :me OR c.pair_counselor_id = :me) AND c.status IN {_OPEN}",
        f"{_URGENT_FIRST}, c.waiting_since IS NULL, c.waiting_since, c.updated_at DESC",
    ),
    "urgent": (
        f"c.urgent = 1 AND c.status != '{ConversationStatus.RESOLVED.value}'",
        "c.waiting_since IS NULL, c.waiting_since, c.updated_at DESC",
    ),
    "all": ("1 = 1", "c.updated_at DESC, c.id DESC"),
    "resolved": (
        f"c.status = '{ConversationStatus.RESOLVED.value}'",
        "c.resolved_at DESC, c.id DESC",
    ),
}

_VISIBLE = "(c.org_id = :org OR c.counselor_id = :me OR c.pair_counselor_id = :me)"


def _ref(staff_id: int | None, name: str | None, display_name: str | None) -> StaffRef | None:
    if staff_id is None:
        return None
    return StaffRef(staff_id, name or "", display_name or "")


def writer_of(topic: str | None) -> str:
    return topic if topic in WRITERS else "unknown"


def _inbox_row(row: Sequence[Any]) -> InboxRow:
    return InboxRow(
        id=row[0],
        status=row[1],
        channel=row[2],
        topic=row[3],
        writer=writer_of(row[3]),
        org_id=row[4],
        counselor=_ref(row[5], row[6], row[7]),
        pair=_ref(row[8], row[9], row[10]),
        urgent=bool(row[11]),
        waiting_since=from_db(row[12]),
        handed_off_at=from_db(row[13]),
        last_message_at=from_db(row[14]),
        updated_at=from_db(row[15]),  # type: ignore[arg-type]
        followup_due=from_db(row[16]),
        remind_due=from_db(row[17]),
        escalate_due=from_db(row[18]),
        open_alerts=int(row[19]),
        intake=_brief(_intake(row[20])),
        preview=_preview(row[21]),
    )


def _brief(intake: dict[str, Any] | None) -> dict[str, Any]:
    if not intake:
        return {}
    return {name: intake[name] for name in BRIEF_FIELDS if intake.get(name) is not None}


def _preview(text: str | None) -> str | None:
    """The start of a message on one line: spaces and line breaks folded, at most
    PREVIEW_CHARS characters, an ellipsis when cut. Text, never markup: the page shows it
    with textContent."""
    if not text:
        return None
    folded = " ".join(text.split())
    if len(folded) <= PREVIEW_CHARS:
        return folded or None
    return folded[: PREVIEW_CHARS - 1] + "…"


def inbox(
    conn: Tx,
    viewer: Viewer,
    queue: str,
    limit: int = DEFAULT_ROWS,
    found: InboxFilter | None = None,
) -> list[InboxRow]:
    """One queue's rows, in the order a counselor works them, narrowed by `found`."""
    if queue not in _QUEUE_SQL:
        raise ValueError(f"unknown queue {queue!r}; queues: {', '.join(QUEUES)}")
    condition, order = _QUEUE_SQL[queue]
    if not viewer.sees_all:
        condition = f"{condition} AND {_VISIBLE}"
    params = {"me": viewer.staff_id, "org": viewer.org_id, "limit": max(1, min(limit, MAX_ROWS))}
    if found is not None:
        extra, values = found.sql()
        condition = " AND ".join([condition, *extra])
        params.update(values)
    rows = conn.execute(
        f"{_ROW_SELECT} WHERE {condition} ORDER BY {order} LIMIT :limit", params
    ).fetchall()
    return [_inbox_row(row) for row in rows]


def queue_counts(conn: Tx, viewer: Viewer) -> dict[str, int]:
    """How many rows each small queue holds (for the tabs); 'all' and 'resolved' are not
    counted (they grow without bound)."""
    counts = {}
    for queue in ("waiting", "unassigned", "mine", "urgent"):
        condition, _ = _QUEUE_SQL[queue]
        if not viewer.sees_all:
            condition = f"{condition} AND {_VISIBLE}"
        row = conn.execute(
            f"SELECT COUNT(*) FROM conversations c WHERE {condition}",
            {"me": viewer.staff_id, "org": viewer.org_id},
        ).fetchone()
        counts[queue] = int(row[0])
    return counts


def inbox_row(conn: Tx, viewer: Viewer, conversation_id: int) -> InboxRow | None:
    row = conn.execute(f"{_ROW_SELECT} WHERE c.id = ?", (conversation_id,)).fetchone()
    if row is None:
        return None
    found = _inbox_row(row)
    pair_id = found.pair.id if found.pair else None
    counselor_id = found.counselor.id if found.counselor else None
    return found if viewer.can_see(found.org_id, counselor_id, pair_id) else None


def visibility(conn: Tx, conversation_ids: Iterable[int]) -> dict[int, tuple[Any, ...]]:
    """(org_id, counselor_id, pair_counselor_id) per conversation, for filtering live events."""
    ids = list(dict.fromkeys(conversation_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        "SELECT id, org_id, counselor_id, pair_counselor_id FROM conversations"
        f" WHERE id IN ({marks})",
        ids,
    ).fetchall()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


# -- one conversation ------------------------------------------------------------------------

_DELIVERY = {
    "pending": "pending",
    "sending": "sending",
    "delivered": "sent",
    "failed": "failed",
    "cancelled": "cancelled",
}


def _author_kind(direction: str, author: str, kind: str) -> str:
    if author == "client":
        return "client"
    if author.startswith(STAFF_AUTHOR_PREFIX):
        return "staff"
    if author == "system" or direction == "in":
        return "system"
    return "ack" if kind == MessageKind.ACK else "bot"


def _staff_refs(conn: Tx, ids: set[int]) -> dict[int, StaffRef]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, name, display_name FROM staff WHERE id IN ({marks})", tuple(ids)
    ).fetchall()
    return {row[0]: StaffRef(row[0], row[1], row[2]) for row in rows}


def _staff_id(author: str) -> int | None:
    if not author.startswith(STAFF_AUTHOR_PREFIX):
        return None
    try:
        return int(author.removeprefix(STAFF_AUTHOR_PREFIX))
    except ValueError:
        return None


def transcript(
    conn: Tx, conversation_id: int, limit: int = TRANSCRIPT_ROWS
) -> tuple[list[TranscriptMessage], int]:
    """The newest `limit` messages, oldest first, and how many older ones were left out."""
    rows = conn.execute(
        "SELECT m.id, m.direction, m.author, m.kind, m.body, m.created_at, m.outbox_id,"
        " o.status, o.last_error, o.sent_at, m.read_at"
        " FROM messages m LEFT JOIN outbox o ON o.id = m.outbox_id"
        " WHERE m.conversation_id = ? ORDER BY m.id DESC LIMIT ?",
        (conversation_id, limit + 1),
    ).fetchall()
    earlier = 0
    if len(rows) > limit:
        rows = rows[:limit]
        earlier = int(
            conn.execute(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND id < ?",
                (conversation_id, rows[-1][0]),
            ).fetchone()[0]
        )
    rows.reverse()
    staff_ids = {sid for row in rows if (sid := _staff_id(row[2])) is not None}
    refs = _staff_refs(conn, staff_ids)
    messages = []
    for row in rows:
        message_id, direction, author, kind, body, created, outbox_id = row[:7]
        internal = kind == MessageKind.HANDOFF_SUMMARY
        delivery = None
        if direction == "out":
            delivery = _DELIVERY.get(row[7], "pending") if outbox_id is not None else "not_sent"
            if delivery == "pending" and row[8] == OUTBOX_HELD_FOR_ALLOWANCE:
                delivery = "held"  # waits for the month's push allowance (or a reply token)
        staff_id = _staff_id(author)
        messages.append(
            TranscriptMessage(
                id=message_id,
                direction=direction,
                author_kind=_author_kind(direction, author, kind),
                author=refs.get(staff_id) if staff_id is not None else None,
                kind=kind,
                text=body,
                created_at=from_db(created),  # type: ignore[arg-type]
                internal=internal,
                delivery=delivery,
                delivery_error=row[8] if delivery == "failed" else None,
                sent_at=from_db(row[9]),
                read_at=from_db(row[10]),
            )
        )
    return messages, earlier


def message(conn: Tx, message_id: int) -> TranscriptMessage | None:
    row = conn.execute(
        "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return None
    rows, _ = transcript(conn, row[0], TRANSCRIPT_ROWS)
    return next((m for m in rows if m.id == message_id), None)


def conversation(conn: Tx, viewer: Viewer, conversation_id: int) -> ConversationView | None:
    """The conversation as a counselor opens it; None if it does not exist or the viewer
    may not see it (the API answers 404 for both, so ids cannot be probed)."""
    summary = inbox_row(conn, viewer, conversation_id)
    if summary is None:
        return None
    row = conn.execute(
        "SELECT c.contact_id, ct.language, ct.reachable, c.opened_at, c.resolved_at,"
        " c.first_human_answer_at, c.intake FROM conversations c"
        " JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ?",
        (conversation_id,),
    ).fetchone()
    messages, earlier = transcript(conn, conversation_id)
    summary_row = conn.execute(
        "SELECT body FROM messages WHERE conversation_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
        (conversation_id, MessageKind.HANDOFF_SUMMARY.value),
    ).fetchone()
    return ConversationView(
        summary=summary,
        contact_id=row[0],
        language=row[1],
        reachable=bool(row[2]),
        opened_at=from_db(row[3]),  # type: ignore[arg-type]
        resolved_at=from_db(row[4]),
        first_human_answer_at=from_db(row[5]),
        intake=_intake(row[6]),
        handoff_summary=summary_row[0] if summary_row else None,
        messages=messages,
        earlier_messages=earlier,
        alerts=_alerts_where(conn, "a.conversation_id = ?", (conversation_id,), 100),
        notes=staff_notes.for_conversation(conn, conversation_id),
        earlier_conversations=earlier_conversations(conn, row[0], conversation_id),
    )


def earlier_conversations(
    conn: Tx, contact_id: int, before_id: int, limit: int = 20
) -> list[EarlierConversation]:
    """The contact's conversations older than `before_id`, newest first."""
    rows = conn.execute(
        "SELECT c.id, c.opened_at, c.resolved_at, s.id, s.name, s.display_name"
        " FROM conversations c LEFT JOIN staff s ON s.id = c.counselor_id"
        " WHERE c.contact_id = ? AND c.id < ? ORDER BY c.id DESC LIMIT ?",
        (contact_id, before_id, limit),
    ).fetchall()
    return [
        EarlierConversation(
            id=row[0],
            opened_at=from_db(row[1]),  # type: ignore[arg-type]
            resolved_at=from_db(row[2]),
            counselor=_ref(row[3], row[4], row[5]),
        )
        for row in rows
    ]


def handover_notes(conn: Tx, viewer: Viewer, start: datetime, end: datetime) -> list[Note]:
    """The handover notes written in [start, end) that this staff member may read: those
    addressed to them, and those on conversations they can see."""
    found = staff_notes.handovers_between(conn, start, end)
    owners = visibility(conn, [note.conversation_id for note in found])
    return [
        note
        for note in found
        if note.to_staff_id == viewer.staff_id
        or note.author_id == viewer.staff_id
        or (note.conversation_id in owners and viewer.can_see(*owners[note.conversation_id]))
    ]


def colleagues(conn: Tx) -> list[Colleague]:
    """Active staff, for addressing a handover note or mentioning someone."""
    rows = conn.execute(
        "SELECT id, login, display_name, org_id, role FROM staff WHERE active = 1"
        " ORDER BY org_id IS NULL, org_id, display_name"
    ).fetchall()
    return [Colleague(row[0], row[2], row[2], row[1], row[3], row[4]) for row in rows]


def _intake(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def unread_read_tokens(conn: Tx, conversation_id: int) -> tuple[str, str, list[int]] | None:
    """(channel, newest token, message ids) of client messages not yet marked read; marking
    the newest marks every earlier one (LINE's markAsReadToken works that way)."""
    rows = conn.execute(
        "SELECT m.id, m.read_token, ct.channel FROM messages m"
        " JOIN conversations c ON c.id = m.conversation_id"
        " JOIN contacts ct ON ct.id = c.contact_id"
        " WHERE m.conversation_id = ? AND m.read_token IS NOT NULL AND m.read_at IS NULL"
        " ORDER BY m.id",
        (conversation_id,),
    ).fetchall()
    if not rows:
        return None
    return rows[-1][2], rows[-1][1], [row[0] for row in rows]


# -- alerts and audit -----------------------------------------------------------------------


def _alerts_where(conn: Tx, condition: str, params: Sequence[Any], limit: int) -> list[AlertView]:
    rows = conn.execute(
        "SELECT a.id, a.kind, a.conversation_id, a.staff_id, a.created_at, a.seen_at"
        f" FROM staff_alerts a JOIN conversations c ON c.id = a.conversation_id WHERE {condition}"
        " ORDER BY a.id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [
        AlertView(row[0], row[1], row[2], row[3], from_db(row[4]), from_db(row[5]))  # type: ignore[arg-type]
        for row in rows
    ]


def alerts(
    conn: Tx, viewer: Viewer, *, include_seen: bool = False, limit: int = DEFAULT_ROWS
) -> list[AlertView]:
    """Alerts for this staff member, and those for whoever is on duty on conversations they
    can see; newest first."""
    condition = "(a.staff_id = :me OR a.staff_id IS NULL)"
    if not viewer.sees_all:
        condition = f"(a.staff_id = :me OR (a.staff_id IS NULL AND {_VISIBLE}))"
    if not include_seen:
        condition += " AND a.seen_at IS NULL"
    rows = conn.execute(
        "SELECT a.id, a.kind, a.conversation_id, a.staff_id, a.created_at, a.seen_at"
        f" FROM staff_alerts a JOIN conversations c ON c.id = a.conversation_id WHERE {condition}"
        " ORDER BY a.id DESC LIMIT :limit",
        {"me": viewer.staff_id, "org": viewer.org_id, "limit": max(1, min(limit, MAX_ROWS))},
    ).fetchall()
    return [
        AlertView(row[0], row[1], row[2], row[3], from_db(row[4]), from_db(row[5]))  # type: ignore[arg-type]
        for row in rows
    ]


def open_alerts_on(conn: Tx, viewer: Viewer, conversation_id: int) -> list[int]:
    """The ids of one conversation's unseen alerts for this staff member: addressed to
    them, or to whoever is on duty."""
    rows = conn.execute(
        "SELECT id FROM staff_alerts WHERE conversation_id = ? AND seen_at IS NULL"
        " AND (staff_id = ? OR staff_id IS NULL) ORDER BY id",
        (conversation_id, viewer.staff_id),
    ).fetchall()
    return [row[0] for row in rows]


def audit_entries(
    conn: Tx,
    conversation_id: int | None = None,
    limit: int = DEFAULT_ROWS,
    *,
    staff_id: int | None = None,
    action: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[AuditEntry]:
    """Newest first: everyone's, or filtered by conversation, staff member, action and a
    time range [start, end)."""
    conditions: list[str] = []
    params: list[Any] = []
    for sql, value in (
        ("a.conversation_id = ?", conversation_id),
        ("a.staff_id = ?", staff_id),
        ("a.action = ?", action),
        ("a.at >= ?", to_db(start) if start else None),
        ("a.at < ?", to_db(end) if end else None),
    ):
        if value is not None:
            conditions.append(sql)
            params.append(value)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = conn.execute(
        "SELECT a.id, a.at, s.id, s.name, s.display_name, a.action, a.conversation_id, a.detail"
        f" FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id {where}"
        " ORDER BY a.id DESC LIMIT ?",
        (*params, max(1, min(limit, MAX_ROWS))),
    ).fetchall()
    return [
        AuditEntry(
            id=row[0],
            at=from_db(row[1]),  # type: ignore[arg-type]
            staff=_ref(row[2], row[3], row[4]),
            action=row[5],
            conversation_id=row[6],
            detail=_intake(row[7]),
        )
        for row in rows
    ]


def client_address(conn: Tx, conversation_id: int) -> tuple[str, str] | None:
    """(channel, platform user id) of a reachable client, for a call to their platform
    that is not a message (a typing indicator). Never logged."""
    row = conn.execute(
        "SELECT ct.channel, ct.platform_user_id FROM conversations c"
        " JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ? AND ct.reachable = 1",
        (conversation_id,),
    ).fetchone()
    return (row[0], row[1]) if row else None


def recent_staff_answer(
    conn: Tx, conversation_id: int, other_than: int, since: datetime
) -> StaffRef | None:
    """A colleague (not `other_than`) who answered the client since `since`, if any."""
    row = conn.execute(
        "SELECT author FROM messages WHERE conversation_id = ? AND direction = 'out'"
        " AND author LIKE ? AND author != ? AND created_at >= ? ORDER BY id DESC LIMIT 1",
        (
            conversation_id,
            STAFF_AUTHOR_PREFIX + "%",
            STAFF_AUTHOR_PREFIX + str(other_than),
            to_db(since),
        ),
    ).fetchone()
    if row is None:
        return None
    staff_id = _staff_id(row[0])
    return _staff_refs(conn, {staff_id}).get(staff_id) if staff_id is not None else None


def audit_actions(conn: Tx) -> list[str]:
    """Every action the audit log holds, for the filter."""
    rows = conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1").fetchall()
    return [row[0] for row in rows]


@dataclass(frozen=True)
class AlertRecord:
    alert: AlertView
    addressee: StaffRef | None  # None: whoever was on duty


def alerts_history(
    conn: Tx, *, kind: str | None = None, limit: int = DEFAULT_ROWS
) -> list[AlertRecord]:
    """Every alert, seen or not, newest first (supervisors)."""
    condition, params = ("WHERE a.kind = ?", [kind]) if kind else ("", [])
    rows = conn.execute(
        "SELECT a.id, a.kind, a.conversation_id, a.staff_id, a.created_at, a.seen_at,"
        " s.name, s.display_name FROM staff_alerts a LEFT JOIN staff s ON s.id = a.staff_id"
        f" {condition} ORDER BY a.id DESC LIMIT ?",
        (*params, max(1, min(limit, MAX_ROWS))),
    ).fetchall()
    return [
        AlertRecord(
            AlertView(row[0], row[1], row[2], row[3], from_db(row[4]), from_db(row[5])),  # type: ignore[arg-type]
            _ref(row[3], row[6], row[7]),
        )
        for row in rows
    ]
