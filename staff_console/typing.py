"""The client sees that their counselor is writing: LINE's loading animation, while the
counselor types in the console (`[line] typing_indicator = true`).

At most one call per conversation every RENEW_AFTER seconds, each asking for SHOW_FOR
seconds (LINE takes 5 to 60, a multiple of 5; our next message ends it early). Done in
the background: a slow platform never slows the counselor's typing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config.settings import Settings
from bot.delivery.sender import OutboxSender
from storage import read_side
from storage.database import Database

log = logging.getLogger("tobira.console.typing")

SHOW_FOR = 20  # seconds, a multiple of 5
RENEW_AFTER = timedelta(seconds=15)


class TypingRelay:
    def __init__(
        self,
        settings: Settings,
        db: Callable[[], Database],
        sender: Callable[[], OutboxSender],
        tasks: set[asyncio.Task[object]],
    ) -> None:
        self._enabled = {"line": settings.line.typing_indicator}
        self._db, self._sender, self._tasks = db, sender, tasks
        self._last: dict[int, datetime] = {}

    def counselor_typing(self, conversation_id: int, now: datetime) -> None:
        if not any(self._enabled.values()):
            return
        last = self._last.get(conversation_id)
        if last is not None and now - last < RENEW_AFTER:
            return
        self._last[conversation_id] = now
        task = asyncio.get_running_loop().create_task(self._show(conversation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _show(self, conversation_id: int) -> None:
        address = await self._db().read(read_side.client_address, conversation_id)
        if address is None:
            return
        channel, user_id = address.channel, address.platform_user_id
        if not self._enabled.get(channel):
            return
        try:
            result = await self._sender().show_typing(channel, user_id, SHOW_FOR)
        except Exception:
            log.exception("typing indicator failed", extra={"conversation": conversation_id})
            return
        if result is not None and result.outcome != "delivered":
            log.info(
                "typing indicator refused",
                extra={"conversation": conversation_id, "detail": result.detail},
            )
