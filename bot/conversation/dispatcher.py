"""The dispatcher: after the webhook's 200, process each person's events in order, once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from bot.conversation.context import TurnContext
from bot.conversation.turn import run_failed_turn, run_turn
from bot.delivery.channel import Inbound
from bot.delivery.outcome import Outcome
from bot.runtime.clock import Clock
from bot.runtime.events import Event
from bot.runtime.lanes import Lanes
from bot.runtime.logs import user_ref
from bot.runtime.priority import Priority
from storage import claims, events
from storage.database import Database, savepoint
from storage.events import StoredEvent
from storage.tx import Tx

log = logging.getLogger("tobira.dispatcher")

LaneKey = tuple[str, str | None]


@dataclass(frozen=True)
class _Taken:
    """One event taken and processed on the writer, and whether the person has more."""

    stored: StoredEvent
    kind: str
    result: Outcome
    more: bool
    ms: float


class Dispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        context: TurnContext,
        priority: Priority,
        kick_sender: Callable[[int], None],
        arm: Callable[[datetime | None], None],
        publish: Callable[[list[Event]], None],
    ) -> None:
        self._db = db
        self._clock = clock
        self._context = context
        self._priority = priority
        self._kick_sender = kick_sender
        self._arm = arm
        self._publish = publish
        self._normalisers = context.channels.normalisers()
        self.lanes: Lanes[LaneKey] = Lanes(self._drain, "events")

    def kick(self, channel: str, user_key: str | None) -> None:
        self.lanes.kick((channel, user_key))

    async def recover(self) -> None:
        """Events committed but not processed when the last process died."""
        lanes = await self._db.read(events.pending_lanes)
        for key in lanes:
            self.lanes.kick(key)
        if lanes:
            log.info("recovering pending events", extra={"lanes": len(lanes)})

    async def close(self) -> None:
        await self.lanes.close()

    async def _drain(self, key: LaneKey) -> None:
        more = True
        while more:
            # Finding the event, the turn and marking it done are one job on the writer: no
            # separate read, and no window in which two workers could take the same event.
            async with self._priority.background():
                taken = await self._db.write(partial(self._take, key=key, now=self._clock.now()))
            if taken is None:
                return
            self._after(taken)
            more = taken.more

    def _take(self, conn: Tx, key: LaneKey, now: datetime) -> _Taken | None:
        """Runs on the writer: the person's next event, processed. A turn that raises is
        rolled back alone and replaced by the fallback (「受け取りました」 and a staff alert)."""
        stored = claims.next_event(conn, *key)
        if stored is None:
            return None
        started = time.perf_counter()
        result, kind = Outcome(), stored.kind
        if stored.user_key is None:
            # Events from groups or rooms without a user: kept, not answered.
            events.mark_done(conn, stored.id, now)
        else:
            inbound = self._inbound(conn, stored, now)
            if inbound is not None:
                kind = inbound.platform_type or inbound.kind
                result = self._turn(conn, inbound, stored, now)
        more = events.has_pending(conn, *key)
        return _Taken(stored, kind, result, more, (time.perf_counter() - started) * 1000)

    def _inbound(self, conn: Tx, stored: StoredEvent, now: datetime) -> Inbound | None:
        try:
            return self._normalisers[stored.channel](stored)
        except Exception as error:
            log.exception("event unreadable", extra={"event_row": stored.id, "kind": stored.kind})
            events.mark_failed(conn, stored.id, now, type(error).__name__)
            return None

    def _turn(self, conn: Tx, inbound: Inbound, stored: StoredEvent, now: datetime) -> Outcome:
        try:
            with savepoint(conn, "turn"):
                return run_turn(conn, inbound, now, self._context)
        except Exception as error:
            log.exception("turn failed", extra={"event_row": stored.id, "kind": stored.kind})
            failure = type(error).__name__
        try:
            with savepoint(conn, "fallback"):
                return run_failed_turn(conn, inbound, failure, now, self._context)
        except Exception:
            # Marked failed all the same, so the person's next messages are not stuck behind it.
            log.exception("fallback failed", extra={"event_row": stored.id})
            events.mark_failed(conn, stored.id, now, failure)
            return Outcome()

    def _after(self, taken: _Taken) -> None:
        result = taken.result
        result.carry_out(self._kick_sender, self._arm, self._publish)
        log.info(
            "event processed",
            extra={
                "event_row": taken.stored.id,
                "kind": taken.kind,
                "user": user_ref(taken.stored.user_key),
                "replies": len(result.outbox_ids),
                "ms": round(taken.ms, 1),
            },
        )
