"""The web chat: a page at /chat for people without LINE (or who will not tie a worry about
their family to their LINE account), on the same seam as LINE.

visitors.py (an opaque token in an HttpOnly cookie, kept as a hash), api.py (the JSON API
and server-sent events under /chat/api/), page.py (the page, its texts in texts/*.toml),
render.py (Outgoing -> what the page shows), transport.py (delivering = waking the page),
limits.py (rate limits per visitor and per address).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from aiohttp import web

from bot.channels.web import addresses, page, render
from bot.channels.web.api import CHANNEL, ChatApi, json_errors
from bot.channels.web.transport import Doorbell, WebTransport
from bot.channels.web.visitors import Visitors
from bot.config.settings import Settings
from bot.delivery.channel import Inbound, InboundKind, Intake, Outgoing, RetryPolicy, Transport
from storage import webchat
from storage.events import StoredEvent

log = logging.getLogger("tobira.web")

_KINDS: dict[str, InboundKind] = {
    "follow": "follow",
    "unfollow": "unfollow",
    "text": "text",
    "postback": "postback",
    "invitation": "invitation",
}


PURGE_EVERY = 6 * 3600.0  # seconds between two purges of expired visitor tokens


async def _purging(app: web.Application, intake: Intake, ttl: timedelta) -> AsyncIterator[None]:
    """Expired and ended tokens are deleted (the retention of the web chat's own rows)."""

    async def purge_forever() -> None:
        while True:
            await asyncio.sleep(PURGE_EVERY)
            now = intake.now()
            try:
                await intake.database().write(
                    partial(
                        webchat.purge_visitors,
                        unused_before=now - ttl,
                        ended_before=now - timedelta(hours=1),
                    )
                )
            except Exception:
                log.exception("web chat visitors could not be purged")

    task = asyncio.get_running_loop().create_task(purge_forever(), name="web-visitor-purge")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class WebChannel:
    name = CHANNEL
    # Delivering only wakes a page: it cannot fail for long.
    retry = RetryPolicy()
    # The page shows any length and any number of buttons; it has no reply tokens.
    limits = None
    reply_window = None

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.doorbell = Doorbell()

    def setup_routes(self, app: web.Application, intake: Intake) -> None:
        web_settings = self._settings.web
        visitors = Visitors(web_settings, self._settings.console.trust_forwarded_proto)

        trusted = self._settings.console.trust_forwarded_proto
        chat_api = web.Application(middlewares=[json_errors(trusted)])
        key = addresses.load_key(self._settings.database)
        ChatApi(web_settings, visitors, self.doorbell, intake, trusted, key).add_routes(chat_api)
        app.router.add_get(
            "/chat",
            page.page_handler(
                self._settings.service_name, self._settings.service_name_en, web_settings.leave_url
            ),
        )
        app.router.add_static("/chat/static", page.STATIC)
        app.add_subapp("/chat/api", chat_api)

        async def end_streams(_: web.Application) -> None:
            self.doorbell.close()

        app.on_shutdown.append(end_streams)
        app.cleanup_ctx.append(partial(_purging, intake=intake, ttl=web_settings.visitor_ttl))

    def to_inbound(self, stored: StoredEvent) -> Inbound:
        body = json.loads(stored.payload)
        kind = _KINDS.get(stored.kind, "other")
        return Inbound(
            channel=CHANNEL,
            event_row_id=stored.id,
            user_key=stored.user_key or "",
            kind=kind,
            occurred_at=datetime.fromtimestamp(stored.occurred_at_ms / 1000, UTC),
            text=body.get("text") if kind == "text" else None,
            postback_data=body.get("choice") if kind == "postback" else None,
            platform_type=stored.kind,
            invitation=body.get("invitation") if kind == "invitation" else None,
            address=body.get("address"),
            contact_id=stored.contact_id,
        )

    def render(self, messages: Sequence[Outgoing], *, reusable: bool) -> list[str]:
        return render.render(messages)

    def shown(self, text: str) -> str:
        return render.worded(text)

    async def open(self) -> Transport:
        return WebTransport(self.doorbell)
