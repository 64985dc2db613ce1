"""The inbox: each queue's rows in the order a counselor works them, narrowed by what they
look for, and the tab counts. A row's intake and preview are sealed texts (issue 23),
opened here; SQL only ever filters and sorts on clear columns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.read_side.common import DEFAULT_ROWS, StaffRef, json_object, row_limit, staff_ref
from storage.read_side.finding import WRITERS, InboxFilter
from storage.read_side.viewer import VISIBLE_SQL, Viewer
from storage.sealed_texts import contact_subject, opened
from storage.statuses import (
    HUMAN_OWNED,
    ConversationStatus,
    DeadlineKind,
    DeadlineStatus,
    sql_list,
)
from storage.timefmt import from_db
from storage.tx import Tx, named_rows

QUEUES = ("waiting", "unassigned", "mine", "urgent", "all", "resolved")
# A row's preview of the client's last written message, in characters.
PREVIEW_CHARS = 60
# The intake answers a row shows in a few words.
BRIEF_FIELDS = ("who", "relationship", "age_band", "duration")

_OPEN = sql_list(HUMAN_OWNED)


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
    " s1.id AS counselor_id, s1.name AS counselor_name,"
    " s1.display_name AS counselor_display_name,"
    " s2.id AS pair_id, s2.name AS pair_name, s2.display_name AS pair_display_name,"
    " c.urgent, c.waiting_since, c.handed_off_at,"
    " (SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id"
    "  ORDER BY m.id DESC LIMIT 1) AS last_message_at,"
    " c.updated_at,"
    f" {_deadline(DeadlineKind.FOLLOWUP)} AS followup_due,"
    f" {_deadline(DeadlineKind.REMIND_STAFF)} AS remind_due,"
    f" {_deadline(DeadlineKind.ESCALATE)} AS escalate_due,"
    " (SELECT COUNT(*) FROM staff_alerts a WHERE a.conversation_id = c.id"
    "  AND a.seen_at IS NULL) AS open_alerts,"
    " c.contact_id, c.intake,"
    # The client's last written message (sealed: cut short once opened), found through
    # the same index as the last message.
    " pm.id AS preview_id, pm.body AS preview"
    " FROM conversations c"
    " JOIN contacts ct ON ct.id = c.contact_id"
    " LEFT JOIN staff s1 ON s1.id = c.counselor_id"
    " LEFT JOIN staff s2 ON s2.id = c.pair_counselor_id"
    " LEFT JOIN messages pm ON pm.id = (SELECT m.id FROM messages m"
    "  WHERE m.conversation_id = c.id AND m.author = 'client' AND m.body IS NOT NULL"
    "  AND m.kind != 'postback' ORDER BY m.id DESC LIMIT 1)"
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


def writer_of(topic: str | None) -> str:
    return topic if topic in WRITERS else "unknown"


def _inbox_row(conn: Tx, row: dict[str, Any]) -> InboxRow:
    subject = contact_subject(row["contact_id"])
    intake = opened(conn, subject, "conversations", "intake", row["id"], row["intake"])
    preview = (
        opened(conn, subject, "messages", "body", row["preview_id"], row["preview"])
        if row["preview_id"] is not None
        else None
    )
    return InboxRow(
        id=row["id"],
        status=row["status"],
        channel=row["channel"],
        topic=row["topic"],
        writer=writer_of(row["topic"]),
        org_id=row["org_id"],
        counselor=staff_ref(
            row["counselor_id"], row["counselor_name"], row["counselor_display_name"]
        ),
        pair=staff_ref(row["pair_id"], row["pair_name"], row["pair_display_name"]),
        urgent=bool(row["urgent"]),
        waiting_since=from_db(row["waiting_since"]),
        handed_off_at=from_db(row["handed_off_at"]),
        last_message_at=from_db(row["last_message_at"]),
        updated_at=from_db(row["updated_at"]),  # type: ignore[arg-type]
        followup_due=from_db(row["followup_due"]),
        remind_due=from_db(row["remind_due"]),
        escalate_due=from_db(row["escalate_due"]),
        open_alerts=int(row["open_alerts"]),
        intake=_brief(json_object(intake)),
        preview=_preview(preview),
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


def _visible(condition: str, viewer: Viewer) -> str:
    return condition if viewer.sees_all else f"{condition} AND {VISIBLE_SQL}"


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
    condition = _visible(condition, viewer)
    params = {**viewer.params(), "limit": row_limit(limit)}
    if found is not None:
        extra, values = found.sql()
        condition = " AND ".join([condition, *extra])
        params.update(values)
    if found is not None and found.intake_answers():
        return _intake_matches(conn, found, condition, order, params)
    rows = named_rows(
        conn, f"{_ROW_SELECT} WHERE {condition} ORDER BY {order} LIMIT :limit", params
    )
    return [_inbox_row(conn, row) for row in rows]


def _intake_matches(
    conn: Tx, found: InboxFilter, condition: str, order: str, params: dict[str, Any]
) -> list[InboxRow]:
    """The queue narrowed by intake answers, which SQL cannot read (they are sealed): the
    candidates' intakes in queue order, opened until `:limit` match, then those rows."""
    cursor = conn.execute(
        "SELECT c.id, c.contact_id, c.intake FROM conversations c"
        f" JOIN contacts ct ON ct.id = c.contact_id WHERE ({condition}) AND c.intake IS NOT NULL"
        f" ORDER BY {order}",
        params,
    )
    ids: list[int] = []
    while len(ids) < params["limit"] and (row := cursor.fetchone()) is not None:
        subject = contact_subject(row[1])
        intake = opened(conn, subject, "conversations", "intake", row[0], row[2])
        if found.matches_intake(json_object(intake)):
            ids.append(row[0])
    if not ids:
        return []
    rows = named_rows(
        conn,
        f"{_ROW_SELECT} WHERE c.id IN (SELECT value FROM json_each(:ids))",
        {"ids": json.dumps(ids)},
    )
    by_id = {row["id"]: _inbox_row(conn, row) for row in rows}
    return [by_id[cid] for cid in ids if cid in by_id]


def queue_counts(conn: Tx, viewer: Viewer) -> dict[str, int]:
    """How many rows each small queue holds (for the tabs); 'all' and 'resolved' are not
    counted (they grow without bound)."""
    counts = {}
    for queue in ("waiting", "unassigned", "mine", "urgent"):
        condition = _visible(_QUEUE_SQL[queue][0], viewer)
        row = conn.execute(
            f"SELECT COUNT(*) FROM conversations c WHERE {condition}", viewer.params()
        ).fetchone()
        counts[queue] = int(row[0])
    return counts


def inbox_row(conn: Tx, viewer: Viewer, conversation_id: int) -> InboxRow | None:
    """One conversation's row, if the viewer may see it."""
    rows = named_rows(conn, f"{_ROW_SELECT} WHERE c.id = ?", (conversation_id,))
    if not rows:
        return None
    found = _inbox_row(conn, rows[0])
    pair_id = found.pair.id if found.pair else None
    counselor_id = found.counselor.id if found.counselor else None
    return found if viewer.can_see(found.org_id, counselor_id, pair_id) else None
