"""Staff and their leave, for supervisors (and the list of colleagues for everyone).

GET  /staff                        active colleagues, each with today's status:
                                   working | on_leave (until, cover) | covering (for)
POST /staff/{staff_id}/leave {"from", "to", "cover", "note"}    supervisors; the
     counselor's open conversations move to the cover when the leave starts, and back
     when it ends (bot/conversation/leave_moves.py)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web

from bot.app import keys
from bot.runtime.clock import TOKYO
from staff_console.access import current_staff, supervisors_only
from staff_console.api import shapes
from staff_console.api.body import json_object, positive_int, text_field
from staff_console.errors import ApiError, json_answer
from storage import read_side, staff
from storage.staff import StaffError
from storage.tx import Tx


def statuses(conn: Tx, today: date) -> list[dict[str, Any]]:
    members = read_side.colleagues(conn)
    names = {m.id: m.display_name for m in members}
    leaves = {m.id: staff.leave_on(conn, m.id, today) for m in members}
    covering: dict[int, list[str]] = {}
    for member_id, leave in leaves.items():
        if leave is not None and leave.cover_staff_id is not None:
            covering.setdefault(leave.cover_staff_id, []).append(names.get(member_id, ""))
    found = []
    for member in members:
        leave = leaves[member.id]
        item = shapes.colleague(member)
        if leave is not None:
            item["status"] = "on_leave"
            item["leave"] = {
                "from": leave.starts_on.isoformat(),
                "to": leave.ends_on.isoformat(),
                "cover": names.get(leave.cover_staff_id) if leave.cover_staff_id else None,
            }
        elif member.id in covering:
            item["status"] = "covering"
            item["covering"] = covering[member.id]
        else:
            item["status"] = "working"
        found.append(item)
    return found


def today(now: datetime) -> date:
    return now.astimezone(TOKYO).date()


async def list_staff(request: web.Request) -> web.Response:
    now = request.config_dict[keys.CLOCK].now()
    found = await request.config_dict[keys.DB].read(statuses, today(now))
    return json_answer({"day": today(now).isoformat(), "staff": found})


def _day(body: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(text_field(body, name))
    except ValueError:
        raise ApiError(400, "bad_day") from None


@supervisors_only
async def set_leave(request: web.Request) -> web.Response:
    staff_id = positive_int(request.match_info["staff_id"], "staff_id")
    body = await json_object(request)
    starts_on, ends_on = _day(body, "from"), _day(body, "to")
    cover = body.get("cover")
    cover_id = positive_int(cover, "cover") if cover is not None else None
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise ApiError(400, "field_missing", field="note")
    try:
        leave_id = await request.config_dict[keys.DESK].set_leave(
            staff_id,
            starts_on,
            ends_on,
            cover_id,
            current_staff(request).staff.id,
            note.strip() if note and note.strip() else None,
        )
    except StaffError as error:
        raise ApiError(409, "leave_refused", reason=str(error)) from None
    return json_answer({"leave_id": leave_id}, status=201)


def add_routes(api: web.Application) -> None:
    api.router.add_get("/staff", list_staff)
    api.router.add_post("/staff/{staff_id}/leave", set_leave)
