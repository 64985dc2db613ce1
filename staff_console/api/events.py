"""The live stream of what changed (server-sent events, staff_console/events.py)."""

from __future__ import annotations

from aiohttp import web

from staff_console import events
from staff_console.access import current_staff, sessions_of
from staff_console.keys import HUB
from staff_console.sessions import SignedIn


async def event_stream(request: web.Request) -> web.StreamResponse:
    signed_in: SignedIn = current_staff(request)
    book = sessions_of(request)
    return await events.stream(
        request,
        request.config_dict[HUB],
        signed_in.viewer,
        signed_in.session_id,
        book.still_open,
    )


def add_routes(api: web.Application) -> None:
    api.router.add_get("/events", event_stream)
