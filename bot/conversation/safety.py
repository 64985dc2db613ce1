"""A message that signals danger: answered at once, before any flow step, and a human told.

In every mode (the bot's flow or a counselor's conversation): the reply token carries warm
words and the helplines for the level (bot/promises/safety.py); the conversation is marked
urgent, taken out of the bot's intake and handed off as a handoff would be (to an on-duty
supervisor when no counselor is at work); every responsible staff member gets an alert.
The full answer at most once per `full_answer_every`; later hits get a short one.
A possible signal gets a check-in first (bot/conversation/checkin.py); 「はい」 to it comes here.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation.context import TurnContext
from bot.delivery.channel import Inbound, Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said
from bot.handoff import assignment as handoff
from bot.handoff.assignment import Owner
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.promises.safety import danger_answer
from bot.runtime.alerting import raise_alerts
from bot.runtime.events import Event, EventKind
from bot.safety import Detection, Level
from storage import conversations, messages, staff
from storage.contacts import Contact
from storage.conversations import Conversation
from storage.statuses import HUMAN_OWNED, MessageKind, danger_alert
from storage.tx import Tx


def answer_danger(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    detection: Detection,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    settings = ctx.handoff
    if conversation.status in HUMAN_OWNED:
        owner = handoff.owner_of(conn, settings, conversation, now)
    else:
        owner = take_out_of_intake(conn, contact, conversation, detection.level, ctx, now, result)
    conversations.set_urgent(conn, conversation.id, True, now)
    result.events.append(
        Event(EventKind.DANGER_DETECTED, conversation.id, level=detection.level.value)
    )
    alert_who_answers(
        conn, result, conversation.id, owner, danger_alert(detection.level.value), now
    )
    # The client now waits for a human: remind and escalate as for any unanswered message,
    # counted from the first one nobody answered (a 「はい」 to a check-in that already
    # started the wait must not push the counselor's reminder later).
    waiting = conversation.waiting_since
    first = min(waiting, inbound.occurred_at) if waiting is not None else inbound.occurred_at
    result.deadlines = acks.start_burst(conn, conversation.id, owner, settings.acks, first, now)
    since = messages.last_of_kind_at(conn, conversation.id, MessageKind.SAFETY)
    full = since is None or now - since >= ctx.safety.full_answer_every
    language = conversation_language(conversation, contact.language)
    texts = danger_answer(
        acks.Words(ctx.catalogue, language), detection, ctx.safety, owner.org, now, full=full
    )
    kind = MessageKind.SAFETY if full else MessageKind.SAFETY_SHORT
    return [Said(Outgoing(text), kind) for text in texts]


def take_out_of_intake(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    level: Level,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> Owner:
    """The bot stops asking: the conversation goes to a person at once, as a handoff would
    (to an on-duty supervisor when no counselor can take it). Also for a check-in answered
    neither yes nor no (bot/conversation/checkin.py)."""
    messages.add_handoff_summary(
        conn, conversation.id, ctx.catalogue.text(f"safety_summary_{level.value}"), now
    )
    owner = handoff.assign_on_handoff(
        conn, ctx.handoff, contact, conversation, conversation.topic, now
    )
    if owner.counselor is None:
        supervisor = _on_duty_supervisor(conn, owner, now)
        if supervisor is not None:
            owner = handoff.accept(conn, ctx.handoff, conversation, supervisor, now)
    counselor_id = owner.counselor.id if owner.counselor else None
    kind = EventKind.CONVERSATION_ASSIGNED if counselor_id else EventKind.CONVERSATION_QUEUED
    result.events.append(Event(kind, conversation.id, staff_id=counselor_id))
    return owner


def _supervisors_at_work(conn: Tx, owner: Owner, now: datetime) -> list[staff.StaffMember]:
    return [
        m for m in staff.supervisors(conn, owner.org.id) if handoff.at_work(conn, m, owner.org, now)
    ]


def _on_duty_supervisor(conn: Tx, owner: Owner, now: datetime) -> staff.StaffMember | None:
    on_duty = _supervisors_at_work(conn, owner, now)
    return on_duty[0] if on_duty else None


def alert_who_answers(
    conn: Tx, result: Outcome, conversation_id: int, owner: Owner, kind: str, now: datetime
) -> None:
    """The same alert for each of `_who_to_alert`; its events go with the turn's."""
    raise_alerts(
        conn,
        result.events,
        conversation_id=conversation_id,
        staff_ids=_who_to_alert(conn, owner, now),
        kind=kind,
        now=now,
    )


def _who_to_alert(conn: Tx, owner: Owner, now: datetime) -> list[int | None]:
    """Whoever answers today, the pair, and the supervisors at work; the shared queue (None)
    when nobody is."""
    people = [owner.responder, owner.pair, *_supervisors_at_work(conn, owner, now)]
    targets: list[int | None] = []
    for member in people:
        if member is not None and member.id not in targets:
            if member is owner.responder or handoff.at_work(conn, member, owner.org, now):
                targets.append(member.id)
    return targets or [None]
