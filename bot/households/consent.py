"""A family's invitation reaching the person: consent first.

A message that is nothing but a code-shaped string (bot/households/codes.py), or a web
chat link's token, is checked before any flow step, in every mode, as the safety check is
(bot/conversation/turn.py calls `consent_turn` right after the safety turn). Then:

- a code or link that works: one gentle question with two buttons (「はい」 / 「いいえ」);
  the question waits in storage (invitation_offers), so a restart loses nothing;
- 「はい」 (tapped, or typed while the question is the last thing said): the contact joins
  the household as `self`, the invitation is used, their conversation goes to the
  household's counselor (continuity: the counselor of the relative's conversation), who is
  alerted; the person is told who answers and when;
- 「いいえ」: the invitation closes exactly as a revoke does, nothing links this contact to
  the household, and the conversation goes on as an ordinary one;
- a used, revoked or expired code: a kind sentence, nothing linked; a code that is no
  invitation's: another kind sentence, counted as a wrong guess (bot/households/guesses.py).

The bot never names anyone in the household nor says anything another member wrote: every
sentence here is from the catalogue (bot/messages/households.toml) and takes no values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.delivery.channel import Inbound, Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said
from bot.handoff import assignment as handoff
from bot.households import codes, guesses
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.promises.safety import squeezed
from bot.runtime.alerting import raise_alert
from bot.runtime.events import Event, EventKind
from storage import contacts, conversations, messages, staff
from storage import households as store
from storage.contacts import Contact
from storage.conversations import Conversation
from storage.households import Invitation
from storage.staff import StaffMember
from storage.statuses import AlertKind, HouseholdRole, MessageKind
from storage.tx import Tx

if TYPE_CHECKING:
    from bot.conversation.context import TurnContext

# The buttons' postback data (never shown): the answer, nothing about the household.
TAP = {"invitation:yes": "yes", "invitation:no": "no"}
# Typed answers are short; longer text is never taken for one.
_MAX_TYPED = 30


@dataclass(frozen=True)
class ConsentTurn:
    said: list[Said]
    # The conversation goes on as usual after these words: the flow's open question again
    # (or its greeting, for a conversation that has not begun), nothing when a person owns it.
    resume: bool = False
    # The message was an invitation's code (working or not): the transcript keeps these
    # catalogue words instead, so no stored message ties its writer to a household.
    redacted: str | None = None


def consent_turn(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> ConsentTurn | None:
    """What the invitation check says in this turn; None when the turn goes on as usual."""
    if inbound.kind == "invitation":
        return _link(conn, contact, conversation, inbound, ctx, now)
    tapped = TAP.get(inbound.postback_data or "") if inbound.kind == "postback" else None
    # Only a tap or a typed はい/いいえ can answer a waiting question: any other message
    # does not look for one (this runs on every client message).
    answering = tapped or _typed_word(inbound, ctx)
    offered = store.pending_offer(conn, contact.id) if answering else None
    if offered is not None and answering is not None:
        if tapped or store.question_is_last(conn, conversation.id):
            return _answered(
                conn, contact, conversation, inbound, offered, answering, ctx, now, result
            )
    if tapped is not None:
        return ConsentTurn([])  # a button of a question already answered: nothing to do
    code = codes.normalise(inbound.text or "") if inbound.kind == "text" else None
    if code is None:
        return None
    if guesses.blocked(conn, contact.id, inbound.address, now):
        return None  # not checked: an ordinary message
    return _code(conn, contact, conversation, inbound, code, ctx, now)


def _words(conversation: Conversation, contact: Contact, ctx: TurnContext) -> acks.Words:
    return acks.Words(ctx.catalogue, conversation_language(conversation, contact.language))


def _say(words: acks.Words, key: str, kind: MessageKind = MessageKind.INVITATION_REPLY) -> Said:
    return Said(Outgoing(words.say(key)), kind)


def _typed_word(inbound: Inbound, ctx: TurnContext) -> str | None:
    """「はい」 or 「いいえ」 typed (a button's label or one of its `also` words); it answers
    only while the consent question is the last thing said."""
    if inbound.kind != "text" or not inbound.text or len(inbound.text) > _MAX_TYPED:
        return None
    return _answer_words(ctx).get(squeezed(inbound.text))


def _answer_words(ctx: TurnContext) -> dict[str, str]:
    words: dict[str, str] = {}
    for answer in ("yes", "no"):
        entry = ctx.catalogue.texts[f"invitation_{answer}"]
        also = entry.get("also")
        listed = [*(also if isinstance(also, list) else []), entry.get("ja"), entry.get("en")]
        for word in listed:
            if isinstance(word, str) and word:
                words.setdefault(squeezed(word), answer)
    return words


def _ask(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    invitation: Invitation,
    ctx: TurnContext,
    now: datetime,
) -> ConsentTurn:
    store.offer(conn, contact.id, invitation.id, now)
    words = _words(conversation, contact, ctx)
    buttons = tuple((words.say(f"invitation_{answer}"), data) for data, answer in TAP.items())
    question = Outgoing(words.say("invitation_question"), buttons)
    return ConsentTurn([Said(question, MessageKind.INVITATION_QUESTION)])


def _refusal_key(conn: Tx, contact: Contact, invitation: Invitation | None, now: datetime) -> str:
    """Why an invitation cannot be offered to this contact ('' when it can)."""
    if invitation is None:
        return "invitation_stale"
    member = store.membership(conn, contact.id)
    if member is not None:
        # Already in this household as the person: told so. Anywhere else (the relative
        # trying the code, another household), the code is not theirs to use.
        same = member.household_id == invitation.household_id
        return (
            "invitation_already"
            if same and member.role == HouseholdRole.SELF
            else "invitation_stale"
        )
    return "" if invitation.usable(now) else "invitation_stale"


def _code(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    code: str,
    ctx: TurnContext,
    now: datetime,
) -> ConsentTurn:
    invitation = store.by_code(conn, code)
    words = _words(conversation, contact, ctx)
    if invitation is None and not store.code_was_closed(conn, code, now):
        guesses.count_wrong(
            conn, contact.id, inbound.address, now, ctx.households.wrong_codes_per_day
        )
        # A code that names no invitation ties nobody to anything: kept as typed.
        return ConsentTurn([_say(words, "invitation_unknown")], True)
    redacted = words.say("invitation_code_typed")
    refused = _refusal_key(conn, contact, invitation, now)
    if refused or invitation is None:
        return ConsentTurn([_say(words, refused)], resume=True, redacted=redacted)
    asked = _ask(conn, contact, conversation, invitation, ctx, now)
    return ConsentTurn(asked.said, asked.resume, redacted)


def _link(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    ctx: TurnContext,
    now: datetime,
) -> ConsentTurn:
    """The web chat page opened with an invitation's link: the same question, on the page."""
    invitation = store.by_token(conn, inbound.invitation) if inbound.invitation else None
    refused = _refusal_key(conn, contact, invitation, now)
    if refused == "invitation_stale":
        refused = "invitation_link_stale"
    if refused or invitation is None:
        return ConsentTurn([_say(_words(conversation, contact, ctx), refused)], resume=True)
    return _ask(conn, contact, conversation, invitation, ctx, now)


def _answered(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    invitation_id: int,
    answer: str,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> ConsentTurn:
    store.drop_offer(conn, contact.id)
    invitation = store.get_invitation(conn, invitation_id)
    words = _words(conversation, contact, ctx)
    if answer == "no":
        if invitation is not None:
            store.close(conn, invitation.id, now)  # as a revoke: nothing says who declined
        return ConsentTurn([_say(words, "invitation_declined")], resume=True)
    refused = _refusal_key(conn, contact, invitation, now)
    if refused or invitation is None or not store.use(conn, invitation.id, now):
        return ConsentTurn([_say(words, refused or "invitation_stale")], resume=True)
    store.add_member(conn, invitation.household_id, contact.id, HouseholdRole.SELF, None, now)
    said = [_say(words, "invitation_joined")]
    said += _to_household_counselor(
        conn, contact, conversation, inbound, invitation, ctx, now, result
    )
    return ConsentTurn(said)


def household_counselor(conn: Tx, invitation: Invitation) -> StaffMember | None:
    """Who the person's conversation goes to: the counselor of the conversation the
    invitation was made from, else the counselor a family member's return would go to
    (continuity), else whoever made the invitation; only someone still active."""
    candidates: list[int | None] = []
    origin = (
        conversations.get(conn, invitation.conversation_id) if invitation.conversation_id else None
    )
    if origin is not None:
        candidates.append(origin.counselor_id)
    for member in store.members(conn, invitation.household_id):
        if member.role != HouseholdRole.SELF:
            known = contacts.get(conn, member.contact_id)
            candidates.append(known.counselor_id if known else None)
    candidates.append(invitation.created_by)
    for staff_id in candidates:
        found = staff.get(conn, staff_id) if staff_id is not None else None
        if found is not None and found.active:
            return found
    return None


def _to_household_counselor(
    conn: Tx,
    contact: Contact,
    conversation: Conversation,
    inbound: Inbound,
    invitation: Invitation,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> list[Said]:
    """The bot stops asking; the household's counselor has the conversation (their pair,
    cover or a supervisor answers while they are away, as for any case), is alerted, and
    the person is told who answers and when."""
    messages.add_handoff_summary(
        conn, conversation.id, ctx.catalogue.text("invitation_summary"), now
    )
    conversations.save_bot_state(
        conn,
        conversation.id,
        flow_state=conversation.flow_state,
        status=conversation.status,
        topic=HouseholdRole.SELF.value,
        intake=None,
        at=now,
    )
    counselor = household_counselor(conn, invitation)
    fresh = conversations.get(conn, conversation.id)
    assert fresh is not None
    if counselor is not None:
        owner = handoff.accept(conn, ctx.handoff, fresh, counselor, now)
    else:
        owner = handoff.assign_on_handoff(conn, ctx.handoff, contact, fresh, fresh.topic, now)
    # The household's counselor, and whoever answers for them today when that is someone
    # else; the shared queue when nobody has the case yet.
    alerted: list[int | None] = []
    for member in (owner.counselor, owner.responder):
        if member is not None and member.id not in alerted:
            alerted.append(member.id)
    for staff_id in alerted or [None]:
        raise_alert(
            conn,
            result.events,
            conversation_id=conversation.id,
            staff_id=staff_id,
            kind=AlertKind.HOUSEHOLD_JOINED,
            now=now,
        )
    kind = EventKind.CONVERSATION_ASSIGNED if owner.counselor else EventKind.CONVERSATION_QUEUED
    result.events.append(
        Event(kind, conversation.id, staff_id=owner.counselor.id if owner.counselor else None)
    )
    result.deadlines = acks.start_burst(
        conn, conversation.id, owner, ctx.handoff.acks, inbound.occurred_at, now
    )
    words = _words(conversation, contact, ctx)
    texts = acks.announce_owner(
        words, owner, ctx.handoff.acks, now, ack=False, since=inbound.occurred_at
    )
    return [Said(Outgoing(text), MessageKind.HANDOFF) for text in texts]
