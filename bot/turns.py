"""What one inbound event changes: decided and written in ONE transaction on the writer.

The turn runs inside the database writer (a synchronous job), so the conversation it reads
is the one it writes: no other change can slip in between. It calls only repository
functions and the pure flow engine, so it is quick enough to hold the writer for.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import acks, handoff
from bot.catalogue import Catalogue
from bot.config import HandoffSettings
from bot.inbound import Inbound, Outgoing
from bot.say import Outcome, Said, say
from flows import FlowEvent, FlowSet, FlowState, HandOff, Send, step
from storage import alerts, contacts, conversations, events, messages, outbox
from storage.contacts import Contact
from storage.conversations import Conversation


@dataclass(frozen=True)
class TurnContext:
    catalogue: Catalogue
    flows: FlowSet
    reply_token_max_age: timedelta
    handoff: HandoffSettings


HUMAN_OWNED = ("queued", "assigned")


def run_turn(
    conn: sqlite3.Connection, inbound: Inbound, now: datetime, ctx: TurnContext
) -> Outcome:
    result = Outcome()
    if inbound.kind == "unfollow":
        contact = contacts.find_for_update(conn, inbound.channel, inbound.user_key)
        if contact is not None:
            contacts.set_unreachable(conn, contact.id)
            outbox.cancel_open_for_contact(conn, contact.id, "unfollowed")
            result.contact_id = contact.id
        events.mark_done(conn, inbound.event_row_id, now)
        return result

    contact = contacts.upsert_seen(conn, inbound.channel, inbound.user_key, now)
    conversation = conversations.open_for_contact(conn, contact.id, now)
    result.contact_id = contact.id
    if _record_inbound(conn, conversation.id, inbound, now):
        conversations.client_wrote(conn, conversation.id, now)

    if conversation.status in HUMAN_OWNED:
        replies = _acknowledge(conn, conversation, inbound, contact.language, ctx, now, result)
    else:
        replies = _flow_turn(conn, contact, conversation, inbound, ctx, now, result)

    if replies:
        result.outbox_ids = say(
            conn,
            contact=contact,
            conversation_id=conversation.id,
            said=replies,
            author="bot",
            now=now,
            reply_token=inbound.reply_token,
            reply_deadline=inbound.occurred_at + ctx.reply_token_max_age,
        )
    events.mark_done(conn, inbound.event_row_id, now)
    return result


def _flow_event(inbound: Inbound) -> FlowEvent | None:
    if inbound.kind == "follow":
        return FlowEvent("follow")
    if inbound.kind == "text":
        return FlowEvent("text", text=inbound.text)
    if inbound.kind == "postback":
        return FlowEvent("postback", postback_data=inbound.postback_data)
    return None  # stickers, images...: kept for staff, no scripted answer


def _flow_turn(
    conn: sqlite3.Connection,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    event = _flow_event(inbound)
    if event is None:
        return []
    state = (
        FlowState.from_json(conversation.flow_state)
        if conversation.flow_state
        else FlowState.initial()
    )
    new_state, effects = step(ctx.flows, state, event, now)
    replies: list[Said] = []
    status, topic, intake = conversation.status, None, None
    handed_off: HandOff | None = None
    for effect in effects:
        if isinstance(effect, Send):
            replies += [
                Said(Outgoing(m.text, tuple((c.label, c.data) for c in m.choices)), "flow")
                for m in effect.messages
            ]
        elif isinstance(effect, HandOff):
            status, topic = "queued", effect.topic
            intake = json.dumps(effect.intake.to_dict(), ensure_ascii=False)
            messages.add(
                conn,
                conversation.id,
                direction="in",
                author="system",
                kind="handoff_summary",
                body=effect.summary,
                at=now,
            )
            handed_off = effect
    conversations.save_bot_state(
        conn,
        conversation.id,
        flow_state=new_state.to_json(),
        status=status,
        topic=topic,
        intake=intake,
        at=now,
    )
    if handed_off is not None:
        owner = handoff.assign_on_handoff(
            conn, ctx.handoff, contact, conversation, handed_off.topic, now
        )
        words = acks.Words(ctx.catalogue, new_state.language)
        replies += [
            Said(Outgoing(text), "handoff")
            for text in acks.announce_owner(
                words, owner, ctx.handoff, now, ack=False, since=inbound.occurred_at
            )
        ]
        result.deadlines = acks.start_burst(
            conn, conversation.id, owner, ctx.handoff, inbound.occurred_at, now
        )
    return replies


def _acknowledge(
    conn: sqlite3.Connection,
    conversation: Conversation,
    inbound: Inbound,
    language: str,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    """A human owns the conversation: the bot only says who answers and when, once per
    unanswered burst, and starts the burst's deadlines."""
    if not _is_client_message(inbound) or not messages.acknowledgement_due(conn, conversation.id):
        return []
    owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
    words = acks.Words(ctx.catalogue, conversation_language(conversation, language))
    texts = acks.announce_owner(words, owner, ctx.handoff, now, ack=True, since=inbound.occurred_at)
    result.deadlines = acks.start_burst(
        conn, conversation.id, owner, ctx.handoff, inbound.occurred_at, now
    )
    return [Said(Outgoing(text), "ack") for text in texts]


def conversation_language(conversation: Conversation, default: str) -> str:
    """The language the person chose in the flow, else `default`."""
    if conversation.flow_state:
        return FlowState.from_json(conversation.flow_state).language
    return default


def _is_client_message(inbound: Inbound) -> bool:
    return inbound.kind in ("text", "postback") or inbound.platform_type.startswith("message/")


def _record_inbound(
    conn: sqlite3.Connection, conversation_id: int, inbound: Inbound, now: datetime
) -> bool:
    """Keep what the client sent in the transcript. False for platform signals."""
    body = inbound.text if inbound.kind == "text" else inbound.postback_data
    if not _is_client_message(inbound):
        return False  # follow, unsend, read receipts...: kept as events only
    messages.add(
        conn,
        conversation_id,
        direction="in",
        author="client",
        kind=inbound.platform_type or inbound.kind,
        body=body,
        at=now,
        inbound_event_id=inbound.event_row_id,
    )
    return True


def run_failed_turn(
    conn: sqlite3.Connection,
    inbound: Inbound,
    error: str,
    now: datetime,
    ctx: TurnContext,
) -> Outcome:
    """The turn raised and was rolled back. Keep the client's message for staff, tell the
    client it arrived, and alert staff: nobody is left without a reply by our own bug."""
    result = Outcome()
    events.mark_failed(conn, inbound.event_row_id, now, error)
    if not _is_client_message(inbound):
        return result
    contact = contacts.upsert_seen(conn, inbound.channel, inbound.user_key, now)
    conversation = conversations.open_for_contact(conn, contact.id, now)
    result.contact_id = contact.id
    _record_inbound(conn, conversation.id, inbound, now)
    text = ctx.catalogue.text("received", conversation_language(conversation, contact.language))
    result.outbox_ids = say(
        conn,
        contact=contact,
        conversation_id=conversation.id,
        said=[Said(Outgoing(text), "ack")],
        author="bot",
        now=now,
        reply_token=inbound.reply_token,
        reply_deadline=inbound.occurred_at + ctx.reply_token_max_age,
    )
    alerts.add(
        conn,
        staff_id=conversation.counselor_id,
        conversation_id=conversation.id,
        kind="turn_failed",
        at=now,
    )
    return result
