"""The dispatcher: after the webhook's 200, process each person's events in order, once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock
from bot.inbound import Inbound
from bot.lanes import Lanes
from bot.logs import user_ref
from bot.priority import Priority
from bot.sender import OutboxSender
from bot.turns import TurnContext, run_failed_turn, run_turn
from storage import events
from storage.database import Database
from storage.events import StoredEvent

log = logging.getLogger("tobira.dispatcher")

LaneKey = tuple[str, str | None]


class Dispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: OutboxSender,
        context: TurnContext,
        normalisers: dict[str, Callable[[StoredEvent], Inbound]],
        priority: Priority,
        arm: Callable[[datetime | None], None],
    ) -> None:
        self._arm = arm
        self._db = db
        self._priority = priority
        self._clock = clock
        self._sender = sender
        self._context = context
        self._normalisers = normalisers
        self.lanes: Lanes[LaneKey] = Lanes(self._drain, "events")

    def kick(self, channel: str, user_key: str | None) -> None:
        self.lanes.kick((channel, user_key))

    async def recover(self) -> None:
        """Events committed but not processed when the last process died."""
        lanes = await events.pending_lanes(self._db)
        for key in lanes:
            self.lanes.kick(key)
        if lanes:
            log.info("recovering pending events", extra={"lanes": len(lanes)})

    async def close(self) -> None:
        await self.lanes.close()

    async def _drain(self, key: LaneKey) -> None:
        while True:
            # Even the look-up waits its turn: a burst of webhooks kicks a lane per person.
            async with self._priority.background():
                batch = await events.pending_for(self._db, *key)
            if not batch:
                return
            for stored in batch:
                async with self._priority.background():
                    await self._process(stored)

    async def _process(self, stored: StoredEvent) -> None:
        started = time.perf_counter()
        now = self._clock.now()
        if stored.user_key is None:
            # Events from groups or rooms without a user: kept, not answered.
            await self._db.write(lambda c: events.mark_done(c, stored.id, now))
            return
        try:
            inbound = self._normalisers[stored.channel](stored)
        except Exception as error:
            log.exception("event unreadable", extra={"event_row": stored.id, "kind": stored.kind})
            name = type(error).__name__
            await self._db.write(lambda c: events.mark_failed(c, stored.id, now, name))
            return
        try:
            result = await self._db.write(lambda c: run_turn(c, inbound, now, self._context))
        except Exception as error:
            log.exception("turn failed", extra={"event_row": stored.id, "kind": stored.kind})
            name = type(error).__name__
            try:
                result = await self._db.write(
                    lambda c: run_failed_turn(c, inbound, name, now, self._context)
                )
            except Exception:
                log.exception("fallback failed", extra={"event_row": stored.id})
                return
        if result.contact_id is not None and result.outbox_ids:
            self._sender.kick(result.contact_id)
        for deadline in result.deadlines:
            self._arm(deadline.due_at)
        log.info(
            "event processed",
            extra={
                "event_row": stored.id,
                "kind": inbound.platform_type or inbound.kind,
                "user": user_ref(stored.user_key),
                "replies": len(result.outbox_ids),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
