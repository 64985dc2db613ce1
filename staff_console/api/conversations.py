"""The conversations: the inbox queues, one conversation (its look audited), a staff
answer, and accept / resolve / reopen / urgent, each through the desk
(bot/conversation/desk.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff
from staff_console.actions import open_conversation
from staff_console.api import shapes
from staff_console.api.body import bool_field, json_object, positive_int, text_field
from staff_console.api.common import conversation_id_of, db_of, is_background, limit_of, now_of
from staff_console.api.finding import filter_query, inbox_filter
from staff_console.api.households import household_ref
from staff_console.api.visible import visible_row
from staff_console.errors import ApiError, desk_call, json_answer, language_of, sentence
from storage import read_side
from storage.read_side import QUEUES, InboxRow
from storage.tx import Tx

# A counselor's answer may be as long as the strictest channel's message (LINE's 5,000
# characters); with no channel limit, this many is still a paste gone wrong.
UNLIMITED_CHANNELS_MAX_ANSWER = 5000
COLLEAGUE_JUST_ANSWERED = timedelta(minutes=1)


def queue_view(
    conn: Tx,
    viewer: read_side.Viewer,
    queue: str,
    limit: int = read_side.DEFAULT_ROWS,
    found: read_side.InboxFilter | None = None,
) -> tuple[list[InboxRow], dict[str, int]]:
    # One read transaction: the rows and the tab counts show the same moment.
    return (
        read_side.inbox(conn, viewer, queue, limit, found),
        read_side.queue_counts(conn, viewer),
    )


async def list_conversations(request: web.Request) -> web.Response:
    """?queue=NAME and the filters of staff_console/api/finding.py."""
    queue = request.query.get("queue", "waiting")
    if queue not in QUEUES:
        raise ApiError(400, "unknown_queue", queue=queue[:40], queues=", ".join(QUEUES))
    found = inbox_filter(request.query)
    signed_in, now, db = current_staff(request), now_of(request), db_of(request)
    rows, counts = await db.read(queue_view, signed_in.viewer, queue, limit_of(request), found)
    if not is_background(request):
        # A person looked at the list (a page refreshing itself after an event is not
        # another look); what they looked for is part of the look.
        await request.config_dict[keys.DESK].office.record_view(
            signed_in.staff.id,
            action="view_queue",
            detail={"queue": queue, **filter_query(request.query)},
        )
    return json_answer(
        {
            "now": shapes.when(now),
            "queue": queue,
            "filters": filter_query(request.query),
            "counts": counts,
            "conversations": [shapes.inbox_row(row, now) for row in rows],
        }
    )


async def get_conversation(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    view = await open_conversation(request, conversation_id)
    if view is None:
        raise ApiError(404, "no_conversation")
    taps = shapes.tap_reader(request.config_dict[keys.DESK].flows, view.language)
    household = await household_ref(request, conversation_id)
    return json_answer(shapes.conversation_detail(view, now_of(request), taps, household))


async def _row_answer(request: web.Request, conversation_id: int) -> web.Response:
    row = await visible_row(request, conversation_id)
    return json_answer({"conversation": shapes.inbox_row(row, now_of(request))})


async def post_message(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    body = await json_object(request)
    text = text_field(body, "text")
    if not text.strip():
        raise ApiError(400, "text_empty")
    limit = request.config_dict[keys.CHANNELS].answer_max_chars or UNLIMITED_CHANNELS_MAX_ANSWER
    if len(text) > limit:
        raise ApiError(400, "text_too_long", limit=limit)
    signed_in = current_staff(request)
    await visible_row(request, conversation_id)
    if body.get("confirmed") is not True:
        # Two counselors answering the same client at once reads as a crowd: the second
        # one is asked to confirm (the page asks, then sends again with "confirmed").
        colleague = await db_of(request).read(
            read_side.recent_staff_answer,
            conversation_id,
            signed_in.staff.id,
            now_of(request) - COLLEAGUE_JUST_ANSWERED,
        )
        if colleague is not None:
            name = colleague.display_name or colleague.name
            return json_answer(
                {
                    "error": sentence("colleague_just_answered", language_of(request), name=name),
                    "code": "colleague_just_answered",
                    "colleague": shapes.staff_ref(colleague),
                },
                status=409,
            )
    # What the counselor's alerts on it asked for before this answer; one the answer itself
    # raises (a push held for the month's allowance) is news, and stays.
    pending = await db_of(request).read(read_side.open_alerts_on, signed_in.viewer, conversation_id)
    desk = request.config_dict[keys.DESK]
    outcome = await desk_call(desk.answer(conversation_id, signed_in.staff.id, text))
    message_id = next(e.message_id for e in outcome.events if e.message_id is not None)
    if pending:
        await desk.office.see_alerts(signed_in.viewer, pending, "answered")
    message = await db_of(request).read(read_side.message, message_id)
    assert message is not None
    return json_answer(
        {"message": shapes.message(message), "delivered": outcome.delivered}, status=202
    )


async def accept(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    body = await json_object(request, optional=True)
    signed_in = current_staff(request)
    counselor_id = signed_in.staff.id
    if "counselor_id" in body:
        counselor_id = positive_int(body["counselor_id"], "counselor_id")
    supervisor = signed_in.staff.role.can_supervise
    if counselor_id != signed_in.staff.id and not supervisor:
        raise ApiError(403, "forbidden")
    pair_id = None
    if body.get("pair_id") is not None:
        pair_id = positive_int(body["pair_id"], "pair_id")
        if not supervisor:
            raise ApiError(403, "forbidden")
    row = await visible_row(request, conversation_id)
    if row.counselor is not None and not supervisor:
        raise ApiError(409, "already_taken")
    await desk_call(
        request.config_dict[keys.DESK].accept(
            conversation_id, counselor_id, signed_in.staff.id, pair_id
        )
    )
    return await _row_answer(request, conversation_id)


async def resolve(request: web.Request) -> web.Response:
    return await _state_change(request, "resolve")


async def reopen(request: web.Request) -> web.Response:
    return await _state_change(request, "reopen")


async def _state_change(request: web.Request, change: Literal["resolve", "reopen"]) -> web.Response:
    """Resolve or reopen a conversation the staff member sees, through the desk."""
    conversation_id = conversation_id_of(request)
    await visible_row(request, conversation_id)
    desk, staff_id = request.config_dict[keys.DESK], current_staff(request).staff.id
    action = desk.resolve if change == "resolve" else desk.reopen
    await desk_call(action(conversation_id, staff_id))
    return await _row_answer(request, conversation_id)


async def urgent(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    flag = bool_field(await json_object(request), "urgent")
    await visible_row(request, conversation_id)
    await desk_call(
        request.config_dict[keys.DESK].set_urgent(
            conversation_id, current_staff(request).staff.id, flag
        )
    )
    return await _row_answer(request, conversation_id)


def add_routes(api: web.Application) -> None:
    api.router.add_get("/conversations", list_conversations)
    api.router.add_get("/conversations/{conversation_id}", get_conversation)
    api.router.add_post("/conversations/{conversation_id}/messages", post_message)
    api.router.add_post("/conversations/{conversation_id}/accept", accept)
    api.router.add_post("/conversations/{conversation_id}/resolve", resolve)
    api.router.add_post("/conversations/{conversation_id}/reopen", reopen)
    api.router.add_post("/conversations/{conversation_id}/urgent", urgent)
