"""The retention periods: how long what clients wrote is kept (`[retention]`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.config.errors import ConfigError
from bot.config.values import parse_duration


@dataclass(frozen=True)
class RetentionPolicy:
    # How long a resolved conversation is kept (what the privacy note promises); a contact
    # with nothing left and not seen for as long is erased whole (data key destroyed). A
    # household's members are kept until it has been closed for as long; a household goes
    # with its last member (invitations, conferences, action items). storage/retention.py.
    resolved_conversations: timedelta = timedelta(days=3 * 365)
    # How long raw platform events (which carry message text) are kept once processed:
    # long enough to recognise LINE's redeliveries, no longer. Finished outbox rows of no
    # conversation and wrong-code counts go after as long.
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
