"""Saying something to a client: the transcript row and the outbox rows, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.delivery.channel import Channels, Outgoing
from bot.runtime.events import Event, EventKind
from storage import conversations, messages, outbox
from storage.contacts import Contact
from storage.conversations import Unanswered
from storage.tx import Tx


@dataclass(frozen=True)
class Said:
    message: Outgoing
    kind: str  # "flow", "handoff", "ack", "followup", "text": staff see whose words these were


def say(
    conn: Tx,
    channels: Channels,
    *,
    contact: Contact,
    conversation_id: int,
    said: list[Said],
    author: str,
    now: datetime,
    events: list[Event],
    reply_token: str | None = None,
    reply_deadline: datetime | None = None,
    staff_id: int | None = None,
    unanswered: Unanswered | None = None,
) -> list[int]:
    """Keep every message in the transcript and queue it for the contact's channel, in that
    channel's wire form. Nothing is queued for someone who can no longer be reached (they
    blocked the account). Appends a "message queued" event per message to `events`.

    Each message is linked to the outbox row that carries it, so staff see whether it
    reached the client. When the channel needs several calls for them, every message is
    linked to the last call: it shows as sent once the whole turn went out.

    `unanswered`: what `conversations.client_wrote` returned earlier in this transaction, when
    nothing else has touched the conversation's wait since (saves reading it again)."""
    outbox_ids: list[int] = []
    if said and contact.reachable:
        outbox_ids = outbox.enqueue(
            conn,
            contact_id=contact.id,
            conversation_id=conversation_id,
            channel=contact.channel,
            # A flow's words are the same for everyone and rendered once. The rest (a
            # counselor's answer, an announcement naming a counselor and a time) is
            # personal: not kept.
            calls=channels.render(
                contact.channel,
                [item.message for item in said],
                reusable=all(item.kind == "flow" for item in said),
            ),
            reply_token=reply_token,
            reply_deadline=reply_deadline,
            at=now,
        )
    carrier = outbox_ids[-1] if outbox_ids else None
    for item in said:
        message_id = messages.add(
            conn,
            conversation_id,
            direction="out",
            author=author,
            kind=item.kind,
            # What the client read, in their channel's words.
            body=channels.shown(contact.channel, item.message.text),
            at=now,
            outbox_id=carrier,
            staff_id=staff_id,
        )
        events.append(Event(EventKind.MESSAGE_QUEUED, conversation_id, message_id=message_id))
    conversations.answered_somehow(conn, conversation_id, now, known=unanswered)
    return outbox_ids
