"""Staff notes on a conversation (private, or a handover note, 申し送り) and one day's
handover notes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from aiohttp import web

from bot.app import keys
from bot.conversation.notes import MAX_NOTE_CHARS
from bot.runtime.clock import TOKYO
from staff_console.access import current_staff
from staff_console.api import shapes
from staff_console.api.body import json_object, positive_int, text_field
from staff_console.api.common import conversation_id_of, db_of, now_of
from staff_console.api.visible import visible_row
from staff_console.errors import ApiError, desk_call, json_answer
from storage import notes, read_side


async def post_note(request: web.Request) -> web.Response:
    """A private note or a handover note (申し送り): for staff only, never sent."""
    conversation_id = conversation_id_of(request)
    body = await json_object(request)
    text = text_field(body, "text")
    kind = body.get("kind", "private")
    if kind not in ("private", "handover"):
        raise ApiError(400, "note_kind")
    if not text.strip():
        raise ApiError(400, "note_empty")
    if len(text) > MAX_NOTE_CHARS:
        raise ApiError(400, "note_too_long", limit=MAX_NOTE_CHARS)
    to = body.get("to")
    to_staff_id = positive_int(to, "to") if to is not None else None
    if to_staff_id is not None and kind != "handover":
        raise ApiError(400, "note_kind")
    signed_in = current_staff(request)
    await visible_row(request, conversation_id)
    note_id = await desk_call(
        request.config_dict[keys.DESK].add_note(
            conversation_id, signed_in.staff.id, kind, text, to_staff_id
        )
    )
    note = await db_of(request).read(notes.get, note_id)
    assert note is not None
    return json_answer({"note": shapes.note(note)}, status=201)


def day_of(raw: str | None, now: datetime) -> date:
    """The local (Tokyo) day asked for, today when none: 400 for anything else."""
    if raw is None or raw == "":
        return now.astimezone(TOKYO).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_day") from None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=TOKYO)
    return start, start + timedelta(days=1)


async def handover_day(request: web.Request, day: date) -> list[notes.Note]:
    """One day's handover notes for the signed-in staff member; the look is audited."""
    signed_in, db = current_staff(request), db_of(request)
    start, end = day_bounds(day)
    found = await db.read(read_side.handover_notes, signed_in.viewer, start, end)
    await request.config_dict[keys.DESK].office.record_view(
        signed_in.staff.id, action="view_handover", detail={"day": day.isoformat()}
    )
    return found


async def handover(request: web.Request) -> web.Response:
    day = day_of(request.query.get("day"), now_of(request))
    found = await handover_day(request, day)
    return json_answer({"day": day.isoformat(), "notes": [shapes.note(n) for n in found]})


def add_routes(api: web.Application) -> None:
    api.router.add_post("/conversations/{conversation_id}/notes", post_note)
    api.router.add_get("/handover", handover)
