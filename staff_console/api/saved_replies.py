"""Saved replies (定型文) in the API: shared ones (supervisors edit) and personal ones.

    GET  /saved-replies[?conversation=ID]  shared and mine; with a conversation, each also
                                           `filled` for it (placeholders filled in)
    POST /saved-replies {"title", "text", "shared": bool}   -> 201
    POST /saved-replies/{id} {"title", "text"}              edit
    POST /saved-replies/{id}/delete

A counselor may not see or touch another's personal replies (404); shared ones are
written by supervisors and admins only (403). Every change is audited, without the text.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.app import keys
from bot.conversation import saved_replies as wording
from bot.messages.language import conversation_language
from staff_console.access import current_staff
from staff_console.api.body import bool_field, json_object, positive_int, text_field
from staff_console.errors import ApiError, desk_call, json_answer
from storage import conversations, read_side
from storage import saved_replies as store
from storage.saved_replies import SavedReply
from storage.tx import Tx


def shape(reply: SavedReply, filled: str | None = None) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "id": reply.id,
        "title": reply.title,
        "text": reply.body,
        "shared": reply.shared,
        "updated_at": reply.updated_at.isoformat(),
    }
    if filled is not None:
        shaped["filled"] = filled
    return shaped


def _checked(body: dict[str, Any]) -> tuple[str, str]:
    title, text = text_field(body, "title").strip(), text_field(body, "text")
    if not title:
        raise ApiError(400, "field_missing", field="title")
    if len(title) > wording.MAX_TITLE_CHARS:
        raise ApiError(400, "title_too_long", limit=wording.MAX_TITLE_CHARS)
    if not text.strip():
        raise ApiError(400, "saved_reply_empty")
    if len(text) > wording.MAX_BODY_CHARS:
        raise ApiError(400, "text_too_long", limit=wording.MAX_BODY_CHARS)
    unknown = wording.unknown_placeholders(text)
    if unknown:
        raise ApiError(
            400,
            "unknown_placeholder",
            names=", ".join("{" + name + "}" for name in unknown[:5]),
            known=", ".join("{" + name + "}" for name in wording.PLACEHOLDERS),
        )
    return title, text


async def list_replies(request: web.Request) -> web.Response:
    signed_in = current_staff(request)
    app = request.config_dict
    raw = request.query.get("conversation")
    conversation_id = positive_int(raw, "conversation") if raw is not None else None
    now = app[keys.CLOCK].now()

    def read(conn: Tx) -> tuple[list[SavedReply], dict[str, str] | None]:
        replies = store.visible_to(conn, signed_in.staff.id)
        if conversation_id is None:
            return replies, None
        if read_side.inbox_row(conn, signed_in.viewer, conversation_id) is None:
            raise ApiError(404, "no_conversation")
        conversation = conversations.get(conn, conversation_id)
        assert conversation is not None
        settings = app[keys.SETTINGS]
        language = conversation_language(conversation, "ja")
        language = language if language in ("ja", "en") else "ja"
        values = wording.values_for(
            counselor_name=signed_in.staff.display_name,
            service_name=settings.service_name if language == "ja" else settings.service_name_en,
            org=settings.handoff.organization(conversation.org_id),
            now=now,
            language=language,
        )
        return replies, values

    replies, values = await app[keys.DB].read(read)
    return json_answer(
        {
            "placeholders": list(wording.PLACEHOLDERS),
            "saved_replies": [
                shape(r, wording.fill(r.body, values) if values is not None else None)
                for r in replies
            ],
        }
    )


async def add_reply(request: web.Request) -> web.Response:
    body = await json_object(request)
    title, text = _checked(body)
    shared = bool_field(body, "shared") if "shared" in body else False
    reply = await desk_call(
        request.config_dict[keys.DESK].office.add_saved_reply(
            current_staff(request).staff, title, text, shared
        )
    )
    return json_answer({"saved_reply": shape(reply)}, status=201)


async def edit_reply(request: web.Request) -> web.Response:
    reply_id = positive_int(request.match_info["reply_id"], "reply_id")
    title, text = _checked(await json_object(request))
    reply = await desk_call(
        request.config_dict[keys.DESK].office.edit_saved_reply(
            current_staff(request).staff, reply_id, title, text
        )
    )
    return json_answer({"saved_reply": shape(reply)})


async def delete_reply(request: web.Request) -> web.Response:
    reply_id = positive_int(request.match_info["reply_id"], "reply_id")
    await desk_call(
        request.config_dict[keys.DESK].office.delete_saved_reply(
            current_staff(request).staff, reply_id
        )
    )
    return json_answer({"deleted": True})


def add_routes(api: web.Application) -> None:
    api.router.add_get("/saved-replies", list_replies)
    api.router.add_post("/saved-replies", add_reply)
    api.router.add_post("/saved-replies/{reply_id}", edit_reply)
    api.router.add_post("/saved-replies/{reply_id}/delete", delete_reply)
