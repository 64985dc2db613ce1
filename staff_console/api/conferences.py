"""Case conferences (個別ケース検討会議) and their action items.

    POST /households/{id}/conferences {conference}  -> 201 {"conference": {...}}
    GET  /households/{id}/conferences               -> {"conferences": [...]}
    GET  /conferences/{id}                          -> {"conference": {...}}
    POST /conferences/{id}/shared {"shared_with", "results": bool, "form": "print"}
                                                    -> 200 (the audit of a print)
    GET  /action-items?state=open|overdue|done[&mine=1] -> {"action_items": [...], "overdue": n}
    GET  /action-items/overdue-count                -> {"overdue": n} (the header's count)
    POST /action-items/{id}/done {"result"}         -> 200 {"action_item": {...}}
    POST /action-items/{id}/drop                    -> 200 {"action_item": {...}}

A conference has the visibility of its household: whoever may see the household (one of
its conversations) sees its conferences; anything else is 404, so ids cannot be probed. An
item is also its owner's (or, for an agency's item, the key worker's) to close. The body is
read and every rule checked by bot/conferences/records.py through the desk: a refusal is a
400 with a sentence (nobody steers, a malformed field), 404 or 409. This module only looks
first (404 before reading a body) and shapes the answers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot.app import keys
from bot.conferences.records import conference_from_api
from bot.conferences.reminders import local_today
from bot.conversation.refusal import Refusal
from staff_console.access import current_staff
from staff_console.api.body import bool_field, json_object, positive_int
from staff_console.api.common import db_of, is_background, now_of
from staff_console.errors import ApiError, desk_call, desk_refusal, json_answer
from storage import conferences as store
from storage.read_side import conferences as read
from storage.read_side.conferences import QUEUE_STATES, ConferenceView, QueueItem, QueueState
from storage.tx import Tx


def today_of(request: web.Request) -> date:
    """The window's date by the service clock: it decides what is overdue."""
    return local_today(now_of(request))


async def _visible_household(request: web.Request, household_id: int) -> None:
    seen = await db_of(request).read(
        read.may_see_household, household_id, current_staff(request).viewer
    )
    if not seen:
        raise ApiError(404, "no_household")


async def conference_view(request: web.Request, conference_id: int) -> ConferenceView:
    """The conference, if its household is visible to the signed-in staff member; else 404."""
    found = await db_of(request).read(
        read.conference_detail, conference_id, current_staff(request).viewer, today_of(request)
    )
    if found is None:
        raise ApiError(404, "no_conference")
    return found


async def conferences_of(request: web.Request, household_id: int) -> list[dict[str, Any]]:
    found = await db_of(request).read(
        read.conferences_of_household,
        household_id,
        current_staff(request).viewer,
        today_of(request),
    )
    if found is None:
        raise ApiError(404, "no_household")
    return [view.to_api() for view in found]


def queue_item(found: QueueItem) -> dict[str, Any]:
    """An item in the queue with what finds it again: its conference and household (the
    household only when the viewer may open it: an owner from elsewhere sees just the row)."""
    return {
        **found.item.to_api(),
        "conference_id": found.item.conference_id,
        "held_on": found.held_on.isoformat(),
        "key_worker_id": found.key_worker.id,
        "household": {
            "id": found.household_id,
            "number": found.household_number,
            "label": found.household_label,
        }
        if found.visible
        else None,
    }


async def item_list(request: web.Request, state: QueueState, mine: bool) -> list[dict[str, Any]]:
    found = await db_of(request).read(
        read.action_items, current_staff(request).viewer, state, mine, today_of(request)
    )
    return [queue_item(item) for item in found]


async def overdue_count(request: web.Request) -> int:
    count: int = await db_of(request).read(
        read.overdue_count, current_staff(request).viewer, today_of(request)
    )
    return count


def _household_id(request: web.Request) -> int:
    return positive_int(request.match_info["household_id"], "household_id")


def _conference_id(request: web.Request) -> int:
    return positive_int(request.match_info["conference_id"], "conference_id")


async def record(request: web.Request) -> web.Response:
    household_id = _household_id(request)
    await _visible_household(request, household_id)
    body = await json_object(request)
    try:
        given = conference_from_api(body)
    except Refusal as error:
        raise desk_refusal(error) from None
    made = await desk_call(
        request.config_dict[keys.DESK].record_conference(
            household_id, current_staff(request).staff.id, given
        )
    )
    view = await conference_view(request, made.conference.id)
    return json_answer({"conference": view.to_api()}, status=201)


async def _looked(request: web.Request, *, action: str, detail: dict[str, Any]) -> None:
    """A person's look is audited; a page refreshing itself after an event is not another."""
    if not is_background(request):
        await request.config_dict[keys.DESK].office.record_view(
            current_staff(request).staff.id, action=action, detail=detail
        )


async def list_of_household(request: web.Request) -> web.Response:
    household_id = _household_id(request)
    found = await conferences_of(request, household_id)
    await _looked(
        request, action="view_household_conferences", detail={"household_id": household_id}
    )
    return json_answer({"conferences": found})


async def get_conference(request: web.Request) -> web.Response:
    conference_id = _conference_id(request)
    view = await conference_view(request, conference_id)
    detail = {"household_id": view.household_id, "conference_id": conference_id}
    await _looked(request, action="view_conference", detail=detail)
    return json_answer({"conference": view.to_api()})


async def shared(request: web.Request) -> web.Response:
    """The audit of a print: to whom the summary goes (the PDF's own page records its)."""
    conference_id = _conference_id(request)
    await conference_view(request, conference_id)
    body = await json_object(request)
    who = body.get("shared_with")
    if not isinstance(who, str):
        raise ApiError(400, "summary_shared_with_missing")
    results = bool_field(body, "results") if "results" in body else False
    # Only a print is recorded here: the PDF route records its own download, so a "pdf"
    # from here would be a download that never happened.
    if body.get("form", "print") != "print":
        raise ApiError(400, "conference_bad_input", reason='"form" here is "print"')
    await record_shared(request, conference_id, who, results, "print")
    return json_answer({"shared": {"conference_id": conference_id, "shared_with": who.strip()}})


async def record_shared(
    request: web.Request, conference_id: int, who: str, results: bool, form: str
) -> None:
    await desk_call(
        request.config_dict[keys.DESK].record_summary_shared(
            conference_id, current_staff(request).staff.id, who, results, form
        )
    )


def item_query(query: Any) -> tuple[QueueState, bool]:
    state = query.get("state", "open")
    for known in QUEUE_STATES:
        if state == known:
            return known, query.get("mine") in ("1", "true")
    raise ApiError(400, "unknown_item_state", state=state, states=", ".join(QUEUE_STATES))


async def list_items(request: web.Request) -> web.Response:
    state, mine = item_query(request.query)
    items = await item_list(request, state, mine)
    # As the page's own look (conference_pages.py), with what was asked for.
    await _looked(request, action="view_action_items", detail={"state": state, "mine": mine})
    return json_answer(
        {
            "action_items": items,
            "overdue": await overdue_count(request),
            "now": now_of(request).isoformat(),
        }
    )


async def count_overdue(request: web.Request) -> web.Response:
    return json_answer({"overdue": await overdue_count(request)})


def _item_row(conn: Tx, item_id: int) -> dict[str, Any]:
    """The item's own row as it is now (the desk has just let this staff member close it:
    it is theirs, or their household's)."""
    item = store.get_item(conn, item_id)
    if item is None:
        return {"id": item_id}
    return {
        "id": item.id,
        "conference_id": item.conference_id,
        "what": item.what,
        "due_on": item.due_on.isoformat(),
        "state": item.state.value,
        "result": item.result,
        "done_at": item.done_at.isoformat() if item.done_at else None,
    }


async def finish(request: web.Request) -> web.Response:
    item_id = positive_int(request.match_info["item_id"], "item_id")
    body = await json_object(request, optional=True)
    result = body.get("result", "")
    await desk_call(
        request.config_dict[keys.DESK].finish_action_item(
            item_id, current_staff(request).staff.id, result if isinstance(result, str) else ""
        )
    )
    return json_answer({"action_item": await db_of(request).read(_item_row, item_id)})


async def drop(request: web.Request) -> web.Response:
    item_id = positive_int(request.match_info["item_id"], "item_id")
    await json_object(request, optional=True)
    await desk_call(
        request.config_dict[keys.DESK].drop_action_item(item_id, current_staff(request).staff.id)
    )
    return json_answer({"action_item": await db_of(request).read(_item_row, item_id)})


def add_routes(api: web.Application) -> None:
    api.router.add_post("/households/{household_id}/conferences", record)
    api.router.add_get("/households/{household_id}/conferences", list_of_household)
    api.router.add_get("/conferences/{conference_id}", get_conference)
    api.router.add_post("/conferences/{conference_id}/shared", shared)
    api.router.add_get("/action-items", list_items)
    api.router.add_get("/action-items/overdue-count", count_overdue)
    api.router.add_post("/action-items/{item_id}/done", finish)
    api.router.add_post("/action-items/{item_id}/drop", drop)
