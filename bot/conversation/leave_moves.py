"""Leave set in the console: a counselor's open conversations go to the cover when the
leave starts, and back when it ends.

How "moving" is represented: the conversation keeps its counselor (`counselor_id`, and
the contact's counselor for continuity); who answers meanwhile is what
bot/handoff/assignment.py `owner_of` computes at answer time (the pair, the named cover,
else a supervisor). This job adds what a person would do on the day, once per
conversation and phase (storage/leave_moves.py): the client is told plainly who answers
now (catalogue `cover`, then `responder_changed` on the way back), a waiting client's
promises become the responder's, and a handover note (申し送り) is written to the cover at
the start and to the counselor at the end. Runs every minute, and right after a leave is
set in the console.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversation import notes as staff_notes
from bot.conversation.context import TurnContext
from bot.conversation.reassign import tell_client
from bot.delivery.outcome import Outcome
from bot.handoff import assignment as handoff
from bot.messages.language import conversation_language
from bot.runtime.events import Event
from storage import audit, conversations, staff
from storage import leave_moves as moves
from storage.tx import Tx


def _note(
    conn: Tx, conversation_id: int, author: int, to: int, text: str, now: datetime
) -> list[Event]:
    _, noted = staff_notes.add_note(
        conn,
        conversation_id=conversation_id,
        author_id=author,
        kind="handover",
        text=text,
        to_staff_id=to,
        now=now,
    )
    return noted.events


def run(conn: Tx, ctx: TurnContext, now: datetime) -> list[Outcome]:
    outcomes: list[Outcome] = []
    since = (now - timedelta(days=2)).date()
    for conversation_id, counselor_id in moves.open_with_recent_leave(conn, since):
        conversation = conversations.get(conn, conversation_id)
        assert conversation is not None
        org = ctx.handoff.organization(conversation.org_id)
        leave = staff.leave_on(conn, counselor_id, handoff.local_day(org, now))
        if leave is None or moves.done(conn, leave.id, conversation_id, "started"):
            continue
        owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
        outcome = Outcome()
        language = conversation_language(conversation, "ja")
        counselor, cover = owner.counselor, owner.responder
        if cover is not None and counselor is not None and owner.covering:
            text = ctx.catalogue.text(
                "cover", language, counselor=counselor.display_name, cover=cover.display_name
            )
            tell_client(conn, ctx, conversation, owner, text, now, outcome)
            set_by, extra = moves.leave_extra(conn, leave.id)
            until = f"{leave.ends_on.month}月{leave.ends_on.day}日"
            note = ctx.catalogue.text(
                "leave_start_note", "ja", counselor=counselor.display_name, until=until
            )
            if extra:
                note = f"{note}\n{extra}"
            author = set_by if set_by is not None and set_by != cover.id else counselor.id
            outcome.events += _note(conn, conversation_id, author, cover.id, note, now)
        moves.record(conn, leave.id, conversation_id, "started", cover.id if cover else None, now)
        audit.record(
            conn,
            staff_id=None,
            action="leave_moved",
            conversation_id=conversation_id,
            at=now,
            detail={"leave_id": leave.id, "to": cover.id if cover else None},
        )
        outcomes.append(outcome)

    for leave_id, conversation_id, cover_id in moves.started_not_ended(conn):
        conversation = conversations.get(conn, conversation_id)
        assert conversation is not None and conversation.counselor_id is not None
        org = ctx.handoff.organization(conversation.org_id)
        current = staff.leave_on(conn, conversation.counselor_id, handoff.local_day(org, now))
        if current is not None and current.id == leave_id:
            continue  # still on this leave
        owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
        outcome = Outcome()
        counselor = owner.responder
        if counselor is not None and not owner.covering and cover_id is not None:
            language = conversation_language(conversation, "ja")
            text = ctx.catalogue.text(
                "responder_changed", language, counselor=counselor.display_name
            )
            tell_client(conn, ctx, conversation, owner, text, now, outcome)
            cover = staff.get(conn, cover_id)
            note = ctx.catalogue.text(
                "leave_return_note",
                "ja",
                counselor=counselor.display_name,
                cover=cover.display_name if cover else "",
            )
            author = cover_id if cover_id != counselor.id else counselor.id
            outcome.events += _note(conn, conversation_id, author, counselor.id, note, now)
        moves.record(conn, leave_id, conversation_id, "ended", cover_id, now)
        audit.record(
            conn,
            staff_id=None,
            action="leave_moved_back",
            conversation_id=conversation_id,
            at=now,
            detail={"leave_id": leave_id},
        )
        outcomes.append(outcome)
    return outcomes
