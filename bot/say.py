"""Saying something to a client: the transcript row and the outbox rows, in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.channels import line_render
from bot.inbound import Outgoing
from storage import conversations, messages, outbox
from storage.contacts import Contact
from storage.deadlines import Deadline


@dataclass
class Outcome:
    """What a write (a turn, a deadline, a staff action) leaves to do once committed: wake
    the contact's sender for the new outbox rows, and arm the new deadlines."""

    contact_id: int | None = None
    outbox_ids: list[int] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)

    def carry_out(
        self, kick: Callable[[int], None], arm: Callable[[datetime | None], None]
    ) -> None:
        if self.outbox_ids and self.contact_id is not None:
            kick(self.contact_id)
        for deadline in self.deadlines:
            arm(deadline.due_at)


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
        # A flow's words are the same for everyone and rendered once. The rest (a counselor's
        # answer, an announcement naming a counselor and a time) is personal: not kept.
        calls=line_render.render(
            [item.message for item in said], reusable=all(item.kind == "flow" for item in said)
        ),
        reply_token=reply_token,
        reply_deadline=reply_deadline,
        at=now,
    )
