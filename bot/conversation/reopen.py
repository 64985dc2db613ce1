"""Reopen, not restart: a client who writes within `[conversations] reopen_within` of a
resolution gets the same conversation back, as Chatwoot reopens a resolved conversation.

The conversation returns to human mode with the counselor who had it (`owner_of` decides
who answers today: the cover, the pair or a supervisor during a leave), so nobody is asked
the intake questions again right under the counselor's last answer. A marker for staff
starts a new burst (the client's message is acknowledged with the usual promise), and
whoever answers today is alerted live. After the window, a new conversation begins as
before; the console lists the earlier ones of the same contact.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation.context import TurnContext
from bot.delivery.outcome import Outcome
from bot.handoff import assignment as handoff
from bot.runtime.alerting import raise_alert
from bot.runtime.events import Event, EventKind
from storage import conversations, messages
from storage.contacts import Contact
from storage.conversations import Conversation
from storage.statuses import AlertKind, MessageKind
from storage.tx import Tx


def current_conversation(
    conn: Tx,
    contact: Contact,
    client_message: bool,
    ctx: TurnContext,
    now: datetime,
    result: Outcome,
) -> Conversation:
    """The contact's open conversation; a recently resolved one reopened when the client
    writes; else a new one."""
    # Read once: the open one is what the turn uses (no second read of the same row).
    open_now = conversations.open_for(conn, contact.id)
    if open_now is not None:
        return open_now
    if client_message:
        recent = conversations.resolved_since(conn, contact.id, now - ctx.reopen_within)
        if recent is not None:
            return _reopen(conn, recent, ctx, now, result)
    # Whether the window is closed (for the figures) is asked only of a conversation opened.
    return conversations.create(conn, contact.id, now, after_hours=ctx.handoff.window_closed(now))


def _reopen(
    conn: Tx, conversation: Conversation, ctx: TurnContext, now: datetime, result: Outcome
) -> Conversation:
    conversations.reopen_by_client(conn, conversation.id, now)
    # Before the client's message: the marker starts a new burst, so it is acknowledged.
    messages.add(
        conn,
        conversation.id,
        direction="in",
        author="system",
        kind=MessageKind.REOPENED,
        body=ctx.catalogue.text("reopened_note"),
        at=now,
    )
    reopened = conversations.get(conn, conversation.id)
    assert reopened is not None
    owner = handoff.owner_of(conn, ctx.handoff, reopened, now)
    staff_id = owner.responder.id if owner.responder else None
    result.events.append(Event(EventKind.CONVERSATION_CHANGED, conversation.id))
    raise_alert(
        conn,
        result.events,
        conversation_id=conversation.id,
        staff_id=staff_id,
        kind=AlertKind.CONVERSATION_REOPENED,
        now=now,
    )
    return reopened
