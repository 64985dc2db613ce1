"""Staff teach the danger detector (issue 17): marks on a client's text messages.

    GET  /conversations/{id}/safety-feedback
         -> {"levels", "messages": [{"message_id", "signal": {"level"}|null,
                                     "can_mark": "missed"|"false_alarm", "marks": [...]}]}
    POST /conversations/{id}/messages/{message_id}/safety-feedback
         {"kind": "missed", "level": "crisis"|"violence"|"child"} | {"kind": "false_alarm"}
         -> {"mark", "message"}   (replaces the signed-in staff member's earlier mark)
    POST /conversations/{id}/messages/{message_id}/safety-feedback/withdraw
         -> {"withdrawn": bool, "message"}

"danger missed" (見逃し) goes on a message that raised no signal, "false alarm" (誤検知) on
one that did. Anyone who sees the conversation may mark (404 otherwise); writes are audited
by the desk. The answers carry ids, kinds, levels, names and times: never the client's
words, which the page already has. Reading the marks is not audited apart: it is part of
the conversation page, whose view is.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.app import keys
from bot.conversation.refusal import Refusal
from staff_console.access import current_staff
from staff_console.api.body import json_object, positive_int
from staff_console.api.visible import visible_row
from staff_console.errors import ApiError, desk_refusal, json_answer
from storage import safety_feedback as store
from storage.safety_feedback import LEVELS, ClientText, Mark
from storage.tx import Tx


def _shape_mark(mark: Mark, me: int) -> dict[str, Any]:
    return {
        "staff": {
            "id": mark.staff_id,
            "name": mark.staff_name,
            "display_name": mark.staff_display_name,
        },
        "kind": mark.kind,
        "level": mark.level,
        "marked_at": mark.marked_at.isoformat(),
        "mine": mark.staff_id == me,
    }


def _shape(message: ClientText, marks: list[Mark], me: int) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "signal": {"level": message.level} if message.signalled else None,
        "can_mark": "false_alarm" if message.signalled else "missed",
        "marks": [_shape_mark(m, me) for m in marks if m.message_id == message.id],
    }


def _conversation_id(request: web.Request) -> int:
    return positive_int(request.match_info["conversation_id"], "conversation_id")


def _ids(request: web.Request) -> tuple[int, int]:
    """(conversation id, message id) of a message's route."""
    message_id = positive_int(request.match_info["message_id"], "message_id")
    return _conversation_id(request), message_id


async def _entry(request: web.Request, conversation_id: int, message_id: int) -> dict[str, Any]:
    me = current_staff(request).staff.id

    def read(conn: Tx) -> dict[str, Any] | None:
        message = store.client_text(conn, message_id)
        if message is None or message.conversation_id != conversation_id:
            return None  # gone meanwhile (the retention's purge): as if it never was
        return _shape(message, store.for_conversation(conn, conversation_id), me)

    entry: dict[str, Any] | None = await request.config_dict[keys.DB].read(read)
    if entry is None:
        raise ApiError(404, "feedback_message")
    return entry


# What the desk refuses as a malformed request rather than a state that does not allow it.
_BAD_REQUEST = ("feedback_kind", "feedback_level", "feedback_level_not_wanted")


def _refused(error: Refusal) -> ApiError:
    if error.key == "feedback_message":
        return ApiError(404, error.key)
    if error.key in _BAD_REQUEST:
        return ApiError(400, error.key)
    return desk_refusal(error)


async def list_marks(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    await visible_row(request, conversation_id)
    me = current_staff(request).staff.id

    def read(conn: Tx) -> list[dict[str, Any]]:
        marks = store.for_conversation(conn, conversation_id)
        return [_shape(m, marks, me) for m in store.client_texts(conn, conversation_id)]

    shaped = await request.config_dict[keys.DB].read(read)
    return json_answer({"levels": list(LEVELS), "messages": shaped})


async def mark(request: web.Request) -> web.Response:
    conversation_id, message_id = _ids(request)
    body = await json_object(request)
    await visible_row(request, conversation_id)
    try:
        found = await request.config_dict[keys.DESK].mark_safety(
            conversation_id,
            message_id,
            current_staff(request).staff.id,
            # Checked by the desk, the one place (a refusal names what is wrong).
            str(body.get("kind")),
            None if body.get("level") is None else str(body.get("level")),
        )
    except Refusal as error:
        raise _refused(error) from None
    me = current_staff(request).staff.id
    entry = await _entry(request, conversation_id, message_id)
    return json_answer({"mark": _shape_mark(found, me), "message": entry})


async def withdraw(request: web.Request) -> web.Response:
    conversation_id, message_id = _ids(request)
    await visible_row(request, conversation_id)
    try:
        withdrawn = await request.config_dict[keys.DESK].withdraw_safety_mark(
            conversation_id, message_id, current_staff(request).staff.id
        )
    except Refusal as error:
        raise _refused(error) from None
    entry = await _entry(request, conversation_id, message_id)
    return json_answer({"withdrawn": withdrawn, "message": entry})


def add_routes(api: web.Application) -> None:
    conversation = "/conversations/{conversation_id}"
    message = conversation + "/messages/{message_id}/safety-feedback"
    api.router.add_get(conversation + "/safety-feedback", list_marks)
    api.router.add_post(message, mark)
    api.router.add_post(message + "/withdraw", withdraw)
