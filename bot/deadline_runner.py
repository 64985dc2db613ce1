"""What a due deadline does, decided and written in one transaction on the writer.

The row decides: a firing claims it atomically (so it acts at most once, whatever wakes it)
and does nothing when its generation is older than the conversation's (a staff answer or
a newer burst came first).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot import acks, handoff
from bot.inbound import Outgoing
from bot.say import Outcome, Said, say
from bot.turns import HUMAN_OWNED, TurnContext, conversation_language
from storage import alerts, contacts, conversations, deadlines, messages


def fire(conn: sqlite3.Connection, deadline_id: int, now: datetime, ctx: TurnContext) -> Outcome:
    deadline = deadlines.claim(conn, deadline_id, now)
    if deadline is None:
        return Outcome()  # not due yet, already fired, or cancelled
    conversation = conversations.get_for_update(conn, deadline.conversation_id)
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
        contact = contacts.get_for_update(conn, conversation.contact_id)
        if contact is None or not contact.reachable:
            return outcome
        language = conversation_language(conversation, contact.language)
        promise = deadline.payload.get("promise")
        text = acks.followup_text(
            acks.Words(ctx.catalogue, language),
            owner,
            datetime.fromisoformat(promise) if promise else None,
            now,
        )
        outcome.outbox_ids = say(
            conn,
            contact=contact,
            conversation_id=conversation.id,
            said=[Said(Outgoing(text), "followup")],
            author="bot",
            now=now,
        )
    elif deadline.kind == acks.REMIND_STAFF:
        targets = (
            [owner.responder.id]
            if owner.responder
            else (handoff.escalation_targets(conn, owner, now))
        )
        for staff_id in targets:
            alerts.add(
                conn, staff_id=staff_id, conversation_id=conversation.id, kind="remind", at=now
            )
    elif deadline.kind == acks.ESCALATE:
        for staff_id in handoff.escalation_targets(conn, owner, now):
            alerts.add(
                conn, staff_id=staff_id, conversation_id=conversation.id, kind="escalate", at=now
            )
    return outcome
