"""Assignment by people in the API (bot/conversation/reassign.py does the work).

    POST /conversations/{id}/transfer {"to": staff id | "available", "note": "申し送り"}
    POST /conversations/{id}/take-over           the signed-in staff member takes it
    POST /conversations/{id}/pair {"pair": staff id | null}   null unpairs

Supervisors and admins may do all of it; a counselor may hand over or pair the cases they
work (as the counselor or the pair). Everything else is 403.
"""

from __future__ import annotations

from aiohttp import web

from bot.app import keys
from bot.conversation.notes import MAX_NOTE_CHARS
from staff_console.access import current_staff
from staff_console.api import shapes
from staff_console.api.body import json_object, positive_int
from staff_console.api.common import conversation_id_of
from staff_console.api.visible import visible_row
from staff_console.errors import ApiError, desk_call, json_answer
from storage import read_side
from storage.read_side import InboxRow


async def _row(request: web.Request) -> InboxRow:
    return await visible_row(request, conversation_id_of(request))


def _works_it(request: web.Request, row: InboxRow) -> bool:
    me = current_staff(request).staff
    if me.role.can_supervise:
        return True
    return me.id in {ref.id for ref in (row.counselor, row.pair) if ref is not None}


async def _answer(request: web.Request, conversation_id: int) -> web.Response:
    row = await request.config_dict[keys.DB].read(
        read_side.inbox_row, current_staff(request).viewer, conversation_id
    )
    now = request.config_dict[keys.CLOCK].now()
    return json_answer({"conversation": shapes.inbox_row(row, now) if row else None})


async def transfer(request: web.Request) -> web.Response:
    row = await _row(request)
    body = await json_object(request)
    to = body.get("to")
    to_staff_id = None if to == "available" else positive_int(to, "to")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise ApiError(400, "field_missing", field="note")
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise ApiError(400, "note_too_long", limit=MAX_NOTE_CHARS)
    if not _works_it(request, row):
        raise ApiError(403, "forbidden")
    await desk_call(
        request.config_dict[keys.DESK].transfer(
            row.id, to_staff_id, current_staff(request).staff.id, note
        )
    )
    return await _answer(request, row.id)


async def take_over(request: web.Request) -> web.Response:
    row = await _row(request)
    await json_object(request, optional=True)
    if not _works_it(request, row):
        raise ApiError(403, "forbidden")
    me = current_staff(request).staff
    await desk_call(
        request.config_dict[keys.DESK].transfer(row.id, me.id, me.id, action="take_over")
    )
    return await _answer(request, row.id)


async def pair(request: web.Request) -> web.Response:
    row = await _row(request)
    body = await json_object(request)
    if "pair" not in body:
        raise ApiError(400, "field_missing", field="pair")
    raw = body["pair"]
    pair_id = None if raw is None else positive_int(raw, "pair")
    if not _works_it(request, row):
        raise ApiError(403, "forbidden")
    await desk_call(
        request.config_dict[keys.DESK].set_pair(row.id, pair_id, current_staff(request).staff.id)
    )
    return await _answer(request, row.id)


def add_routes(api: web.Application) -> None:
    api.router.add_post("/conversations/{conversation_id}/transfer", transfer)
    api.router.add_post("/conversations/{conversation_id}/take-over", take_over)
    api.router.add_post("/conversations/{conversation_id}/pair", pair)
