"""When acknowledgements, staff reminders and escalations fall due: the `[acks]` table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from bot.config.errors import ConfigError
from bot.config.organizations import Organization
from bot.config.values import parse_duration, parse_hhmm

DEFAULTS: dict[str, str] = {
    "followup_after": "30m",
    "remind_staff_after": "15m",
    "escalate_after": "2h",
    "quiet_hours": "21:00-08:00",
    "quiet_recent_client_window": "10m",
}
_HHMM_RANGE_HINT = 'write "HH:MM-HH:MM", e.g. "21:00-08:00" (may cross midnight), or "off"'


@dataclass(frozen=True)
class QuietHours:
    """A daily wall-clock window, [start, end); end before start means it crosses midnight."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    @classmethod
    def parse(cls, text: Any, key: str) -> QuietHours | None:
        if not isinstance(text, str):
            raise ConfigError(key, f"got {text!r}; {_HHMM_RANGE_HINT}")
        if text.strip().lower() == "off":
            return None
        bounds = text.strip().split("-")
        if len(bounds) != 2:
            raise ConfigError(key, f"{text!r} is not a range; {_HHMM_RANGE_HINT}")
        start, end = (_parse_time(b.strip(), key) for b in bounds)
        if start == end:
            raise ConfigError(key, f"{text!r} is empty; {_HHMM_RANGE_HINT}")
        return cls(start, end)


def _parse_time(text: str, key: str) -> time:
    minutes = parse_hhmm(text, key, _HHMM_RANGE_HINT)
    return time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class AckPolicy:
    followup_after: timedelta = timedelta(minutes=30)
    remind_staff_after: timedelta = timedelta(minutes=15)
    escalate_after: timedelta = timedelta(hours=2)
    quiet_hours: QuietHours | None = QuietHours(time(21, 0), time(8, 0))
    quiet_recent_client_window: timedelta = timedelta(minutes=10)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None, key: str = "acks") -> AckPolicy:
        raw = {} if raw is None else raw
        if not isinstance(raw, Mapping):
            raise ConfigError(key, 'expected a table, e.g. [acks] followup_after = "30m"')
        for name in raw:
            if name not in DEFAULTS:
                allowed = ", ".join(DEFAULTS)
                raise ConfigError(f"{key}.{name}", f"unknown key; allowed keys: {allowed}")
        values = {**DEFAULTS, **raw}
        durations: dict[str, timedelta] = {}
        for name in ("followup_after", "remind_staff_after", "escalate_after"):
            durations[name] = parse_duration(values[name], f"{key}.{name}")
            if durations[name] <= timedelta(0):
                raise ConfigError(f"{key}.{name}", 'must be longer than zero, e.g. "30m"')
        window_key = f"{key}.quiet_recent_client_window"
        window = parse_duration(values["quiet_recent_client_window"], window_key)
        quiet = QuietHours.parse(values["quiet_hours"], f"{key}.quiet_hours")
        return cls(quiet_hours=quiet, quiet_recent_client_window=window, **durations)

    def push_time(
        self, due: datetime, tz: tzinfo, last_client_message_at: datetime | None
    ) -> datetime:
        """`shift_for_quiet_hours` with this policy's window and exception."""
        return shift_for_quiet_hours(
            due,
            tz,
            self.quiet_hours,
            last_client_message_at,
            recent_window=self.quiet_recent_client_window,
        )


def shift_for_quiet_hours(
    due: datetime,
    tz: tzinfo,
    quiet: QuietHours | None,
    last_client_message_at: datetime | None,
    *,
    recent_window: timedelta = timedelta(minutes=10),
) -> datetime:
    """A push due in quiet hours waits for their end, unless the client wrote within
    `recent_window` before `due` (they are awake and waiting, so answer now)."""
    local = due.astimezone(tz)
    if quiet is None or not quiet.contains(local.time()):
        return due
    # Compare in UTC: aware arithmetic within one zone is wall-clock arithmetic.
    due_utc = due.astimezone(UTC)
    last = last_client_message_at
    if last is not None and due_utc - recent_window <= last <= due_utc:
        return due
    end_day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        end_day += timedelta(days=1)  # late evening: quiet ends tomorrow morning
    return datetime.combine(end_day, quiet.end, tzinfo=tz)


# Deadlines count only the responsible organisation's open time. None means the
# organisation has no such open time within the search horizon (closed for over a year).


def followup_due(received_at: datetime, org: Organization, policy: AckPolicy) -> datetime | None:
    return org.add_open_time(received_at, policy.followup_after)


def remind_staff_due(
    received_at: datetime, org: Organization, policy: AckPolicy
) -> datetime | None:
    return org.add_open_time(received_at, policy.remind_staff_after)


def escalate_due(received_at: datetime, org: Organization, policy: AckPolicy) -> datetime | None:
    return org.add_open_time(received_at, policy.escalate_after)
