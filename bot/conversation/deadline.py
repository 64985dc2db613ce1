"""What a due deadline does, decided and written in one transaction on the writer.

The row decides: a firing claims it atomically (so it acts at most once, whatever wakes it)
and does nothing when its generation is older than the conversation's (a staff answer or
a newer burst came first).
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation.context import TurnContext
from bot.delivery.channel import Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said, say
from bot.handoff import assignment as handoff
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.runtime.alerting import raise_alerts
from storage import claims, contacts, conversations, deadlines, messages
from storage.statuses import HUMAN_OWNED, AlertKind, MessageKind
from storage.tx import Tx


def fire(conn: Tx, deadline_id: int, now: datetime, ctx: TurnContext) -> Outcome:
    deadline = claims.claim_deadline(conn, deadline_id, now)
    if deadline is None:
        return Outcome()  # not due yet, already fired, or cancelled
    conversation = conversations.get(conn, deadline.conversation_id)
    if (
        conversation is None
        or conversation.status not in HUMAN_OWNED
        or conversation.ack_generation != deadline.generation
        or conversation.waiting_since is None
    ):
        deadlines.mark_stale(conn, deadline_id)
        return Outcome()
    outcome = Outcome(contact_id=conversation.contact_id)
    owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
    if deadline.kind == acks.FOLLOWUP:
        # Quiet hours: hold the push until they end, unless the client wrote just now.
        latest = messages.last_client_message_at(conn, conversation.id)
        later = ctx.handoff.acks.push_time(now, owner.org.timezone, latest)
        if later > now:
            outcome.deadlines = [
                deadlines.add(
                    conn,
                    conversation_id=conversation.id,
                    kind=deadline.kind,
                    due_at=later,
                    generation=deadline.generation,
                    at=now,
                    payload=deadline.payload,
                )
            ]
            return outcome
        contact = contacts.get(conn, conversation.contact_id)
        if contact is None or not contact.reachable:
            return outcome
        language = conversation_language(conversation, contact.language)
        promise = deadline.payload.get("promise")
        promise_from = deadline.payload.get("promise_from")
        text = acks.followup_text(
            acks.Words(ctx.catalogue, language),
            owner,
            datetime.fromisoformat(promise) if promise else None,
            now,
            datetime.fromisoformat(promise_from) if promise_from else None,
        )
        outcome.outbox_ids = say(
            conn,
            ctx.channels,
            contact=contact,
            conversation_id=conversation.id,
            said=[Said(Outgoing(text), MessageKind.FOLLOWUP)],
            author="bot",
            now=now,
            events=outcome.events,
        )
    elif deadline.kind == acks.REMIND_STAFF:
        targets: list[int | None] = (
            [owner.responder.id]
            if owner.responder
            else handoff.escalation_targets(conn, owner, now)
        )
        _alert(conn, outcome, conversation.id, targets, AlertKind.REMIND, now)
    elif deadline.kind == acks.ESCALATE:
        targets = handoff.escalation_targets(conn, owner, now)
        _alert(conn, outcome, conversation.id, targets, AlertKind.ESCALATE, now)
    return outcome


def _alert(
    conn: Tx,
    outcome: Outcome,
    conversation_id: int,
    targets: list[int | None],
    kind: AlertKind,
    now: datetime,
) -> None:
    raise_alerts(
        conn,
        outcome.events,
        conversation_id=conversation_id,
        staff_ids=targets,
        kind=kind,
        now=now,
    )
