"""What every channel's inbound route hands its events to: commit them, then wake lanes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime

from bot.runtime.clock import Clock
from bot.runtime.priority import Priority
from storage import events
from storage.database import Database
from storage.events import NewEvent


class Receiver:
    """The `Intake` of bot/delivery/channel.py."""

    def __init__(self, clock: Clock, priority: Priority) -> None:
        self._clock = clock
        self._priority = priority
        self._db: Database | None = None
        self._kick: Callable[[str, str | None], None] | None = None

    def start(self, db: Database, kick: Callable[[str, str | None], None]) -> None:
        """Routes are added when the app is built; what they write to exists once it runs."""
        self._db = db
        self._kick = kick  # dispatcher.kick(channel, user_key)

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
        fresh = await self._db.write(lambda c: events.insert_new(c, batch, now), urgent=True)
        for key in {(e.channel, e.user_key) for e in batch}:
            self._kick(*key)
        return fresh
