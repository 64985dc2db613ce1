"""How many pushes a channel may still send this month.

LINE counts pushes (replies are free) against a monthly allowance: 200 on the free plan.
The figure is the platform's own reading, asked at most every REFRESH_EVERY (one reading
serves the sender and the console), plus the pushes sent since and those under way (each
reserved when the sender claims it, on its single writer), so lanes pushing at once
between two readings cannot overshoot. A channel whose transport does not count pushes is
never limited; nor is one whose platform did not answer (it refuses a push over the limit
itself; the sender notes that refusal here, and it stands until a reading shows room).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.delivery.channel import PushQuota, QuotaReader, QuotaUnknown
from bot.runtime.clock import Clock

REFRESH_EVERY = timedelta(minutes=5)


@dataclass
class _Reading:
    at: datetime
    quota: PushQuota | None  # None: the platform did not answer
    error: str = ""
    pushed_since: int = 0
    refused: bool = False  # the platform refused a push as over the limit since


class PushAllowance:
    def __init__(
        self,
        clock: Clock,
        readers: Mapping[str, QuotaReader],
        on_room: Callable[[str], None] = lambda channel: None,
        refresh_every: timedelta = REFRESH_EVERY,
    ) -> None:
        """`on_room(channel)`: a reading found room again after pushes were used up (a new
        month, a bigger plan)."""
        self._clock = clock
        self._on_room = on_room
        self._readers = dict(readers)
        self._refresh_every = refresh_every
        self._readings: dict[str, _Reading] = {}
        self._locks = {channel: asyncio.Lock() for channel in self._readers}
        # Writer jobs (the claims that reserve) run on the event loop today; the lock keeps the
        # counts right should one ever run on the writer's thread.
        self._counting = threading.Lock()
        self._under_way: dict[str, int] = {}

    def counts(self, channel: str) -> bool:
        """Whether the channel's platform counts pushes at all."""
        return channel in self._readers

    def fresh(self, channel: str) -> bool:
        reading = self._readings.get(channel)
        return reading is not None and self._clock.now() - reading.at < self._refresh_every

    async def refresh(self, channel: str) -> None:
        """Ask the platform again if the last reading is older than REFRESH_EVERY."""
        async with self._locks[channel]:  # many lanes at once: one reading
            if self.fresh(channel):
                return
            was_spent = self.spent(channel)
            try:
                quota: PushQuota | None = await self._readers[channel].push_quota()
                error = ""
            except QuotaUnknown as unknown:
                quota, error = None, str(unknown)
            with self._counting:
                old = self._readings.get(channel)
                # Not knowing is no news: a refusal stands until a reading says otherwise.
                refused = quota is None and old is not None and old.refused
                self._readings[channel] = _Reading(self._clock.now(), quota, error, 0, refused)
            if was_spent and quota is not None and not self.spent(channel):
                self._on_room(channel)

    def spent(self, channel: str) -> bool:
        """No push may go out now (as far as the last reading and our pushes since tell)."""
        with self._counting:
            return self._spent(channel)

    def _spent(self, channel: str) -> bool:
        reading = self._readings.get(channel)
        if reading is None:
            return False
        if reading.refused:
            return True
        estimate = self._estimate(reading)
        if estimate is None or estimate.limit is None:
            return False
        return estimate.used + self._under_way.get(channel, 0) >= estimate.limit

    def try_reserve(self, channel: str) -> bool:
        """Count a push about to be claimed until it is settled; False (nothing counted) when
        none is left. One check and count: two lanes never take the last push."""
        with self._counting:
            if self._spent(channel):
                return False
            self._under_way[channel] = self._under_way.get(channel, 0) + 1
            return True

    def settle(self, channel: str, *, pushed: bool) -> None:
        """A reserved push ended: it went out (one fewer left until the next reading), or not."""
        with self._counting:
            self._under_way[channel] = max(self._under_way.get(channel, 0) - 1, 0)
            reading = self._readings.get(channel)
            if pushed and reading is not None:
                reading.pushed_since += 1

    def refused(self, channel: str) -> None:
        """The platform refused a push as over the monthly limit: none until a reading shows
        room."""
        with self._counting:
            reading = self._readings.get(channel)
            if reading is None:
                self._readings[channel] = _Reading(self._clock.now(), None, "", 0, True)
            else:
                reading.refused = True

    def next_reading_in(self, channel: str) -> float:
        """Seconds until the next reading is due (at least one)."""
        reading = self._readings.get(channel)
        if reading is None:
            return 1.0
        left = reading.at + self._refresh_every - self._clock.now()
        return max(left.total_seconds(), 1.0)

    async def quota(self, channel: str) -> PushQuota | None:
        """The month's pushes as tobira knows them; None for a channel that does not count
        them. Raises QuotaUnknown when the platform did not answer the last reading."""
        if not self.counts(channel):
            return None
        await self.refresh(channel)
        reading = self._readings[channel]
        estimate = self._estimate(reading)
        if estimate is None:
            raise QuotaUnknown(reading.error)
        return estimate

    @staticmethod
    def _estimate(reading: _Reading) -> PushQuota | None:
        if reading.quota is None:
            return None
        used = reading.quota.used + reading.pushed_since
        if reading.refused and reading.quota.limit is not None:
            used = max(used, reading.quota.limit)
        return PushQuota(limit=reading.quota.limit, used=used)
