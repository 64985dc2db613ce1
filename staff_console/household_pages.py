"""The household page (世帯) and the invitation card, for staff.

The household page shows every member, the conversations the viewer may see, their notes
and a timeline, and the invitations with their state; its look is audited like the API's
(`view_household`). The card (templates/card.html) is a printable sheet with the code and
QR codes made on the server (staff_console/card.py); showing it is audited too
(`view_invitation_card`).

The web link's token is known in plain only when the invitation is made: the page that made
it posts the token here (a form, so it is in no address and no access log), and the card's
web QR code then opens the chat with the invitation; printed again later (GET), the card's
web QR code opens the chat and the card asks for the code, which works the same way.
"""

from __future__ import annotations

import hmac
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.app import keys
from bot.households import codes
from bot.households.invitations import WEB_PATH, line_url, web_path
from staff_console.access import csrf_token, current_staff
from staff_console.api import shapes
from staff_console.api.body import positive_int
from staff_console.api.households import load_household, origin_of, visible_invitation
from staff_console.card import CardRequest, card_context
from staff_console.conference_pages import conference_page_data
from staff_console.errors import ApiError
from staff_console.i18n import texts
from staff_console.pages import language_of, signed_in_context
from storage import households as store
from storage import notes
from storage.tx import Tx

# How many of a household's notes the page shows (newest first).
NOTES_SHOWN = 200


def _notes_of(conn: Tx, conversation_ids: list[int]) -> list[notes.Note]:
    found = [note for cid in conversation_ids for note in notes.for_conversation(conn, cid)]
    found.sort(key=lambda note: (note.created_at, note.id), reverse=True)
    return found[:NOTES_SHOWN]


def _missing(request: web.Request, text: str) -> web.Response:
    context = signed_in_context(request, "missing", {})
    context.update(missing=text)
    return aiohttp_jinja2.render_template("missing.html", request, context, status=404)


async def household_page(request: web.Request) -> web.Response:
    try:
        # An id too big for SQLite is no household's: not found, never a 500.
        household_id = positive_int(request.match_info["id"], "id")
        view = await load_household(request, household_id)
    except ApiError:
        return _missing(request, texts(language_of(request))["household"]["not_found"])
    visible = [c.id for member in view.members for c in member.conversations]
    found = await request.config_dict[keys.DB].read(_notes_of, visible)
    data = {
        "household": shapes.household(view),
        # Only notes of conversations the viewer may see (`visible`).
        "notes": [shapes.note(note) for note in found],
        # What closing the household means, in the confirmation: how long its records stay.
        "retention_days": request.config_dict[keys.SETTINGS].retention.resolved_conversations.days,
        # The case conferences (issue 21) and what their form offers.
        **await conference_page_data(request, household_id),
    }
    context = signed_in_context(request, "household", data)
    context.update(household=view)
    return aiohttp_jinja2.render_template("household.html", request, context)


def _token_matches(conn: Tx, token: str, invitation_id: int) -> bool:
    if not token or len(token) > 200:
        return False
    found = store.by_token(conn, codes.token_hash(token))
    return found is not None and hmac.compare_digest(str(found.id), str(invitation_id))


async def card_page(request: web.Request) -> web.Response:
    """GET: the card of an open invitation (its web QR code opens the chat); POST with the
    web token from the page that made the invitation: the web QR code opens the chat with
    the invitation itself."""
    language = language_of(request)
    try:
        invitation_id = positive_int(request.match_info["id"], "id")
        seen = await visible_invitation(request, invitation_id)
    except ApiError:
        return _missing(request, texts(language)["household"]["no_invitation"])
    invitation, db = seen.invitation, request.config_dict[keys.DB]
    token = ""
    if request.method == "POST":
        form = await request.post()
        token = str(form.get("token", ""))
    has_token = await db.read(_token_matches, token, invitation_id) if token else False
    now = request.config_dict[keys.CLOCK].now()
    await request.config_dict[keys.DESK].office.record_view(
        current_staff(request).staff.id,
        action="view_invitation_card",
        conversation_id=invitation.conversation_id,
        detail={"household_id": invitation.household_id, "invitation_id": invitation.id},
    )
    asked = CardRequest.of(request.query)
    context: dict[str, Any] = {
        "lang": language,
        "t": texts(language),
        "csrf_token": csrf_token(request),
        "invitation_id": invitation.id,
        "household_id": invitation.household_id,
        # Posted again by the size and language switches; only a token that matched.
        "token": token if has_token else "",
    }
    if invitation.code is None or not invitation.usable(now):
        state = next(i.state for i in seen.household.invitations if i.id == invitation.id)
        context.update(not_open=True, state=texts(language)["invitation_state"].get(state, state))
        return aiohttp_jinja2.render_template("card.html", request, context, status=409)
    settings = request.config_dict[keys.SETTINGS]
    origin = origin_of(request)
    context.update(
        not_open=False,
        **card_context(
            settings,
            asked,
            invitation_id=invitation.id,
            household_id=invitation.household_id,
            code=invitation.code,
            web_url=origin + (web_path(token) if has_token else WEB_PATH),
            web_has_token=has_token,
            line_url=line_url(settings.households.line_basic_id, invitation.code),
            expires_at=invitation.expires_at,
        ),
    )
    return aiohttp_jinja2.render_template("card.html", request, context)


def add_routes(console: web.Application) -> None:
    console.router.add_get(r"/households/{id:\d+}", household_page, name="household")
    console.router.add_get(r"/invitations/{id:\d+}/card", card_page, name="card")
    console.router.add_post(r"/invitations/{id:\d+}/card", card_page)
