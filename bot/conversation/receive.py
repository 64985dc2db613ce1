"""What every channel's inbound route hands its events to: commit them, then wake lanes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from bot.runtime.clock import Clock
from bot.runtime.priority import Priority
from storage import events
from storage.database import Database
from storage.events import NewEvent, StoredEvent


class Receiver:
    """The `Intake` of bot/delivery/channel.py."""

    def __init__(self, clock: Clock, priority: Priority) -> None:
        self._clock = clock
        self._priority = priority
        self._db: Database | None = None
        self._kick: Callable[[str, str | None, StoredEvent | None], None] | None = None

    def start(
        self, db: Database, kick: Callable[[str, str | None, StoredEvent | None], None]
    ) -> None:
        """Routes are added when the app is built; what they write to exists once it runs."""
        self._db = db
        self._kick = kick  # dispatcher.kick(channel, user_key, first)

    def now(self) -> datetime:
        return self._clock.now()

    def database(self) -> Database:
        assert self._db is not None, "the service has not started"
        return self._db

    def foreground(self) -> AbstractContextManager[None]:
        return self._priority.foreground()

    async def receive(self, new_events: Sequence[NewEvent]) -> int:
        assert self._db is not None and self._kick is not None, "the service has not started"
        now = self._clock.now()
        batch = list(new_events)
        # Urgent: the platform waits for this commit before it hears our 200.
        fresh = await self._db.write(lambda c: events.insert_fresh(c, batch, now), urgent=True)
        # Each person's oldest new event goes with the wake-up: the lane need not read it
        # back (the write job still takes whatever is really next, and checks).
        first: dict[tuple[str, str | None], StoredEvent] = {}
        for stored in sorted(fresh, key=lambda e: (e.occurred_at_ms, e.id)):
            first.setdefault((stored.channel, stored.user_key), stored)
        # Every sender's lane, a redelivered event's too (its first copy may still wait).
        lanes = set(first)
        keyring = self._db.keyring
        for e in batch:
            user_hash = (
                None
                if e.platform_user_id is None
                else keyring.user_hash(e.channel, e.platform_user_id)
            )
            lanes.add((e.channel, user_hash))
        for channel, user_key in lanes:
            self._kick(channel, user_key, first.get((channel, user_key)))
        return len(fresh)
