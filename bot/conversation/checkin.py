"""The graded answer to a danger signal, and the safety check-in's answers.

A certain signal gets the full answer (bot/conversation/safety.py). A possible one (a weak
phrase or an unsure model: `Detection.certain` is False) gets a gentle check-in instead: what
we heard, the lines that always answer, one question with buttons (はい / いいえ / 答えたくない),
and a "possible" alert to staff. The flow is not stepped: its open question waits. Then:

- 「はい」, tapped or typed: the full answer and an urgent case, exactly as a certain signal.
- 「いいえ」 or 「答えたくない」: a warm word, and the conversation goes on where it was: the
  bot's open question again, or, when a human owns it, the usual acknowledgement.
- anything else: the check-in closes unanswered and the message is handled as usual (an
  answer to the flow's question, words for the counselor); staff already have the alert.
- another possible signal while the check-in is open, or within `full_answer_every` of a
  full answer: the danger answer (two weak signals in a row make a strong one).

The check-in's state is the transcript (storage/safety_checkins.py), so it survives a
restart: typed answers count while the question is the last thing said to the client; a
tap on one of its buttons counts even later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.conversation.context import TurnContext
from bot.conversation.safety import answer_danger, who_to_alert
from bot.delivery.channel import Inbound, Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said
from bot.handoff import assignment as handoff
from bot.handoff.assignment import Owner
from bot.messages.catalogue import Catalogue
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.promises.safety import CHECKIN_ANSWERS, after_checkin, checkin
from bot.runtime.events import Event, EventKind
from bot.safety import Detection, Level
from flows import FlowState, open_question
from flows.text import normalize
from storage import alerts, messages, safety_checkins
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
) -> SafetyTurn | None:
    """What safety says in this turn; None when the turn goes on as usual."""
    if danger is not None:
        if danger.certain or _already_alarmed(conn, conversation, ctx, now):
            return SafetyTurn(
                answer_danger(conn, contact, conversation, inbound, danger, ctx, now, result)
            )
        return SafetyTurn(_ask(conn, contact, conversation, inbound, danger, ctx, now, result))
    answered = _answer(conn, conversation, inbound, ctx)
    if answered is None:
        return None
    answer, asked = answered
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
    if conversation.status in HUMAN_OWNED:
        return SafetyTurn(said, acknowledge=True)
    return SafetyTurn(said + _open_question(conversation, ctx, now))


def _already_alarmed(conn: Tx, conversation: Conversation, ctx: TurnContext, now: datetime) -> bool:
    if safety_checkins.open_checkin(conn, conversation.id) is not None:
        return True
    since = messages.last_of_kind_at(conn, conversation.id, MessageKind.SAFETY)
    return since is not None and now - since < ctx.safety.full_answer_every


def _ask(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    danger: Detection,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    """The check-in, and a "possible" alert to whoever would be alerted of a danger."""
    human = conversation.status in HUMAN_OWNED
    if human:
        owner = handoff.owner_of(conn, ctx.handoff, conversation, now)
    else:  # nobody owns it yet: the supervisors of the organisation it would go to
        owner = Owner(ctx.handoff.organization_for_topic(conversation.topic), None, None)
    for staff_id in who_to_alert(conn, owner, now):
        alert_id = alerts.add(
            conn,
            staff_id=staff_id,
            conversation_id=conversation.id,
            kind=possible_alert(danger.level.value),
            at=now,
        )
        result.events.append(
            Event(EventKind.ALERT_RAISED, conversation.id, alert_id=alert_id, staff_id=staff_id)
        )
    if human and messages.acknowledgement_due(conn, conversation.id):
        # The client waits for a human: remind and escalate as for any unanswered message.
        result.deadlines = acks.start_burst(
            conn, conversation.id, owner, ctx.handoff.acks, inbound.occurred_at, now
        )
    language = conversation_language(conversation, contact.language)
    first, question, buttons = checkin(
        acks.Words(ctx.catalogue, language), danger, ctx.safety, owner.org, now
    )
    return [
        Said(Outgoing(first), MessageKind.SAFETY_POSSIBLE),
        Said(Outgoing(question, buttons), checkin_kind(danger.level.value, danger.about_other)),
    ]


@dataclass(frozen=True)
class _Asked:
    level: Level
    about_other: bool


def _answer(
    conn: Tx, conversation: Conversation, inbound: Inbound, ctx: TurnContext
) -> tuple[str, _Asked] | None:
    """("yes" | "no" | "skip", what was asked) when this message answers a check-in."""
    if inbound.kind == "postback":
        answer = _BY_DATA.get(inbound.postback_data or "")
        asked = safety_checkins.last_checkin(conn, conversation.id) if answer else None
    elif inbound.kind == "text" and inbound.text and len(inbound.text) <= _MAX_TYPED:
        answer = _typed(inbound.text, ctx)
        asked = safety_checkins.open_checkin(conn, conversation.id) if answer else None
    else:
        return None
    if answer is None or asked is None:
        return None
    level, about_other = asked
    try:
        return answer, _Asked(Level(level), about_other)
    except ValueError:  # a level this version no longer knows: the most serious one
        return answer, _Asked(Level.CRISIS, about_other)


_BY_DATA = {data: answer for answer, data in CHECKIN_ANSWERS.items()}


def _squeezed(text: str) -> str:
    return normalize(text).replace(" ", "")


def _typed(text: str, ctx: TurnContext) -> str | None:
    """The check-in answer a typed text means: a button's label in either language, one of
    the catalogue's `also` words, or (for "skip") the flows' own skip words."""
    answer = _answer_words(ctx.catalogue).get(_squeezed(text))
    if answer is None and ctx.flows.common.words.get(normalize(text)) == "skip":
        return "skip"
    return answer


# Built once per catalogue (it runs on every short text, on the database writer). The
# catalogue is kept with its words so that its id is never reused while cached.
_WORDS: dict[int, tuple[Catalogue, dict[str, str]]] = {}


def _answer_words(catalogue: Catalogue) -> dict[str, str]:
    cached = _WORDS.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    words: dict[str, str] = {}
    for answer in CHECKIN_ANSWERS:
        entry: Mapping[str, object] = catalogue.texts[f"safety_checkin_{answer}"]
        also = entry.get("also")
        for word in [*(also if isinstance(also, list) else []), entry.get("ja"), entry.get("en")]:
            if isinstance(word, str) and word:
                words.setdefault(_squeezed(word), answer)
    _WORDS[id(catalogue)] = (catalogue, words)
    return words


def _open_question(conversation: Conversation, ctx: TurnContext, now: datetime) -> list[Said]:
    """The flow's open question again, unchanged: the check-in did not step the flow."""
    if not conversation.flow_state:
        return []
    question = open_question(ctx.flows, FlowState.from_json(conversation.flow_state), now)
    if question is None:
        return []
    choices = tuple((choice.label, choice.data) for choice in question.choices)
    return [Said(Outgoing(question.text, choices), MessageKind.FLOW)]
