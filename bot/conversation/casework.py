"""The staff desk's transactions on one conversation (answer, accept, resolve, reopen,
urgent) and the offer of queued cases: each a sync job on the writer, audited in the same
transaction. bot/conversation/desk.py runs them and carries out what they queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.conversation.context import TurnContext
from bot.conversation.refusal import Refusal, active_member, open_conversation, pair_for
from bot.delivery.channel import Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said, say
from bot.handoff import assignment as handoff
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.runtime.events import Event, EventKind
from storage import audit, contacts, conversations, deadlines
from storage.conversations import Conversation
from storage.staff import StaffMember
from storage.statuses import STAFF_AUTHOR, ConversationStatus, MessageKind
from storage.tx import Tx


@dataclass
class DeskOutcome(Outcome):
    # False when the client can no longer be reached (they blocked the account): the
    # answer is kept in the transcript, and the console must say it was not sent.
    delivered: bool = True


def _send(
    conn: Tx,
    ctx: TurnContext,
    conversation: Conversation,
    texts: list[str],
    kind: str,
    now: datetime,
    staff_id: int | None = None,
) -> DeskOutcome:
    """Say `texts` to the client: a staff member's own words (`staff_id`), else the bot's."""
    contact = contacts.get(conn, conversation.contact_id)
    assert contact is not None
    outcome = DeskOutcome(contact_id=contact.id, delivered=contact.reachable)
    outcome.outbox_ids = say(
        conn,
        ctx.channels,
        contact=contact,
        conversation_id=conversation.id,
        said=[Said(Outgoing(text), kind) for text in texts],
        author=STAFF_AUTHOR if staff_id is not None else "bot",
        staff_id=staff_id,
        now=now,
        events=outcome.events,
    )
    return outcome


def answer(
    conn: Tx,
    conversation_id: int,
    staff_id: int,
    text: str,
    now: datetime,
    ctx: TurnContext,
) -> DeskOutcome:
    if not text.strip():
        raise Refusal("the answer is empty", "text_empty")
    conversation = open_conversation(conn, conversation_id)
    member = active_member(conn, staff_id)
    took_it = conversation.counselor_id is None
    if took_it:
        # Answering a queued case takes it on.
        handoff.accept(conn, ctx.handoff, conversation, member, now)
    outcome = _send(conn, ctx, conversation, [text], MessageKind.TEXT, now, member.id)
    if took_it:
        outcome.events.append(
            Event(EventKind.CONVERSATION_ASSIGNED, conversation.id, staff_id=member.id)
        )
    deadlines.cancel_pending(conn, conversation.id)
    conversations.staff_answered(conn, conversation.id, now, ctx.handoff.open_seconds)
    audit.record(conn, staff_id=member.id, action="answer", conversation_id=conversation.id, at=now)
    return outcome


def accept(
    conn: Tx,
    conversation_id: int,
    counselor_id: int,
    by_staff_id: int,
    now: datetime,
    ctx: TurnContext,
    pair_id: int | None = None,
) -> DeskOutcome:
    conversation = open_conversation(conn, conversation_id)
    counselor = active_member(conn, counselor_id)
    supervisor = active_member(conn, by_staff_id)
    # Checked here, in the transaction: of two counselors taking a case at the same moment,
    # the second is told, not silently put in the first one's place.
    if conversation.counselor_id is not None and not supervisor.role.can_supervise:
        raise Refusal("this conversation already has a counselor", "already_taken")
    pair = pair_for(conn, counselor, pair_id) if pair_id is not None else None
    outcome = _give(conn, ctx, conversation, counselor, now)
    if pair is not None:
        # The named pair replaces the one the assignment chose.
        given = conversations.get(conn, conversation.id)
        assert given is not None and given.org_id is not None
        handoff.assign(
            conn,
            conversation.id,
            conversation.contact_id,
            org_id=given.org_id,
            counselor_id=counselor.id,
            pair_id=pair.id,
            now=now,
        )
    audit.record(
        conn,
        staff_id=supervisor.id,
        action="accept",
        conversation_id=conversation.id,
        at=now,
        detail={"counselor_id": counselor.id, "pair_id": pair.id if pair else None},
    )
    return outcome


def offer_queued(conn: Tx, now: datetime, ctx: TurnContext) -> list[DeskOutcome]:
    outcomes = []
    for conversation in conversations.queued_without_counselor(conn):
        org = ctx.handoff.organization(conversation.org_id)
        counselor = handoff.available_counselor(conn, org, now)
        if counselor is None:
            continue
        outcomes.append(_give(conn, ctx, conversation, counselor, now))
        audit.record(
            conn,
            staff_id=None,
            action="offer",
            conversation_id=conversation.id,
            at=now,
            detail={"counselor_id": counselor.id},
        )
    return outcomes


def _give(
    conn: Tx, ctx: TurnContext, conversation: Conversation, counselor: StaffMember, now: datetime
) -> DeskOutcome:
    """The case is the counselor's now: the client is told who answers, and if they still
    wait, the new counselor's clock starts."""
    owner = handoff.accept(conn, ctx.handoff, conversation, counselor, now)
    language = conversation_language(conversation, "ja")
    texts = acks.announce_owner(
        acks.Words(ctx.catalogue, language), owner, ctx.handoff.acks, now, ack=False
    )
    outcome = _send(conn, ctx, conversation, texts, MessageKind.HANDOFF, now)
    outcome.events.append(
        Event(EventKind.CONVERSATION_ASSIGNED, conversation.id, staff_id=counselor.id)
    )
    if conversation.waiting_since is not None:
        # The client still waits: the new counselor's clock starts now.
        outcome.deadlines = acks.start_burst(
            conn, conversation.id, owner, ctx.handoff.acks, now, now
        )
    return outcome


def resolve(conn: Tx, conversation_id: int, staff_id: int, now: datetime) -> DeskOutcome:
    conversation = open_conversation(conn, conversation_id)
    member = active_member(conn, staff_id)
    deadlines.cancel_pending(conn, conversation.id)
    conversations.resolve(conn, conversation.id, now)
    audit.record(
        conn, staff_id=member.id, action="resolve", conversation_id=conversation.id, at=now
    )
    event = Event(EventKind.CONVERSATION_RESOLVED, conversation.id, staff_id=member.id)
    return DeskOutcome(events=[event])


def reopen(conn: Tx, conversation_id: int, staff_id: int, now: datetime) -> DeskOutcome:
    conversation = conversations.get(conn, conversation_id)
    if conversation is None or conversation.status != ConversationStatus.RESOLVED:
        raise Refusal("only a resolved conversation can be reopened", "not_resolved")
    member = active_member(conn, staff_id)
    if conversations.open_for(conn, conversation.contact_id) is not None:
        raise Refusal(
            "this client has written again since, in a newer conversation: continue there",
            "newer_open",
        )
    conversations.reopen(conn, conversation.id, now)
    audit.record(conn, staff_id=member.id, action="reopen", conversation_id=conversation.id, at=now)
    event = Event(EventKind.CONVERSATION_CHANGED, conversation.id, staff_id=member.id)
    return DeskOutcome(events=[event])


def set_urgent(
    conn: Tx, conversation_id: int, staff_id: int, urgent: bool, now: datetime
) -> DeskOutcome:
    conversation = conversations.get(conn, conversation_id)
    if conversation is None:
        raise Refusal("no such conversation", "no_conversation")
    member = active_member(conn, staff_id)
    conversations.set_urgent(conn, conversation.id, urgent, now)
    audit.record(
        conn,
        staff_id=member.id,
        action="urgent" if urgent else "not_urgent",
        conversation_id=conversation.id,
        at=now,
    )
    event = Event(EventKind.CONVERSATION_CHANGED, conversation.id, staff_id=member.id)
    return DeskOutcome(events=[event])
