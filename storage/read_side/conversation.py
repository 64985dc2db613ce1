"""One conversation as a counselor opens it, the contact's earlier conversations, the
handover notes a staff member may read and the colleagues they can address."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage import notes as staff_notes
from storage.notes import Note
from storage.read_side.alerts import AlertView, alerts_where
from storage.read_side.common import StaffRef, json_object, staff_ref
from storage.read_side.inbox import InboxRow, inbox_row
from storage.read_side.transcript import TranscriptMessage, transcript
from storage.read_side.viewer import Viewer, visibility
from storage.sealed_texts import contact_subject, opened
from storage.statuses import MessageKind
from storage.timefmt import from_db
from storage.tx import Tx, named_rows


@dataclass(frozen=True)
class Colleague(StaffRef):
    login: str
    org_id: str | None
    role: str


@dataclass(frozen=True)
class EarlierConversation:
    """Another conversation of the same contact, for the counselor's picture of the case."""

    id: int
    opened_at: datetime
    resolved_at: datetime | None
    counselor: StaffRef | None


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


def conversation(conn: Tx, viewer: Viewer, conversation_id: int) -> ConversationView | None:
    """The conversation as a counselor opens it; None if it does not exist or the viewer
    may not see it (the API answers 404 for both, so ids cannot be probed)."""
    summary = inbox_row(conn, viewer, conversation_id)
    if summary is None:
        return None
    row = named_rows(
        conn,
        "SELECT c.contact_id, ct.language, ct.reachable, c.opened_at, c.resolved_at,"
        " c.first_human_answer_at, c.intake FROM conversations c"
        " JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ?",
        (conversation_id,),
    )[0]
    messages, earlier = transcript(conn, conversation_id)
    summary_row = conn.execute(
        "SELECT id, body FROM messages WHERE conversation_id = ? AND kind = ?"
        " ORDER BY id DESC LIMIT 1",
        (conversation_id, MessageKind.HANDOFF_SUMMARY.value),
    ).fetchone()
    subject = contact_subject(row["contact_id"])
    intake = opened(conn, subject, "conversations", "intake", conversation_id, row["intake"])
    handoff_summary = (
        opened(conn, subject, "messages", "body", summary_row[0], summary_row[1])
        if summary_row
        else None
    )
    return ConversationView(
        summary=summary,
        contact_id=row["contact_id"],
        language=row["language"],
        reachable=bool(row["reachable"]),
        opened_at=from_db(row["opened_at"]),  # type: ignore[arg-type]
        resolved_at=from_db(row["resolved_at"]),
        first_human_answer_at=from_db(row["first_human_answer_at"]),
        intake=json_object(intake),
        handoff_summary=handoff_summary,
        messages=messages,
        earlier_messages=earlier,
        alerts=alerts_where(conn, "a.conversation_id = ?", (conversation_id,), 100),
        notes=staff_notes.for_conversation(conn, conversation_id),
        earlier_conversations=earlier_conversations(conn, row["contact_id"], conversation_id),
    )


def earlier_conversations(
    conn: Tx, contact_id: int, before_id: int, limit: int = 20
) -> list[EarlierConversation]:
    """The contact's conversations older than `before_id`, newest first."""
    rows = named_rows(
        conn,
        "SELECT c.id, c.opened_at, c.resolved_at, s.id AS counselor_id, s.name,"
        " s.display_name FROM conversations c LEFT JOIN staff s ON s.id = c.counselor_id"
        " WHERE c.contact_id = ? AND c.id < ? ORDER BY c.id DESC LIMIT ?",
        (contact_id, before_id, limit),
    )
    return [
        EarlierConversation(
            id=row["id"],
            opened_at=from_db(row["opened_at"]),  # type: ignore[arg-type]
            resolved_at=from_db(row["resolved_at"]),
            counselor=staff_ref(row["counselor_id"], row["name"], row["display_name"]),
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
        or (note.conversation_id in owners and viewer.sees(owners[note.conversation_id]))
    ]


def colleagues(conn: Tx) -> list[Colleague]:
    """Active staff, for addressing a handover note or mentioning someone."""
    rows = named_rows(
        conn,
        "SELECT id, login, display_name, org_id, role FROM staff WHERE active = 1"
        " ORDER BY org_id IS NULL, org_id, display_name",
    )
    return [
        Colleague(
            id=row["id"],
            name=row["display_name"],
            display_name=row["display_name"],
            login=row["login"],
            org_id=row["org_id"],
            role=row["role"],
        )
        for row in rows
    ]
