"""What opening a conversation does besides showing it: audit, 既読 on LINE, and its alerts
marked seen (bot/conversation/office.py has the one way an alert is marked seen).

Shared by the API and the pages, so that every view is audited the same way.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiohttp import web

from bot.app import keys
from bot.delivery.sender import OutboxSender
from staff_console.access import current_staff
from staff_console.keys import TASKS
from storage import messages, read_side
from storage.database import Database
from storage.read_side import ConversationView

log = logging.getLogger("tobira.console")


async def open_conversation(request: web.Request, conversation_id: int) -> ConversationView | None:
    """The conversation for the signed-in staff member (None: unknown, or not theirs to see).
    The view is written to the audit log before it is shown (bot/conversation/office.py);
    when the channel marks messages read (`[line] mark_as_read = "when_staff_open"`), the
    client's messages are marked read in the background: 既読 then means a person read them."""
    app = request.config_dict
    db, now = app[keys.DB], app[keys.CLOCK].now()
    # A person opening it has seen what its alerts were about; a page refreshing itself
    # after an event is not a new look (it would swallow an alert as it arrives).
    looked = request.headers.get("X-Tobira-Background") != "1"
    view = await app[keys.DESK].office.open_conversation(
        current_staff(request).viewer, conversation_id, looked=looked
    )
    if view is None:
        return None
    if any(m.author_kind == "client" and m.read_at is None for m in view.messages):
        task = asyncio.get_running_loop().create_task(
            mark_read(db, app[keys.SENDER], conversation_id, now)
        )
        tasks = app[TASKS]
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    return view


async def mark_read(
    db: Database, sender: OutboxSender, conversation_id: int, now: datetime
) -> bool:
    """Mark the client's unread messages read on their channel; True when it was done."""
    unread = await db.read(read_side.unread_read_tokens, conversation_id)
    if unread is None:
        return False
    channel, message_ids = unread.channel, unread.message_ids
    try:
        result = await sender.mark_read(channel, unread.token)
    except Exception:
        log.exception("mark as read failed", extra={"conversation": conversation_id})
        return False
    if result is None:
        return False
    if result.outcome != "delivered":
        # Not worth a retry loop: the next opening tries again with the newest token.
        log.warning(
            "mark as read refused",
            extra={"conversation": conversation_id, "detail": result.detail},
        )
        return False
    await db.write(lambda conn: messages.mark_read(conn, message_ids, now))
    return True
