"""Erasure on request, and the end of a household's support (issue 23). Supervisors and
admins only; both audited by the desk.

    POST /contacts/{id}/erase {"confirm": "erase"} -> 200 {"erased": {"contact_id",
         "deleted": {kind: count}, "files_clean"}}; 400 without the confirmation, 404 for
         an unknown contact (erased already included), 403 for anyone else
    POST /households/{id}/close {}                -> 200 {"household": {"id", "closed": true}}
         (retention may count its members' time from now: storage/retention.py)

An erasure cannot be undone: the contact's rows are deleted and their data key destroyed
(bot/conversation/erase.py). The typed confirmation is the API's own: the console asks its
person to type a word in their language and sends this one.
"""

from __future__ import annotations

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff, supervisors_only
from staff_console.api.body import json_object, positive_int
from staff_console.errors import ApiError, json_answer

CONFIRMATION = "erase"


@supervisors_only
async def erase_contact(request: web.Request) -> web.Response:
    contact_id = positive_int(request.match_info["contact_id"], "contact_id")
    body = await json_object(request, optional=True)
    if body.get("confirm") != CONFIRMATION:
        raise ApiError(400, "erase_unconfirmed", word=CONFIRMATION)
    erased = await request.config_dict[keys.DESK].erase_contact(
        contact_id, current_staff(request).staff.id, via="console"
    )
    if erased is None:
        raise ApiError(404, "no_contact")
    return json_answer(
        {
            "erased": {
                "contact_id": erased.contact_id,
                "conversations": list(erased.conversation_ids),
                "deleted": erased.counts,
                "files_clean": erased.files_clean,
            }
        }
    )


@supervisors_only
async def close_household(request: web.Request) -> web.Response:
    household_id = positive_int(request.match_info["household_id"], "household_id")
    await json_object(request, optional=True)
    closed = await request.config_dict[keys.DESK].close_household(
        household_id, current_staff(request).staff.id
    )
    if not closed:
        raise ApiError(404, "no_open_household")
    return json_answer({"household": {"id": household_id, "closed": True}})


def add_routes(api: web.Application) -> None:
    api.router.add_post("/contacts/{contact_id}/erase", erase_contact)
    api.router.add_post("/households/{household_id}/close", close_household)
