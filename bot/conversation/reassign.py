"""Assignment by people: transfer a case to a colleague, pair it with a counselor of the
other organisation, unpair it, or take it over from an escalation alert.

Each runs in one transaction. When the person who answers the client changes, the client
is told once, in one short message (「これからは鈴木がお返事します」), and if they are still
waiting, the new responder's clock starts. A transfer may carry a handover note for the
new counselor (申し送り), shown to them first on the conversation page.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation import notes as staff_notes
from bot.conversation.context import TurnContext
from bot.conversation.refusal import Refusal, active_member, open_conversation, pair_for
from bot.delivery.channel import Outgoing
from bot.delivery.outcome import Outcome
from bot.delivery.say import Said, say
from bot.handoff import assignment as handoff
from bot.handoff.assignment import Owner
from bot.messages.language import conversation_language
from bot.promises import acks
from bot.runtime.alerting import raise_alert
from bot.runtime.events import Event, EventKind
from storage import audit, contacts, conversations, deadlines
from storage.conversations import Conversation
from storage.statuses import AlertKind, MessageKind
from storage.tx import Tx


def _reload(conn: Tx, conversation_id: int) -> Conversation:
    found = conversations.get(conn, conversation_id)
    assert found is not None
    return found


def tell_client(
    conn: Tx,
    ctx: TurnContext,
    conversation: Conversation,
    owner: Owner,
    text: str,
    now: datetime,
    outcome: Outcome,
) -> None:
    """One line to the client about who answers them now; if they still wait, the promises
    are the new responder's from now (a new burst and its deadlines)."""
    contact = contacts.get(conn, conversation.contact_id)
    assert contact is not None
    outcome.contact_id = contact.id
    outcome.outbox_ids += say(
        conn,
        ctx.channels,
        contact=contact,
        conversation_id=conversation.id,
        said=[Said(Outgoing(text), MessageKind.HANDOFF)],
        author="bot",
        now=now,
        events=outcome.events,
    )
    if conversation.waiting_since is not None:
        deadlines.cancel_pending(conn, conversation.id)
        outcome.deadlines += acks.start_burst(
            conn, conversation.id, owner, ctx.handoff.acks, now, now
        )


def tell_if_responder_changed(
    conn: Tx,
    ctx: TurnContext,
    before: Owner,
    conversation: Conversation,
    now: datetime,
    outcome: Outcome,
) -> Owner:
    """After a change of people: when someone else answers the client now, say so once,
    and restart the clock if the client still waits. Returns who answers now."""
    after = handoff.owner_of(conn, ctx.handoff, conversation, now)
    responder = after.responder
    if responder is None or before.responder == responder:
        return after
    language = conversation_language(conversation, "ja")
    text = ctx.catalogue.text("responder_changed", language, counselor=responder.display_name)
    tell_client(conn, ctx, conversation, after, text, now, outcome)
    return after


def transfer(
    conn: Tx,
    ctx: TurnContext,
    *,
    conversation_id: int,
    to_staff_id: int | None,
    by_staff_id: int,
    note: str | None,
    now: datetime,
    action: str = "transfer",
) -> Outcome:
    """The case goes to `to_staff_id` (None: the least loaded counselor at work, other
    than the current one). The pair stays, unless the new counselor was the pair."""
    conversation = open_conversation(conn, conversation_id)
    by = active_member(conn, by_staff_id)
    before = handoff.owner_of(conn, ctx.handoff, conversation, now)
    if to_staff_id is None:
        exclude = frozenset(
            i for i in (conversation.counselor_id, conversation.pair_counselor_id) if i
        )
        found = handoff.available_counselor(conn, before.org, now, exclude)
        if found is None:
            raise Refusal("no other counselor is at work now", "nobody_available")
        target = found
    else:
        target = active_member(conn, to_staff_id)
    if target.id == conversation.counselor_id:
        raise Refusal("that counselor already has this conversation", "same_counselor")
    org = ctx.handoff.organization(target.org_id or conversation.org_id)
    pair_id = conversation.pair_counselor_id
    if pair_id == target.id:
        pair_id = None
    handoff.assign(
        conn,
        conversation.id,
        conversation.contact_id,
        org_id=org.id,
        counselor_id=target.id,
        pair_id=pair_id,
        now=now,
    )
    outcome = Outcome(
        events=[Event(EventKind.CONVERSATION_ASSIGNED, conversation.id, staff_id=target.id)]
    )
    note_id = None
    if note is not None and note.strip() and target.id != by.id:
        note_id, noted = staff_notes.add_note(
            conn,
            conversation_id=conversation.id,
            author_id=by.id,
            kind="handover",
            text=note,
            to_staff_id=target.id,
            now=now,
        )
        outcome.events += noted.events
    elif target.id != by.id:
        raise_alert(
            conn,
            outcome.events,
            conversation_id=conversation.id,
            staff_id=target.id,
            kind=AlertKind.TRANSFERRED,
            now=now,
        )
    tell_if_responder_changed(conn, ctx, before, _reload(conn, conversation.id), now, outcome)
    audit.record(
        conn,
        staff_id=by.id,
        action=action,
        conversation_id=conversation.id,
        at=now,
        detail={"from": conversation.counselor_id, "to": target.id, "note_id": note_id},
    )
    return outcome


def set_pair(
    conn: Tx,
    ctx: TurnContext,
    *,
    conversation_id: int,
    pair_staff_id: int | None,
    by_staff_id: int,
    now: datetime,
) -> Outcome:
    """Pair the case with a counselor of another organisation (None: unpair)."""
    conversation = open_conversation(conn, conversation_id)
    by = active_member(conn, by_staff_id)
    if conversation.counselor_id is None:
        raise Refusal("a case needs a counselor before a pair", "no_counselor")
    counselor = active_member(conn, conversation.counselor_id)
    pair = pair_for(conn, counselor, pair_staff_id) if pair_staff_id is not None else None
    before = handoff.owner_of(conn, ctx.handoff, conversation, now)
    assert conversation.org_id is not None
    handoff.assign(
        conn,
        conversation.id,
        conversation.contact_id,
        org_id=conversation.org_id,
        counselor_id=counselor.id,
        pair_id=pair.id if pair else None,
        now=now,
    )
    outcome = Outcome(
        events=[Event(EventKind.CONVERSATION_CHANGED, conversation.id, staff_id=by.id)]
    )
    if pair is not None and pair.id != by.id:
        raise_alert(
            conn,
            outcome.events,
            conversation_id=conversation.id,
            staff_id=pair.id,
            kind=AlertKind.PAIRED,
            now=now,
        )
    tell_if_responder_changed(conn, ctx, before, _reload(conn, conversation.id), now, outcome)
    audit.record(
        conn,
        staff_id=by.id,
        action="pair" if pair else "unpair",
        conversation_id=conversation.id,
        at=now,
        detail={"pair": pair.id if pair else None, "was": conversation.pair_counselor_id},
    )
    return outcome
