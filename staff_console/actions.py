"""What opening a conversation does besides showing it: audit, 既読 on LINE, and its alerts
marked seen; and `see_alerts`, the one way an alert is marked seen (dismissed, or its
conversation opened or answered).

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
from storage import alerts, audit, messages, read_side
from storage.database import Database
from storage.read_side import ConversationView
from storage.tx import Tx

log = logging.getLogger("tobira.console")


def _view(conn: Tx, viewer: read_side.Viewer, conversation_id: int) -> ConversationView | None:
    return read_side.conversation(conn, viewer, conversation_id)


def see_alerts(
    conn: Tx,
    viewer: read_side.Viewer,
    alert_ids: list[int],
    now: datetime,
    because: str | None = None,
) -> list[int]:
    """Mark alerts seen by the viewer, each audited (`alert_seen`, with why when it was not
    a dismissal); the ids actually marked. A shared alert (for whoever is on duty) is
    cleared for everyone, so only by someone who may see its case."""
    seen = []
    for alert_id in alert_ids:
        alert = alerts.get(conn, alert_id)
        if alert is None:
            continue
        where = read_side.visibility(conn, [alert.conversation_id]).get(alert.conversation_id)
        if where is None or not viewer.sees(where):
            continue
        if alerts.mark_seen(conn, alert_id, viewer.staff_id, now):
            detail: dict[str, object] = {"alert_id": alert_id}
            if because is not None:
                detail["because"] = because
            audit.record(
                conn,
                staff_id=viewer.staff_id,
                action="alert_seen",
                conversation_id=alert.conversation_id,
                at=now,
                detail=detail,
            )
            seen.append(alert_id)
    return seen


def see_conversation_alerts(
    conn: Tx, viewer: read_side.Viewer, conversation_id: int, now: datetime, because: str
) -> list[int]:
    """The viewer's unseen alerts on one conversation (theirs and those for whoever is on
    duty; never a colleague's), marked seen: they opened or answered it."""
    mine = read_side.open_alerts_on(conn, viewer, conversation_id)
    return see_alerts(conn, viewer, mine, now, because)


async def open_conversation(request: web.Request, conversation_id: int) -> ConversationView | None:
    """The conversation for the signed-in staff member (None: unknown, or not theirs to see).
    The view is written to the audit log before it is shown; when the channel marks
    messages read (`[line] mark_as_read = "when_staff_open"`), the client's messages are
    marked read in the background: 既読 then means a person read them."""
    app = request.config_dict
    db, now = app[keys.DB], app[keys.CLOCK].now()
    signed_in = current_staff(request)
    view = await db.read(_view, signed_in.viewer, conversation_id)
    if view is None:
        return None
    # A person opening it has seen what its alerts were about; a page refreshing itself
    # after an event is not a new look (it would swallow an alert as it arrives).
    looked = request.headers.get("X-Tobira-Background") != "1"

    def job(conn: Tx) -> None:
        audit.record(
            conn,
            staff_id=signed_in.staff.id,
            action="view",
            conversation_id=conversation_id,
            at=now,
        )
        if looked and view.alerts:
            see_conversation_alerts(conn, signed_in.viewer, conversation_id, now, "opened")

    await db.write(job)
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
    channel, token, message_ids = unread
    try:
        result = await sender.mark_read(channel, token)
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
