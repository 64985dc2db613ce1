"""What one inbound event changes: decided and written in ONE transaction on the writer.

The turn runs inside the database writer (a synchronous job), so the conversation it reads
is the one it writes: no other change can slip in between. It calls only repository
functions and the pure flow engine, so it is quick enough to hold the writer for.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import assert_never

from bot.conversation.checkin import open_question_again, safety_turn
from bot.conversation.context import TurnContext
from bot.conversation.reopen import current_conversation
from bot.delivery.channel import Inbound, Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said, say
from bot.handoff import assignment as handoff
from bot.households.consent import ConsentTurn, consent_turn
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.promises.windows import contact_time_of
from bot.runtime.alerting import raise_alert
from bot.runtime.events import Event, EventKind
from bot.safety import Detection, detect
from flows import End, FlowEvent, FlowState, HandOff, Paused, Resumed, Send, StoreAnswer, step
from flows.text import normalize
from storage import contacts, conversations, deadlines, events, facts, messages, outbox
from storage.contacts import Contact
from storage.conversations import Conversation
from storage.statuses import (
    HUMAN_OWNED,
    AlertKind,
    ConversationStatus,
    DeadlineKind,
    MessageKind,
)
from storage.tx import Tx


def screen(inbound: Inbound) -> Detection | None:
    """The danger signal in what the client wrote. It depends on the message alone, so the
    dispatcher computes it before the turn, off the writer, and hands it to `run_turn`."""
    return detect(inbound.text) if inbound.kind == "text" and inbound.text else None


def run_turn(
    conn: Tx, inbound: Inbound, now: datetime, ctx: TurnContext, *, danger: Detection | None
) -> Outcome:
    """`danger` is `screen(inbound)`, computed before the write job."""
    result = Outcome()
    if inbound.kind == "unfollow":
        contact_id = _contact_id(conn, inbound)
        if contact_id is not None:
            contacts.set_unreachable(conn, contact_id)
            outbox.cancel_open_for_contact(conn, contact_id, "unfollowed")
            result.contact_id = contact_id
        events.mark_done(conn, inbound.event_row_id, now)
        return result

    contact = _seen(conn, inbound, now)
    if contact is None:  # erased since the event was stored: nobody to answer
        events.mark_done(conn, inbound.event_row_id, now)
        return result
    conversation = current_conversation(
        conn, contact, _is_client_message(inbound), ctx, now, result
    )
    result.contact_id = contact.id
    message_id = _record_inbound(conn, conversation.id, inbound, now, result)
    # Only this turn's `say` below changes the wait again: it reuses what this returns.
    unanswered = (
        conversations.client_wrote(conn, conversation.id, now) if message_id is not None else None
    )

    # Safety outranks the script: a danger signal is answered before any flow step, in
    # every mode.
    # A certain signal gets the full answer, a possible one a check-in (conversation/checkin).
    graded = safety_turn(
        conn, contact, conversation, inbound, danger, ctx, now, result, message_id=message_id
    )
    # A family's invitation code (or web link), checked next, before any flow step, in
    # every mode: the person's consent first (bot/households/consent.py).
    consent = (
        consent_turn(conn, contact, conversation, inbound, ctx, now, result)
        if graded is None
        else None
    )
    if consent is not None and consent.redacted is not None and message_id is not None:
        messages.replace_body(conn, message_id, consent.redacted)
        events.redact_text(conn, inbound.event_row_id, inbound.text or "", consent.redacted)
    if graded is not None:
        replies = graded.said
        if graded.acknowledge:  # the check-in was answered "no": who answers, and when
            replies += _acknowledge(conn, conversation, inbound, contact.language, ctx, now, result)
    elif consent is not None:
        replies = _after_consent(conn, contact, conversation, inbound, consent, ctx, now, result)
    elif conversation.status in HUMAN_OWNED:
        replies = _acknowledge(conn, conversation, inbound, contact.language, ctx, now, result)
    else:
        replies = _flow_turn(conn, contact, conversation, inbound, ctx, now, result)

    replies = _promise_after_danger(conn, conversation.id, replies, contact, inbound, ctx, now)
    if replies:
        result.outbox_ids = say(
            conn,
            ctx.channels,
            contact=contact,
            conversation_id=conversation.id,
            said=replies,
            author="bot",
            now=now,
            events=result.events,
            reply_token=inbound.reply_token,
            reply_deadline=ctx.channels.reply_deadline(inbound),
            unanswered=unanswered,
        )
    events.mark_done(conn, inbound.event_row_id, now)
    return result


def _promise_after_danger(
    conn: Tx,
    conversation_id: int,
    replies: list[Said],
    contact: Contact,
    inbound: Inbound,
    ctx: TurnContext,
    now: datetime,
) -> list[Said]:
    """A danger answer ends with who answers and when, as every other answer to a client
    does: a person in danger is never left guessing whether anyone will write back."""
    danger_kinds = (MessageKind.SAFETY, MessageKind.SAFETY_SHORT)
    if not replies or replies[-1].kind not in danger_kinds:
        return replies
    current = conversations.get(conn, conversation_id)
    assert current is not None
    owner = handoff.owner_of(conn, ctx.handoff, current, now)
    words = acks.Words(ctx.catalogue, conversation_language(current, contact.language))
    when_said = replies[-1].kind == MessageKind.SAFETY and not owner.org.is_open(now)
    promise = acks.danger_promise(
        words, owner, ctx.handoff.acks, now, since=inbound.occurred_at, when_said=when_said
    )
    if not promise:
        return replies
    last = replies[-1]
    told = Outgoing(f"{last.message.text}\n{promise}", last.message.choices)
    return [*replies[:-1], Said(told, last.kind)]


def _after_consent(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    consent: ConsentTurn,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    """The invitation's words, then, when the conversation goes on as usual: the flow's
    open question again, or for a conversation not begun (a web link opened first) the
    flow's greeting, our words leading its first message (three messages at most)."""
    if not consent.resume or conversation.status in HUMAN_OWNED:
        return consent.said
    if conversation.flow_state:
        return consent.said + open_question_again(conversation, ctx, now)
    greeting = _flow_turn(
        conn, contact, conversation, inbound, ctx, now, result, FlowEvent("follow")
    )
    if not greeting:
        return consent.said
    first = greeting[0]
    ours = "\n\n".join(said.message.text for said in consent.said)
    led = Said(Outgoing(f"{ours}\n\n{first.message.text}", first.message.choices), first.kind)
    return [led, *greeting[1:]]


def _flow_event(inbound: Inbound) -> FlowEvent | None:
    if inbound.kind == "follow":
        return FlowEvent("follow")
    if inbound.kind == "text":
        return FlowEvent("text", text=inbound.text)
    if inbound.kind == "postback":
        return FlowEvent("postback", postback_data=inbound.postback_data)
    return None  # stickers, images...: kept for staff, no scripted answer


def _flow_turn(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
    event: FlowEvent | None = None,
) -> list[Said]:
    """One step of the flow on the client's message (or on `event`, given instead)."""
    event = event or _flow_event(inbound)
    if event is None:
        return []
    state = (
        FlowState.from_json(conversation.flow_state)
        if conversation.flow_state
        else _fresh_state(conn, contact)
    )
    new_state, effects = step(ctx.flows, state, event, now)
    replies: list[Said] = []
    status, topic, intake = conversation.status, None, None
    handed_off: HandOff | None = None
    for effect in effects:
        match effect:
            case Send():
                replies += [
                    Said(
                        Outgoing(m.text, tuple((c.label, c.data) for c in m.choices)),
                        MessageKind.FLOW,
                    )
                    for m in effect.messages
                ]
            case HandOff():
                status, topic = ConversationStatus.QUEUED, effect.topic
                intake = json.dumps(effect.intake.to_dict(), ensure_ascii=False)
                messages.add_handoff_summary(conn, conversation.id, effect.summary, now)
                handed_off = effect
            case StoreAnswer():
                pass  # the answers travel in the saved state; the intake is built at handoff
            case Paused() | Resumed() | End():
                # The bot stopped, went on or finished: what a staff list row shows changed.
                result.events.append(Event(EventKind.CONVERSATION_CHANGED, conversation.id))
            case _:
                assert_never(effect)
    # The flow's answer to "who writes" (the family, self or supporter flow) names the
    # writer of a first contact in the figures.
    current_flow = ctx.flows.flows.get(new_state.flow or "")
    if current_flow is not None:
        facts.writer_answered(conn, conversation.id, current_flow.topic)
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
        language = new_state.language
        replies += _hand_off(
            conn, contact, conversation, inbound, handed_off, language, ctx, now, result
        )
    return replies


def _hand_off(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    handed_off: HandOff,
    language: str,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    """The flow handed the conversation to a person: give it to one, say who and when, and
    start the burst's acknowledgement deadlines."""
    owner = handoff.assign_on_handoff(
        conn, ctx.handoff, contact, conversation, handed_off.topic, now
    )
    words = acks.Words(ctx.catalogue, language)
    # The time of day she chose for replies: the promise keeps to it.
    contact_time = handed_off.intake.contact_time
    said = [
        Said(Outgoing(text), MessageKind.HANDOFF)
        for text in acks.announce_owner(
            words,
            owner,
            ctx.handoff.acks,
            now,
            ack=False,
            since=inbound.occurred_at,
            contact_time=contact_time,
        )
    ]
    result.deadlines = acks.start_burst(
        conn, conversation.id, owner, ctx.handoff.acks, inbound.occurred_at, now, contact_time
    )
    kind = EventKind.CONVERSATION_ASSIGNED if owner.counselor else EventKind.CONVERSATION_QUEUED
    counselor_id = owner.counselor.id if owner.counselor else None
    result.events.append(Event(kind, conversation.id, staff_id=counselor_id))
    return said


def _fresh_state(conn: Tx, contact: Contact) -> FlowState:
    """A new conversation. Someone whose earlier one was resolved starts again in their
    language, welcomed back, without being asked again what they already told us."""
    previous = conversations.last_resolved_flow_state(conn, contact.id)
    return FlowState.from_json(previous).after_resolution() if previous else FlowState.initial()


def _acknowledge(
    conn: Tx,
    conversation: Conversation,
    inbound: Inbound,
    language: str,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    """A human owns the conversation: the bot only says who answers and when, once per
    unanswered burst, and starts the burst's deadlines. 「やめる」「はじめから」 get a short
    answer instead: the counselor still has the conversation."""
    if not _is_client_message(inbound):
        return []
    words = acks.Words(ctx.catalogue, conversation_language(conversation, language))
    word = ctx.flows.common.words.get(normalize(inbound.text)) if inbound.text else None
    if word in _WORDS_AFTER_HANDOFF:
        owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
        text = acks.still_held(words, owner, _WORDS_AFTER_HANDOFF[word])
        if word == "pause":
            # No nagging: the bot's own follow-up note is dropped; staff reminders stay.
            deadlines.cancel_pending(conn, conversation.id, kinds=(DeadlineKind.FOLLOWUP,))
        return [Said(Outgoing(text), MessageKind.NOTICE)]
    if not messages.acknowledgement_due(conn, conversation.id):
        return []
    owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
    contact_time = contact_time_of(conversation.intake)
    texts = acks.announce_owner(
        words,
        owner,
        ctx.handoff.acks,
        now,
        ack=True,
        since=inbound.occurred_at,
        contact_time=contact_time,
    )
    result.deadlines = acks.start_burst(
        conn, conversation.id, owner, ctx.handoff.acks, inbound.occurred_at, now, contact_time
    )
    return [Said(Outgoing(text), MessageKind.ACK) for text in texts]


# Words that work everywhere, once a person has the conversation: the catalogue key of
# the answer (the flow no longer runs, so they would otherwise meet silence).
_WORDS_AFTER_HANDOFF = {"pause": "after_handoff_pause", "restart": "after_handoff_restart"}


def _is_client_message(inbound: Inbound) -> bool:
    return inbound.kind in ("text", "postback") or inbound.platform_type.startswith("message/")


def _record_inbound(
    conn: Tx, conversation_id: int, inbound: Inbound, now: datetime, result: Outcome
) -> int | None:
    """Keep what the client sent in the transcript: its message id; None for platform
    signals."""
    body = inbound.text if inbound.kind == "text" else inbound.postback_data
    if not _is_client_message(inbound):
        return None  # follow, unsend, read receipts...: kept as events only
    message_id = messages.add(
        conn,
        conversation_id,
        direction="in",
        author="client",
        kind=inbound.platform_type or inbound.kind,
        body=body,
        at=now,
        inbound_event_id=inbound.event_row_id,
        read_token=inbound.read_token,
    )
    result.events.append(Event(EventKind.MESSAGE_RECEIVED, conversation_id, message_id=message_id))
    return message_id


def _contact_id(conn: Tx, inbound: Inbound) -> int | None:
    if inbound.contact_id is not None:
        return inbound.contact_id
    # Stored before sealing existed: its user_key is the platform id itself.
    found = contacts.find(conn, inbound.channel, inbound.user_key)
    return found.id if found else None


def _seen(conn: Tx, inbound: Inbound, now: datetime) -> Contact | None:
    """The sender, seen now: the contact the event was stored with (no lookup by id hash
    again), or, for an event stored before sealing, found or made by its platform id."""
    if inbound.contact_id is not None:
        return contacts.seen(conn, inbound.contact_id, now)
    return contacts.upsert_seen(conn, inbound.channel, inbound.user_key, now)


def run_failed_turn(
    conn: Tx,
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
    contact = _seen(conn, inbound, now)
    if contact is None:
        return result
    conversation = conversations.open_for_contact(
        conn, contact.id, now, after_hours=ctx.handoff.window_closed(now)
    )
    result.contact_id = contact.id
    _record_inbound(conn, conversation.id, inbound, now, result)
    text = ctx.catalogue.text("received", conversation_language(conversation, contact.language))
    result.outbox_ids = say(
        conn,
        ctx.channels,
        contact=contact,
        conversation_id=conversation.id,
        said=[Said(Outgoing(text), MessageKind.ACK)],
        author="bot",
        now=now,
        events=result.events,
        reply_token=inbound.reply_token,
        reply_deadline=ctx.channels.reply_deadline(inbound),
    )
    raise_alert(
        conn,
        result.events,
        conversation_id=conversation.id,
        staff_id=conversation.counselor_id,
        kind=AlertKind.TURN_FAILED,
        now=now,
    )
    return result
