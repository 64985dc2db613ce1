"""The retention period, and the daily job that keeps it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.durations import parse_duration
from bot.errors import ConfigError
from storage import retention
from storage.database import Database

log = logging.getLogger("tobira.retention")


@dataclass(frozen=True)
class RetentionPolicy:
    # How long a resolved conversation is kept (what the privacy note promises).
    resolved_conversations: timedelta = timedelta(days=3 * 365)
    # How long raw platform events (which carry message text) are kept once processed:
    # long enough to recognise LINE's redeliveries, no longer.
    raw_events: timedelta = timedelta(days=30)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None, key: str = "retention") -> RetentionPolicy:
        raw = raw or {}
        if not isinstance(raw, Mapping):
            raise ConfigError(key, "must be a table ([retention])")
        values = {}
        for name, value in raw.items():
            if name not in ("resolved_conversations", "raw_events"):
                raise ConfigError(
                    f"{key}.{name}",
                    "unknown key; [retention] accepts resolved_conversations, raw_events",
                )
            if not isinstance(value, str):
                raise ConfigError(f"{key}.{name}", f'must be a duration like "30d", got {value!r}')
            values[name] = parse_duration(value, f"{key}.{name}")
            if values[name] < timedelta(days=1):
                raise ConfigError(f"{key}.{name}", "must be at least one day")
        return cls(**values)


class RetentionJob:
    def __init__(self, db: Database, clock: Clock, policy: RetentionPolicy) -> None:
        self._db = db
        self._clock = clock
        self._policy = policy

    async def run(self) -> dict[str, int]:
        now = self._clock.now()
        counts = await self._db.write(
            lambda conn: retention.purge(
                conn,
                conversations_before=now - self._policy.resolved_conversations,
                events_before=now - self._policy.raw_events,
            ),
            heavy=True,  # years of data may go at once: keep it off the event loop
        )
        log.info("retention", extra=counts)
        return counts
