"""Saying something to a client: the transcript row and the outbox rows, in one transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.channels import line_render
from bot.inbound import Outgoing
from storage import conversations, messages, outbox
from storage.contacts import Contact


@dataclass(frozen=True)
class Said:
    message: Outgoing
    kind: str  # "flow", "handoff", "ack", "followup", "text": staff see whose words these were


def say(
    conn: sqlite3.Connection,
    *,
    contact: Contact,
    conversation_id: int,
    said: list[Said],
    author: str,
    now: datetime,
    reply_token: str | None = None,
    reply_deadline: datetime | None = None,
) -> list[int]:
    """Keep every message in the transcript and queue it for the contact's channel. Nothing
    is queued for someone who can no longer be reached (they blocked the account)."""
    for item in said:
        messages.add(
            conn,
            conversation_id,
            direction="out",
            author=author,
            kind=item.kind,
            body=item.message.text,
            at=now,
        )
    conversations.answered_somehow(conn, conversation_id, now)
    if not said or not contact.reachable:
        return []
    return outbox.enqueue(
        conn,
        contact_id=contact.id,
        conversation_id=conversation_id,
        channel=contact.channel,
        # The bot's words are the same for everyone and rendered once; a counselor's are
        # personal and not kept in memory beyond this.
        calls=line_render.render([item.message for item in said], reusable=author == "bot"),
        reply_token=reply_token,
        reply_deadline=reply_deadline,
        at=now,
    )
