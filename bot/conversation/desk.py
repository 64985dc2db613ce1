"""What staff do to a conversation: answer, accept a queued case, resolve. Each is audited.

The console calls these; each runs in one transaction on the writer, then wakes the sender
and the alarm for what it queued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from bot.conversation import leave_moves, reassign, safety_feedback
from bot.conversation import notes as staff_notes
from bot.conversation.context import TurnContext
from bot.conversation.refusal import Refusal, active_member, open_conversation
from bot.delivery.channel import Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said, say
from bot.handoff import assignment as handoff
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.runtime.clock import Clock
from bot.runtime.events import Event, EventKind
from flows import FlowSet
from storage import audit, contacts, conversations, deadlines, staff
from storage import leave_moves as leave_store
from storage.conversations import Conversation
from storage.database import Database
from storage.safety_feedback import Mark
from storage.staff import StaffMember
from storage.statuses import ConversationStatus, MessageKind, staff_author
from storage.tx import Tx

AnyOutcome = TypeVar("AnyOutcome", bound=Outcome)


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

    @property
    def flows(self) -> FlowSet:
        """The flows the service runs: the console shows a tap as its button's label."""
        return self._context.flows

    async def answer(self, conversation_id: int, staff_id: int, text: str) -> DeskOutcome:
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: _answer(c, conversation_id, staff_id, text, now, self._context)
        )
        return self._after(outcome)

    async def accept(
        self,
        conversation_id: int,
        counselor_id: int,
        by_staff_id: int,
        pair_id: int | None = None,
    ) -> DeskOutcome:
        """A queued case is the counselor's (and the pair's, when one is named: a counselor
        of the other organisation); the client is told who answers and when."""
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: _accept(
                c, conversation_id, counselor_id, by_staff_id, now, self._context, pair_id
            )
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

    async def add_note(
        self,
        conversation_id: int,
        staff_id: int,
        kind: str,
        text: str,
        to_staff_id: int | None = None,
    ) -> int:
        """A private or handover note (never sent to the client); returns its id. Raises
        Refusal when it does not apply."""
        now = self._clock.now()
        note_id, outcome = await self._db.write(
            lambda c: staff_notes.add_note(
                c,
                conversation_id=conversation_id,
                author_id=staff_id,
                kind=kind,
                text=text,
                to_staff_id=to_staff_id,
                now=now,
            )
        )
        self._after(outcome)
        return note_id

    async def mark_safety(
        self,
        conversation_id: int,
        message_id: int,
        staff_id: int,
        kind: str,
        level: str | None,
    ) -> Mark:
        """The staff member's "danger missed" / "false alarm" mark on a client's message,
        replacing their earlier one (bot/conversation/safety_feedback.py)."""
        now = self._clock.now()
        found, outcome = await self._db.write(
            lambda c: safety_feedback.mark(
                c,
                conversation_id=conversation_id,
                message_id=message_id,
                staff_id=staff_id,
                kind=kind,
                level=level,
                now=now,
            )
        )
        self._after(outcome)
        return found

    async def withdraw_safety_mark(
        self, conversation_id: int, message_id: int, staff_id: int
    ) -> bool:
        now = self._clock.now()
        withdrawn, outcome = await self._db.write(
            lambda c: safety_feedback.withdraw(
                c,
                conversation_id=conversation_id,
                message_id=message_id,
                staff_id=staff_id,
                now=now,
            )
        )
        self._after(outcome)
        return withdrawn

    async def transfer(
        self,
        conversation_id: int,
        to_staff_id: int | None,
        by_staff_id: int,
        note: str | None = None,
        *,
        action: str = "transfer",
    ) -> None:
        """Give an open case to a colleague (None: the least loaded at work); the client
        is told once when who answers them changes (bot/conversation/reassign.py)."""
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: reassign.transfer(
                c,
                self._context,
                conversation_id=conversation_id,
                to_staff_id=to_staff_id,
                by_staff_id=by_staff_id,
                note=note,
                now=now,
                action=action,
            )
        )
        self._after(outcome)

    async def set_pair(
        self, conversation_id: int, pair_staff_id: int | None, by_staff_id: int
    ) -> None:
        """Pair the case with a counselor of the other organisation (None: unpair)."""
        now = self._clock.now()
        outcome = await self._db.write(
            lambda c: reassign.set_pair(
                c,
                self._context,
                conversation_id=conversation_id,
                pair_staff_id=pair_staff_id,
                by_staff_id=by_staff_id,
                now=now,
            )
        )
        self._after(outcome)

    async def set_leave(
        self,
        staff_id: int,
        starts_on: date,
        ends_on: date,
        cover_staff_id: int | None,
        by_staff_id: int,
        note: str | None,
    ) -> int:
        """Record leave from the console (as `tobira staff leave` does), then move what
        starts today at once; returns the leave's id. StaffError when it cannot be."""
        now = self._clock.now()

        def job(conn: Tx) -> int:
            leave_id = staff.add_leave(conn, staff_id, starts_on, ends_on, cover_staff_id, now)
            leave_store.set_note(conn, leave_id, by_staff_id, note)
            audit.record(
                conn,
                staff_id=by_staff_id,
                action="set_leave",
                conversation_id=None,
                at=now,
                detail={
                    "leave_id": leave_id,
                    "staff_id": staff_id,
                    "from": starts_on.isoformat(),
                    "to": ends_on.isoformat(),
                    "cover": cover_staff_id,
                },
            )
            return leave_id

        leave_id = await self._db.write(job)
        await self.move_for_leave()
        return leave_id

    async def move_for_leave(self) -> int:
        """Conversations whose counselor's leave started or ended: the client told, the
        handover note written (bot/conversation/leave_moves.py). Runs every minute."""
        now = self._clock.now()
        outcomes = await self._db.write(lambda c: leave_moves.run(c, now=now, ctx=self._context))
        for outcome in outcomes:
            self._after(outcome)
        return len(outcomes)

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

    def _after(self, outcome: AnyOutcome) -> AnyOutcome:
        outcome.carry_out(self._kick, self._arm, self._publish)
        return outcome


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
        raise Refusal("the answer is empty", "text_empty")
    conversation = open_conversation(conn, conversation_id)
    member = active_member(conn, staff_id)
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
    pair_id: int | None = None,
) -> DeskOutcome:
    conversation = open_conversation(conn, conversation_id)
    counselor = active_member(conn, counselor_id)
    supervisor = active_member(conn, by_staff_id)
    # Checked here, in the transaction: of two counselors taking a case at the same moment,
    # the second is told, not silently put in the first one's place.
    if conversation.counselor_id is not None and not supervisor.role.can_supervise:
        raise Refusal("this conversation already has a counselor", "already_taken")
    pair = active_member(conn, pair_id) if pair_id is not None else None
    if pair is not None and (pair.role != "counselor" or pair.org_id == counselor.org_id):
        raise Refusal("the pair is a counselor of the other organisation", "pair_other_org")
    outcome = _give(conn, ctx, conversation, counselor, now)
    if pair is not None:
        given = conversations.get(conn, conversation.id)
        assert given is not None and given.org_id is not None
        conversations.set_people(
            conn,
            conversation.id,
            org_id=given.org_id,
            counselor_id=counselor.id,
            pair_counselor_id=pair.id,
            at=now,
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
    conversation = open_conversation(conn, conversation_id)
    member = active_member(conn, staff_id)
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


def _set_urgent(
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
