"""Signing in and out, and who is signed in: POST /login, POST /logout, GET /me."""

from __future__ import annotations

from aiohttp import web

from staff_console.access import current_staff, public, sessions_of, set_session_cookie, sign_out
from staff_console.api import shapes
from staff_console.api.body import json_object, text_field
from staff_console.api.common import now_of
from staff_console.errors import ApiError, json_answer
from staff_console.keys import HUB, PRESENCE


@public
async def login(request: web.Request) -> web.Response:
    body = await json_object(request)
    result = await sessions_of(request).sign_in(
        text_field(body, "login"), text_field(body, "password")
    )
    if result.error == "locked":
        minutes = max(
            1, round((result.locked_for.total_seconds() if result.locked_for else 0) / 60)
        )
        raise ApiError(429, "locked", minutes=minutes)
    if result.signed_in is None or result.token is None:
        raise ApiError(401, "wrong_password")
    response = json_answer(
        {
            "csrf_token": result.signed_in.csrf_token,
            "staff": shapes.staff_member(result.signed_in.staff),
        }
    )
    set_session_cookie(request, response, result.token)
    return response


async def logout(request: web.Request) -> web.Response:
    signed_in = current_staff(request)
    response = json_answer({"signed_out": True})
    await sign_out(request, response)
    request.config_dict[HUB].end_session(signed_in.session_id, "signed_out")
    # Signed out: no longer looking at anything (colleagues see it at once).
    request.config_dict[PRESENCE].leave_everywhere(signed_in.staff.id, now_of(request))
    return response


async def me(request: web.Request) -> web.Response:
    signed_in = current_staff(request)
    return json_answer(
        {"staff": shapes.staff_member(signed_in.staff), "csrf_token": signed_in.csrf_token}
    )


def add_routes(api: web.Application) -> None:
    api.router.add_post("/login", login)
    api.router.add_post("/logout", logout)
    api.router.add_get("/me", me)
