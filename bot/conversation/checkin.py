"""The graded answer to a danger signal, and the safety check-in's answers.

A certain signal gets the full answer (bot/conversation/safety.py). A possible one (a weak
phrase or an unsure model: `Detection.certain` is False) gets a gentle check-in instead: what
we heard, the lines that always answer, one question with buttons (はい / いいえ / 答えたくない),
and a "possible" alert to staff. The flow is not stepped: its open question waits. Then:

- 「はい」, tapped or typed, or an unsure reply (わからない, たぶん, 少し...: the catalogue's
  `unsure` words): the full answer and an urgent case, exactly as a certain signal. Someone
  not sure their life is safe is treated as someone whose life may not be.
- 「いいえ」 or 「答えたくない」: a warm word, and the conversation goes on where it was: the
  bot's open question again, or, when a human owns it, the usual acknowledgement.
- anything else typed while the question is open: not an answer to the flow's question
  (we asked about their life; we cannot tell "母です" from a reply to us). The safest
  course short of an alarm: a warm word, and a person takes the conversation (a handoff
  without the urgent mark; staff already have the "possible" alert), so nobody answers a
  person who may be in danger with the next intake question.
- another possible signal while the check-in is open, or within `full_answer_every` of a
  full answer or of an earlier signal (a check-in, a possible alert): the danger answer (two
  weak signals in a row make a strong one).

The check-in's state is the transcript (storage/safety_checkins.py), so it survives a
restart: typed answers count while the question is the last thing said to the client; a
tap on one of its buttons counts even later, once, and only on the latest check-in (the
button's data names the client message it asked about), so a 「いいえ」 tapped after a
「はい」 never takes the urgency back. Each signal is recorded with the client's message
(storage/safety_signals.py) for the staff marks and the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.conversation.context import TurnContext
from bot.conversation.safety import alert_who_answers, answer_danger, take_out_of_intake
from bot.delivery.channel import Inbound, Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said
from bot.handoff import assignment as handoff
from bot.handoff.assignment import Owner
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.promises.safety import after_checkin, checkin, checkin_tap, squeezed
from bot.safety import Detection, Level
from flows import FlowState, open_question
from flows.text import normalize
from storage import messages, safety_checkins, safety_signals
from storage.contacts import Contact
from storage.conversations import Conversation
from storage.statuses import HUMAN_OWNED, MessageKind, checkin_kind, possible_alert
from storage.tx import Tx

# What a 「はい」 to the check-in is recorded as (a Detection's phrase id, never client text).
CONFIRMED = "checkin.yes"
# Typed answers are short; longer text is never taken for one.
_MAX_TYPED = 30


@dataclass(frozen=True)
class SafetyTurn:
    said: list[Said]
    # A human owns the conversation: the usual acknowledgement follows these words.
    acknowledge: bool = False


def safety_turn(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    danger: Detection | None,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
    *,
    message_id: int | None,
) -> SafetyTurn | None:
    """What safety says in this turn; None when the turn goes on as usual. `message_id` is
    the client's message just stored (None for platform signals)."""
    if danger is not None:
        alarmed = _already_alarmed(conn, conversation, ctx, now, message_id)
        if message_id is not None:
            safety_signals.record(
                conn,
                message_id=message_id,
                conversation_id=conversation.id,
                level=danger.level.value,
                certain=danger.certain,
                matched=danger.matched,
                at=now,
            )
        if danger.certain or alarmed:
            return SafetyTurn(
                answer_danger(conn, contact, conversation, inbound, danger, ctx, now, result)
            )
        return SafetyTurn(
            _ask(conn, contact, conversation, inbound, danger, ctx, now, result, message_id)
        )
    human = conversation.status in HUMAN_OWNED
    if inbound.kind == "postback":
        tap = checkin_tap(inbound.postback_data or "")
        if tap is None:
            return None  # not one of ours: a flow's button
        level = safety_checkins.tapped_checkin(conn, conversation.id, tap[1])
        if level is None:
            # A stale tap: answered already, or an older check-in. Ignored, so a 「いいえ」
            # after a 「はい」 never takes the urgency back; a human owner's usual words.
            return SafetyTurn([], acknowledge=human)
        answer = tap[0]
    elif inbound.kind == "text" and inbound.text:
        level = safety_checkins.open_checkin(conn, conversation.id)
        if level is None:
            return None
        answer = _typed(inbound.text, ctx)
    else:
        return None
    asked = _asked(level)
    if answer == "yes":
        confirmed = Detection(asked.level, asked.about_other, CONFIRMED, certain=True)
        return SafetyTurn(
            answer_danger(conn, contact, conversation, inbound, confirmed, ctx, now, result)
        )
    language = conversation_language(conversation, contact.language)
    words = acks.Words(ctx.catalogue, language)
    said = [
        Said(
            Outgoing(after_checkin(words, answer, ctx.safety, asked.level)),
            MessageKind.SAFETY_AFTER_CHECKIN,
        )
    ]
    if human:
        return SafetyTurn(said, acknowledge=True)
    if answer == "other":
        return SafetyTurn(
            said + _hand_over(conn, contact, conversation, inbound, asked, ctx, now, result)
        )
    return SafetyTurn(said + open_question_again(conversation, ctx, now))


def _already_alarmed(
    conn: Tx, conversation: Conversation, ctx: TurnContext, now: datetime, message_id: int | None
) -> bool:
    if safety_checkins.open_checkin(conn, conversation.id) is not None:
        return True
    window = ctx.safety.full_answer_every
    since = messages.last_of_kind_at(conn, conversation.id, MessageKind.SAFETY)
    if since is not None and now - since < window:
        return True
    # An earlier signal, certain or possible (a check-in asked, answered or not).
    signal = safety_signals.last_at(conn, conversation.id, before_message_id=message_id)
    return signal is not None and now - signal < window


def _ask(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    danger: Detection,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
    message_id: int | None,
) -> list[Said]:
    """The check-in, and a "possible" alert to whoever would be alerted of a danger."""
    human = conversation.status in HUMAN_OWNED
    if human:
        owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
    else:  # nobody owns it yet: the supervisors of the organisation it would go to
        owner = Owner(ctx.handoff.organization_for_topic(conversation.topic), None, None)
    alert_who_answers(conn, result, conversation.id, owner, possible_alert(danger.level.value), now)
    language = conversation_language(conversation, contact.language)
    words = acks.Words(ctx.catalogue, language)
    first, question, buttons = checkin(words, danger, ctx.safety, owner.org, now, message_id)
    said = [Said(Outgoing(first), MessageKind.SAFETY_POSSIBLE)]
    if human and messages.acknowledgement_due(conn, conversation.id):
        # The client waits for a human: remind and escalate as for any unanswered message,
        # and say who answers, as the acknowledgement would: the burst and its
        # acknowledgement go together, so the answer to the check-in does not start the
        # burst again (which would push the counselor's reminder later).
        result.deadlines = acks.start_burst(
            conn, conversation.id, owner, ctx.handoff.acks, inbound.occurred_at, now
        )
        texts = acks.announce_owner(
            words, owner, ctx.handoff.acks, now, ack=True, since=inbound.occurred_at
        )
        said.append(Said(Outgoing("\n".join(texts)), MessageKind.ACK))
    # The question last: its buttons go under the last message.
    kind = checkin_kind(danger.level.value, danger.about_other)
    return [*said, Said(Outgoing(question, buttons), kind)]


def _hand_over(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    asked: _Asked,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    """The check-in got neither a yes nor a no: a person takes the conversation from the
    bot (not marked urgent: nobody said their life is in danger), and the client hears who
    answers and when, as after any handoff."""
    owner = take_out_of_intake(conn, contact, conversation, asked.level, ctx, now, result)
    result.deadlines = acks.start_burst(
        conn, conversation.id, owner, ctx.handoff.acks, inbound.occurred_at, now
    )
    language = conversation_language(conversation, contact.language)
    texts = acks.announce_owner(
        acks.Words(ctx.catalogue, language),
        owner,
        ctx.handoff.acks,
        now,
        ack=False,
        since=inbound.occurred_at,
    )
    return [Said(Outgoing(text), MessageKind.HANDOFF) for text in texts]


@dataclass(frozen=True)
class _Asked:
    level: Level
    about_other: bool


def _asked(found: tuple[str, bool]) -> _Asked:
    level, about_other = found
    try:
        return _Asked(Level(level), about_other)
    except ValueError:  # a level this version no longer knows: the most serious one
        return _Asked(Level.CRISIS, about_other)


def _typed(text: str, ctx: TurnContext) -> str:
    """What a typed reply to the open check-in means: "yes", "no", "skip" (a button's label
    in either language, the catalogue's `also` words, the flows' own skip words), "yes" for
    an unsure reply, else "other". Only short replies are read for answers: a longer text
    is not a yes or a no, so it is "other"."""
    if len(text) > _MAX_TYPED:
        return "other"
    answers, unsure = ctx.checkin_words
    squeezed_text = squeezed(text)
    answer = answers.get(squeezed_text)
    if answer is not None:
        return answer
    if ctx.flows.common.words.get(normalize(text)) == "skip":
        return "skip"
    if any(word in squeezed_text for word in unsure):
        return "yes"
    return "other"


def open_question_again(conversation: Conversation, ctx: TurnContext, now: datetime) -> list[Said]:
    """The flow's open question again, unchanged: the check-in (or an invitation code,
    bot/households) did not step the flow."""
    if not conversation.flow_state:
        return []
    question = open_question(ctx.flows, FlowState.from_json(conversation.flow_state), now)
    if question is None:
        return []
    choices = tuple((choice.label, choice.data) for choice in question.choices)
    return [Said(Outgoing(question.text, choices), MessageKind.FLOW)]
