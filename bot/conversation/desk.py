"""What staff do to a conversation: answer, accept a queued case, resolve. Each is audited.

The console calls these; each runs in one transaction on the writer, then wakes the sender
and the alarm for what it queued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.conversation.context import TurnContext
from bot.delivery.channel import Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said, say
from bot.handoff import assignment as handoff
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.runtime.clock import Clock
from bot.runtime.events import Event, EventKind
from storage import audit, contacts, conversations, deadlines, staff
from storage.conversations import Conversation
from storage.database import Database
from storage.staff import StaffMember
from storage.statuses import HUMAN_OWNED, ConversationStatus, MessageKind, staff_author
from storage.tx import Tx

# Who may give a case to someone else, or take one that is already someone's.
SUPERVISING_ROLES = ("supervisor", "admin")


class DeskError(ValueError):
    """The action does not apply (unknown staff, closed conversation...); safe to show.
    `key` names the sentence the console shows (staff_console/errors.toml)."""

    def __init__(self, message: str, key: str = "desk") -> None:
        super().__init__(message)
        self.key = key


@dataclass
class DeskOutcome(Outcome):
    # False when the client can no longer be reached (they blocked the account): the
    # answer is kept in the transcript, and the console must say it was not sent.
    delivered: bool = True


class StaffDesk:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        context: TurnContext,
        kick: Callable[[int], None],
        arm: Callable[[datetime | None], None],
        publish: Callable[[list[Event]], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._context = context
        self._kick = kick  # sender.kick(contact_id)
        self._arm = arm  # alarm.arm(due)
        self._publish = publish  # events, once committed

    async def answer(self, conversation_id: int, staff_id: int, text: str) -> DeskOutcome:
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: _answer(c, conversation_id, staff_id, text, now, self._context)
        )
        return self._after(outcome)

    async def accept(
        self, conversation_id: int, counselor_id: int, by_staff_id: int
    ) -> DeskOutcome:
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: _accept(c, conversation_id, counselor_id, by_staff_id, now, self._context)
        )
        return self._after(outcome)

    async def resolve(self, conversation_id: int, staff_id: int) -> None:
        now = self._clock.now()
        outcome = await self._db.write(lambda c: _resolve(c, conversation_id, staff_id, now))
        self._after(outcome)

    async def reopen(self, conversation_id: int, staff_id: int) -> None:
        now = self._clock.now()
        outcome = await self._db.write(lambda c: _reopen(c, conversation_id, staff_id, now))
        self._after(outcome)

    async def set_urgent(self, conversation_id: int, staff_id: int, urgent: bool) -> None:
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: _set_urgent(c, conversation_id, staff_id, urgent, now)
        )
        self._after(outcome)

    async def offer_queued(self) -> int:
        """Cases queued with no counselor go to one who is available now (one was added,
        came back from leave...). Only with automatic assignment: under review, a
        supervisor accepts them. Runs periodically on the alarm's scheduler. Returns how
        many were given."""
        if self._context.handoff.assignment != "auto":
            return 0
        now = self._clock.now()
        outcomes = await self._db.write(lambda c: _offer_queued(c, now, self._context))
        for outcome in outcomes:
            self._after(outcome)
        return len(outcomes)

    def _after(self, outcome: DeskOutcome) -> DeskOutcome:
        outcome.carry_out(self._kick, self._arm, self._publish)
        return outcome


def _open_conversation(conn: Tx, conversation_id: int) -> Conversation:
    conversation = conversations.get(conn, conversation_id)
    if conversation is None or conversation.status not in HUMAN_OWNED:
        raise DeskError("this conversation is not waiting for staff", "not_open")
    return conversation


def _member(conn: Tx, staff_id: int) -> StaffMember:
    member = staff.get(conn, staff_id)
    if member is None or not member.active:
        raise DeskError("unknown or inactive staff member", "unknown_staff")
    return member


def _send(
    conn: Tx,
    ctx: TurnContext,
    conversation: Conversation,
    texts: list[str],
    author: str,
    kind: str,
    now: datetime,
) -> DeskOutcome:
    contact = contacts.get(conn, conversation.contact_id)
    assert contact is not None
    outcome = DeskOutcome(contact_id=contact.id, delivered=contact.reachable)
    outcome.outbox_ids = say(
        conn,
        ctx.channels,
        contact=contact,
        conversation_id=conversation.id,
        said=[Said(Outgoing(text), kind) for text in texts],
        author=author,
        now=now,
        events=outcome.events,
    )
    return outcome


def _answer(
    conn: Tx,
    conversation_id: int,
    staff_id: int,
    text: str,
    now: datetime,
    ctx: TurnContext,
) -> DeskOutcome:
    if not text.strip():
        raise DeskError("the answer is empty", "text_empty")
    conversation = _open_conversation(conn, conversation_id)
    member = _member(conn, staff_id)
    took_it = conversation.counselor_id is None
    if took_it:
        # Answering a queued case takes it on.
        handoff.accept(conn, ctx.handoff, conversation, member, now)
    outcome = _send(conn, ctx, conversation, [text], staff_author(member.id), MessageKind.TEXT, now)
    if took_it:
        outcome.events.append(
            Event(EventKind.CONVERSATION_ASSIGNED, conversation.id, staff_id=member.id)
        )
    deadlines.cancel_pending(conn, conversation.id)
    conversations.staff_answered(conn, conversation.id, now)
    audit.record(conn, staff_id=member.id, action="answer", conversation_id=conversation.id, at=now)
    return outcome


def _accept(
    conn: Tx,
    conversation_id: int,
    counselor_id: int,
    by_staff_id: int,
    now: datetime,
    ctx: TurnContext,
) -> DeskOutcome:
    conversation = _open_conversation(conn, conversation_id)
    counselor = _member(conn, counselor_id)
    supervisor = _member(conn, by_staff_id)
    # Checked here, in the transaction: of two counselors taking a case at the same moment,
    # the second is told, not silently put in the first one's place.
    if conversation.counselor_id is not None and supervisor.role not in SUPERVISING_ROLES:
        raise DeskError("this conversation already has a counselor", "already_taken")
    outcome = _give(conn, ctx, conversation, counselor, now)
    audit.record(
        conn,
        staff_id=supervisor.id,
        action="accept",
        conversation_id=conversation.id,
        at=now,
        detail={"counselor_id": counselor.id},
    )
    return outcome


def _offer_queued(conn: Tx, now: datetime, ctx: TurnContext) -> list[DeskOutcome]:
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
    outcome = _send(conn, ctx, conversation, texts, "bot", MessageKind.HANDOFF, now)
    outcome.events.append(
        Event(EventKind.CONVERSATION_ASSIGNED, conversation.id, staff_id=counselor.id)
    )
    if conversation.waiting_since is not None:
        # The client still waits: the new counselor's clock starts now.
        outcome.deadlines = acks.start_burst(
            conn, conversation.id, owner, ctx.handoff.acks, now, now
        )
    return outcome


def _resolve(conn: Tx, conversation_id: int, staff_id: int, now: datetime) -> DeskOutcome:
    conversation = _open_conversation(conn, conversation_id)
    member = _member(conn, staff_id)
    deadlines.cancel_pending(conn, conversation.id)
    conversations.resolve(conn, conversation.id, now)
    audit.record(
        conn, staff_id=member.id, action="resolve", conversation_id=conversation.id, at=now
    )
    event = Event(EventKind.CONVERSATION_RESOLVED, conversation.id, staff_id=member.id)
    return DeskOutcome(events=[event])


def _reopen(conn: Tx, conversation_id: int, staff_id: int, now: datetime) -> DeskOutcome:
    conversation = conversations.get(conn, conversation_id)
    if conversation is None or conversation.status != ConversationStatus.RESOLVED:
        raise DeskError("only a resolved conversation can be reopened", "not_resolved")
    member = _member(conn, staff_id)
    if conversations.open_for(conn, conversation.contact_id) is not None:
        raise DeskError(
            "this client has written again since, in a newer conversation: continue there",
            "newer_open",
        )
    conversations.reopen(conn, conversation.id, now)
    audit.record(conn, staff_id=member.id, action="reopen", conversation_id=conversation.id, at=now)
    event = Event(EventKind.CONVERSATION_CHANGED, conversation.id, staff_id=member.id)
    return DeskOutcome(events=[event])


def _set_urgent(
    conn: Tx, conversation_id: int, staff_id: int, urgent: bool, now: datetime
) -> DeskOutcome:
    conversation = conversations.get(conn, conversation_id)
    if conversation is None:
        raise DeskError("no such conversation", "no_conversation")
    member = _member(conn, staff_id)
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
