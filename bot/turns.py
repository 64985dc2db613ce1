"""What one inbound event changes: decided and written in ONE transaction on the writer.

The turn runs inside the database writer (a synchronous job), so the conversation it reads
is the one it writes: no other change can slip in between. It calls only repository
functions and pure code, so it is quick enough to hold the writer for.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.catalogue import Catalogue
from bot.channels import line_render
from bot.inbound import Inbound, Outgoing
from storage import contacts, conversations, events, messages, outbox


@dataclass(frozen=True)
class TurnContext:
    catalogue: Catalogue
    service_name: str
    reply_token_max_age: timedelta


@dataclass
class TurnResult:
    contact_id: int | None = None
    outbox_ids: list[int] = field(default_factory=list)


def run_turn(
    conn: sqlite3.Connection, inbound: Inbound, now: datetime, ctx: TurnContext
) -> TurnResult:
    result = TurnResult()
    if inbound.kind == "unfollow":
        contact = contacts.find_for_update(conn, inbound.channel, inbound.user_key)
        if contact is not None:
            contacts.set_unreachable(conn, contact.id)
            outbox.cancel_open_for_contact(conn, contact.id, "unfollowed")
            result.contact_id = contact.id
        events.mark_done(conn, inbound.event_row_id, now)
        return result

    contact = contacts.upsert_seen(conn, inbound.channel, inbound.user_key, now)
    conversation = conversations.open_for_contact(conn, contact.id, now)
    result.contact_id = contact.id
    _record_inbound(conn, conversation.id, inbound, now)

    replies = _answer(inbound, contact.language, ctx)
    if replies:
        for reply in replies:
            messages.add(
                conn,
                conversation.id,
                direction="out",
                author="bot",
                kind="text",
                body=reply.text,
                at=now,
            )
        result.outbox_ids = outbox.enqueue(
            conn,
            contact_id=contact.id,
            conversation_id=conversation.id,
            channel=inbound.channel,
            calls=line_render.render(replies),
            reply_token=inbound.reply_token,
            reply_deadline=inbound.occurred_at + ctx.reply_token_max_age,
            at=now,
        )
    events.mark_done(conn, inbound.event_row_id, now)
    return result


def _record_inbound(
    conn: sqlite3.Connection, conversation_id: int, inbound: Inbound, now: datetime
) -> None:
    body = inbound.text if inbound.kind == "text" else inbound.postback_data
    if inbound.kind == "other" and not inbound.platform_type.startswith("message/"):
        return  # platform signals (unsend, read receipts...) are kept as events only
    messages.add(
        conn,
        conversation_id,
        direction="in",
        author="client",
        kind=inbound.platform_type or inbound.kind,
        body=body,
        at=now,
        inbound_event_id=inbound.event_row_id,
    )


def _answer(inbound: Inbound, language: str, ctx: TurnContext) -> list[Outgoing]:
    if inbound.kind == "follow":
        return [Outgoing(ctx.catalogue.text("greeting", language, service_name=ctx.service_name))]
    if inbound.kind in ("text", "postback"):
        return [Outgoing(ctx.catalogue.text("received", language))]
    return []
