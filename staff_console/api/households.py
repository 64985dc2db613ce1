"""Households (世帯) and invitations: make an invitation from a relative's conversation,
revoke one, make a household by hand, and look at a household (audited).

    POST /conversations/{id}/invitations {}  -> 201 {"invitation": {...}} (the web token is
                                                known in plain only in this answer)
    POST /conversations/{id}/household {}    -> 201 {"household": {"id","number","label"}}
    POST /invitations/{id}/revoke            -> 200 {"invitation": {"id","state","expires_at"}}
    GET  /households/{id}                    -> {"household": {...}}

A staff member sees a household when they may see at least one of its conversations, and
then only those conversations (storage/read_side/household.py); anything else is 404, so
ids cannot be probed. The rules (who may invite, when a code works) are the desk's
(bot/households); refusals come back as a sentence (staff_console/errors.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff, is_tls
from staff_console.api import shapes
from staff_console.api.body import json_object, positive_int
from staff_console.api.common import conversation_id_of, db_of, is_background, now_of
from staff_console.api.visible import visible_row
from staff_console.errors import ApiError, desk_call, json_answer
from storage import households as store
from storage.households import Invitation
from storage.read_side.household import (
    HouseholdRef,
    HouseholdView,
    household_detail,
    household_of_conversation,
)
from storage.read_side.viewer import Viewer
from storage.tx import Tx


def origin_of(request: web.Request) -> str:
    """The address people reach this service at (scheme and host), for links printed on a
    card: behind a trusted TLS proxy, the host and scheme the browser used."""
    scheme = "https" if is_tls(request) else "http"
    host = request.host
    if request.config_dict[keys.SETTINGS].console.trust_forwarded_proto:
        forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        host = forwarded or host
    return f"{scheme}://{host}"


def card_path(invitation_id: int) -> str:
    return f"/console/invitations/{invitation_id}/card"


@dataclass(frozen=True)
class SeenInvitation:
    invitation: Invitation
    household: HouseholdView


def _seen_invitation(
    conn: Tx, viewer: Viewer, invitation_id: int, now: datetime
) -> SeenInvitation | None:
    """The invitation and its household, when the viewer may see the household."""
    invitation = store.get_invitation(conn, invitation_id)
    if invitation is None:
        return None
    household = household_detail(conn, invitation.household_id, viewer, now)
    return None if household is None else SeenInvitation(invitation, household)


async def visible_invitation(request: web.Request, invitation_id: int) -> SeenInvitation:
    """The invitation, if the signed-in staff member may see its household; else 404."""
    found = await db_of(request).read(
        _seen_invitation, current_staff(request).viewer, invitation_id, now_of(request)
    )
    if found is None:
        raise ApiError(404, "no_invitation")
    return found


async def household_ref(request: web.Request, conversation_id: int) -> HouseholdRef | None:
    """The household of a conversation the caller has shown the viewer may see."""
    return await db_of(request).read(
        household_of_conversation, conversation_id, current_staff(request).viewer
    )


async def load_household(request: web.Request, household_id: int) -> HouseholdView:
    """The household as the signed-in staff member may see it (404 otherwise); a person's
    look is audited (a page refreshing itself after an event is not another look)."""
    signed_in = current_staff(request)
    view = await db_of(request).read(
        household_detail, household_id, signed_in.viewer, now_of(request)
    )
    if view is None:
        raise ApiError(404, "no_household")
    if not is_background(request):
        await request.config_dict[keys.DESK].office.record_view(
            signed_in.staff.id, action="view_household", detail={"household_id": household_id}
        )
    return view


async def invite(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    await json_object(request, optional=True)
    await visible_row(request, conversation_id)
    made = await desk_call(
        request.config_dict[keys.DESK].invite(conversation_id, current_staff(request).staff.id)
    )
    return json_answer(
        {
            "invitation": shapes.new_invitation(
                made, origin_of(request) + made.web_path, card_path(made.id)
            )
        },
        status=201,
    )


async def create_household(request: web.Request) -> web.Response:
    conversation_id = conversation_id_of(request)
    await json_object(request, optional=True)
    await visible_row(request, conversation_id)
    made = await desk_call(
        request.config_dict[keys.DESK].create_household(
            conversation_id, current_staff(request).staff.id
        )
    )
    return json_answer({"household": shapes.household_ref(made)}, status=201)


async def revoke(request: web.Request) -> web.Response:
    invitation_id = positive_int(request.match_info["invitation_id"], "invitation_id")
    await visible_invitation(request, invitation_id)
    await desk_call(
        request.config_dict[keys.DESK].revoke_invitation(
            invitation_id, current_staff(request).staff.id
        )
    )
    after = await visible_invitation(request, invitation_id)
    row = next(item for item in after.household.invitations if item.id == invitation_id)
    return json_answer({"invitation": shapes.invitation(row)})


async def get_household(request: web.Request) -> web.Response:
    household_id = positive_int(request.match_info["household_id"], "household_id")
    view = await load_household(request, household_id)
    return json_answer({"household": shapes.household(view)})


def add_routes(api: web.Application) -> None:
    api.router.add_post("/conversations/{conversation_id}/invitations", invite)
    api.router.add_post("/conversations/{conversation_id}/household", create_household)
    api.router.add_post("/invitations/{invitation_id}/revoke", revoke)
    api.router.add_get("/households/{household_id}", get_household)
