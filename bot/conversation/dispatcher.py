"""The dispatcher: after the webhook's 200, process each person's events in order, once.

What depends on an event alone (its reading into an `Inbound`, and the danger detector's
verdict on its text) is computed in the person's lane before the write job, so that the one
writer, which every webhook's commit waits for, never runs the detector. The write job takes
the person's next event as before and uses what was computed only if it is for that very
row; otherwise (another event came first, or another worker took it) it is discarded and
the job computes its own. The row the job finds is the one it processes, so each event is
still processed once, in order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from bot.conversation.context import TurnContext
from bot.conversation.screening import Screener
from bot.conversation.turn import run_failed_turn, run_turn, screen
from bot.delivery.channel import Inbound
from bot.delivery.outcome import Outcome
from bot.runtime.clock import Clock
from bot.runtime.events import Event
from bot.runtime.lanes import Lanes
from bot.runtime.logs import user_ref
from bot.runtime.priority import Priority
from bot.safety import Detection
from storage import claims, events
from storage.database import Database, savepoint
from storage.events import StoredEvent
from storage.tx import Tx

log = logging.getLogger("tobira.dispatcher")

LaneKey = tuple[str, str | None]


@dataclass(frozen=True)
class _Screened:
    """An event as read before its write job: what the turn needs from the event alone."""

    stored: StoredEvent
    inbound: Inbound | None  # None: no user (kept, not answered) or unreadable
    danger: Detection | None = None
    unreadable: str | None = None  # the normaliser's error: the event is marked failed
    failed: str | None = None  # the detector's error: the turn's fallback answers


@dataclass(frozen=True)
class _Taken:
    """One event taken and processed on the writer, and the person's next one, if any."""

    stored: StoredEvent
    kind: str
    result: Outcome
    following: StoredEvent | None
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
        screener: Screener | None = None,
    ) -> None:
        self._db = db
        self._screener = screener
        self._clock = clock
        self._context = context
        self._priority = priority
        self._kick_sender = kick_sender
        self._arm = arm
        self._publish = publish
        self._normalisers = context.channels.normalisers()
        self.lanes: Lanes[LaneKey] = Lanes(self._drain, "events")
        self._first: dict[LaneKey, StoredEvent] = {}

    def kick(self, channel: str, user_key: str | None, first: StoredEvent | None = None) -> None:
        """Wake the person's lane. `first`: their event just committed, if it is likely the
        next one (the lane then need not read it back; the write job checks it is)."""
        key = (channel, user_key)
        if first is not None and not self.lanes.running(key):
            self._first[key] = first
        self.lanes.kick(key)

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
        # The next event, known from the webhook that brought it, or from the last write job
        # (which reads it anyway), or read here.
        following = self._first.pop(key, None)
        while True:
            # An event already known is screened before the lane waits for its turn on the
            # writer: while webhooks pour in (background work waits), the detector process
            # reads every waiting lane's text in a few large batches on the other core, and
            # the turns that follow find their verdicts ready.
            screened = None if following is None else await self._screen_ahead(following)
            async with self._priority.background():
                if following is None:
                    following = await self._db.read(claims.next_event, *key)
                    if following is None:
                        return
                if screened is None:
                    screened = await self._screen_ahead(following)
                # Finding the event, the turn and marking it done are one job on the writer:
                # no window in which two workers could take the same event.
                taken = await self._db.write(
                    partial(self._take, key=key, now=self._clock.now(), screened=screened)
                )
            if taken is None:
                return
            self._after(taken)
            following = taken.following
            if following is None:
                return

    async def _screen_ahead(self, stored: StoredEvent) -> _Screened:
        """Off the writer: the event read into an `Inbound`, and its danger signal, read by
        the detector process when there is one (the main process's core stays on I/O)."""
        read = self._read(stored)
        if isinstance(read, _Screened):
            return read
        try:
            if self._screener is None:
                return _Screened(stored, read, screen(read))
            return _Screened(stored, read, await self._screener.screen(read))
        except Exception as error:
            return self._detector_failed(stored, read, error)

    def _screen(self, stored: StoredEvent) -> _Screened:
        """As `_screen_ahead`, all in this process (on the writer, when the event screened
        ahead was not the one taken)."""
        read = self._read(stored)
        if isinstance(read, _Screened):
            return read
        try:
            return _Screened(stored, read, screen(read))
        except Exception as error:
            return self._detector_failed(stored, read, error)

    def _read(self, stored: StoredEvent) -> Inbound | _Screened:
        """The event as an `Inbound`, or what is done with it instead (no user, unreadable)."""
        if stored.user_key is None:
            return _Screened(stored, None)
        try:
            return self._normalisers[stored.channel](stored)
        except Exception as error:
            log.exception("event unreadable", extra={"event_row": stored.id, "kind": stored.kind})
            return _Screened(stored, None, unreadable=type(error).__name__)

    @staticmethod
    def _detector_failed(stored: StoredEvent, inbound: Inbound, error: Exception) -> _Screened:
        log.exception("detector failed", extra={"event_row": stored.id, "kind": stored.kind})
        return _Screened(stored, inbound, failed=type(error).__name__)

    def _take(
        self, conn: Tx, key: LaneKey, now: datetime, screened: _Screened | None
    ) -> _Taken | None:
        """Runs on the writer: the person's next event, processed. A turn that raises is
        rolled back alone and replaced by the fallback (「受け取りました」 and a staff alert).
        `screened` is used only if it is for the event taken here; otherwise it is computed
        now (rare: an earlier event arrived after the lane read, or another worker took it)."""
        stored = claims.next_event(conn, *key)
        if stored is None:
            return None
        started = time.perf_counter()
        if screened is None or screened.stored.id != stored.id:
            screened = self._screen(stored)
        result, kind = Outcome(), stored.kind
        if screened.unreadable is not None:
            events.mark_failed(conn, stored.id, now, screened.unreadable)
        elif screened.inbound is None:
            # Events from groups or rooms without a user: kept, not answered.
            events.mark_done(conn, stored.id, now)
        else:
            inbound = screened.inbound
            kind = inbound.platform_type or inbound.kind
            result = self._turn(conn, inbound, stored, now, screened)
        following = claims.next_event(conn, *key)
        return _Taken(stored, kind, result, following, (time.perf_counter() - started) * 1000)

    def _turn(
        self, conn: Tx, inbound: Inbound, stored: StoredEvent, now: datetime, screened: _Screened
    ) -> Outcome:
        failure = screened.failed
        if failure is None:
            try:
                with savepoint(conn, "turn"):
                    return run_turn(conn, inbound, now, self._context, danger=screened.danger)
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
