"""Who is looking, in the API (staff_console/presence.py keeps it in memory).

    GET  /conversations/{id}/presence                 -> {"present": [...]}
    POST /conversations/{id}/presence {"state": "viewing" | "typing" | "left"}

A viewing page renews its presence every HEARTBEAT seconds with `X-Tobira-Background: 1`
(not activity: the idle timeout still applies); typing is activity.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff
from staff_console.api.body import json_object, positive_int
from staff_console.api.visible import visible_row
from staff_console.errors import ApiError, json_answer
from staff_console.keys import PRESENCE, TYPING
from staff_console.presence import HEARTBEAT, STATES, Presence
from storage import read_side


async def _visible(request: web.Request) -> read_side.InboxRow:
    conversation_id = positive_int(request.match_info["conversation_id"], "conversation_id")
    return await visible_row(request, conversation_id)


def _answer(present: list[Presence], now: datetime) -> web.Response:
    shaped: list[dict[str, Any]] = [
        {"staff_id": p.staff_id, "display_name": p.display_name, "typing": p.typing(now)}
        for p in present
    ]
    return json_answer({"present": shaped, "heartbeat": HEARTBEAT, "now": now.isoformat()})


async def get_presence(request: web.Request) -> web.Response:
    row = await _visible(request)
    now = request.config_dict[keys.CLOCK].now()
    return _answer(request.config_dict[PRESENCE].present(row.id, now), now)


async def post_presence(request: web.Request) -> web.Response:
    row = await _visible(request)
    body = await json_object(request)
    state = body.get("state")
    if state not in STATES:
        raise ApiError(400, "presence_state")
    me = current_staff(request).staff
    now = request.config_dict[keys.CLOCK].now()
    present = request.config_dict[PRESENCE].update(row.id, me.id, me.display_name, state, now)
    if state == "typing" and row.counselor is not None and row.counselor.id == me.id:
        # The client's own counselor is typing: their channel may show it (LINE's loading
        # animation, `[line] typing_indicator`).
        request.config_dict[TYPING].counselor_typing(row.id, now)
    return _answer(present, now)


def add_routes(api: web.Application) -> None:
    api.router.add_get("/conversations/{conversation_id}/presence", get_presence)
    api.router.add_post("/conversations/{conversation_id}/presence", post_presence)
