"""The one check every conversation handler makes: the signed-in staff member sees the
conversation (their own, their team's, or a supervisor's view), else 404 as if it did not
exist, so ids cannot be probed."""

from __future__ import annotations

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff
from staff_console.errors import ApiError
from storage import read_side
from storage.read_side import InboxRow


async def visible_row(request: web.Request, conversation_id: int) -> InboxRow:
    row: InboxRow | None = await request.config_dict[keys.DB].read(
        read_side.inbox_row, current_staff(request).viewer, conversation_id
    )
    if row is None:
        raise ApiError(404, "no_conversation")
    return row
