"""Opening hours of the organisations that staff the window: pure functions of an instant.

Hours are wall-clock times in the organisation's own time zone. Every computation turns
them into UTC spans first, so arithmetic stays right even in a zone with DST.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.config.errors import ConfigError
from bot.config.values import DATE_RANGE_HINT, is_plain_date, parse_date_range, parse_hhmm
from bot.runtime.clock import TOKYO

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead we look for an opening before saying "none": a little over a year, so a
# long closure or an annual pattern is still found.
SEARCH_DAYS = 400

_ORG_KEYS = frozenset({"id", "name", "name_en", "hours", "closed", "national_holidays", "timezone"})
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")

Range = tuple[int, int]  # minutes since local midnight, [start, end), end may be 1440


@cache
def japanese_holidays(year: int) -> frozenset[date]:
    """Japan's national holidays for one year (substitute holidays included)."""
    return frozenset(holidays.country_holidays("JP", years=year))


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    weekly: tuple[tuple[Range, ...], ...]  # index 0 = Monday; empty tuple = closed all day
    closed: tuple[tuple[date, date], ...] = ()  # inclusive date ranges
    national_holidays: bool = False
    timezone: tzinfo = TOKYO
    name_en: str | None = None  # the name in English conversations (else `name`)

    # ---- configuration -------------------------------------------------------------

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], key_prefix: str) -> Organization:
        if not isinstance(raw, Mapping):
            raise ConfigError(key_prefix, "expected a table with id, name and hours")
        for name in raw:
            if name not in _ORG_KEYS:
                allowed = ", ".join(sorted(_ORG_KEYS))
                raise ConfigError(f"{key_prefix}.{name}", f"unknown key; allowed keys: {allowed}")
        org_id = raw.get("id")
        if not isinstance(org_id, str) or not _ID.fullmatch(org_id):
            raise ConfigError(
                f"{key_prefix}.id",
                f"got {org_id!r}; an id is required, lowercase letters, digits, '-' or '_', "
                'e.g. "welfare"',
            )
        display = raw.get("name")
        if not isinstance(display, str) or not display.strip():
            raise ConfigError(
                f"{key_prefix}.name", 'a display name is required, e.g. "福祉相談センター"'
            )
        name_en = raw.get("name_en")
        if name_en is not None and (not isinstance(name_en, str) or not name_en.strip()):
            raise ConfigError(
                f"{key_prefix}.name_en",
                'the English name, if given, is text, e.g. "Welfare Centre"',
            )
        weekly = _parse_weekly(raw.get("hours"), f"{key_prefix}.hours")
        closed = _parse_closed(raw.get("closed", []), f"{key_prefix}.closed")
        national = raw.get("national_holidays", False)
        if not isinstance(national, bool):
            raise ConfigError(
                f"{key_prefix}.national_holidays", f"got {national!r}; use true or false"
            )
        tz = _parse_timezone(raw.get("timezone", "Asia/Tokyo"), f"{key_prefix}.timezone")
        english = name_en.strip() if name_en else None
        return cls(org_id, display.strip(), weekly, closed, national, tz, english)

    def display_name(self, language: str) -> str:
        """The name as a client reads it in `language` ("ja" or "en")."""
        return self.name_en if language == "en" and self.name_en else self.name

    # ---- questions about a day ---------------------------------------------------------

    def is_closed_day(self, day: date) -> bool:
        """True when the whole local date is closed (closure, holiday, or no hours)."""
        if not self.weekly[day.weekday()]:
            return True
        if any(first <= day <= last for first, last in self.closed):
            return True
        return self.national_holidays and day in japanese_holidays(day.year)

    # ---- questions about an instant --------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        for start, _end in self._spans(at):
            return start <= at
        return False

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` itself when open, else the start of the next open span; None if none is
        found within SEARCH_DAYS."""
        for start, _end in self._spans(at):
            return at if start <= at else start.astimezone(self.timezone)
        return None

    def current_closing(self, at: datetime) -> datetime | None:
        """When the span open at `at` ends (all-day hours run on across midnight).
        None when closed at `at`, or when no closing lies within SEARCH_DAYS."""
        closing: datetime | None = None
        for start, end in self._spans(at):
            if closing is None and start > at:
                return None  # closed now
            if closing is not None and start != closing:
                return closing.astimezone(self.timezone)
            closing = end
        edge = _wall(
            at.astimezone(self.timezone).date() + timedelta(days=SEARCH_DAYS + 1), 0, self.timezone
        )
        if closing is not None and closing < edge:
            return closing.astimezone(self.timezone)
        return None  # closed now, or still open at the search edge

    def add_open_time(self, start: datetime, duration: timedelta) -> datetime | None:
        """The instant when `duration` of open time has passed since `start`; closed time
        (nights, weekends, holidays, closures) does not count. None beyond SEARCH_DAYS."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        remaining = duration
        begin = _aware(start).astimezone(UTC)
        for span_start, span_end in self._spans(begin):
            available_from = max(span_start, begin)
            available = span_end - available_from
            if remaining <= available:
                return (available_from + remaining).astimezone(self.timezone)
            remaining -= available
        return None

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) the organisation was open (the year's figures count a
        wait in open hours with this); zero when end is not after start."""
        begin, finish = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        total = timedelta(0)
        if finish <= begin:
            return total
        for span_start, span_end in self._spans(begin):
            if span_start >= finish:
                break
            total += min(span_end, finish) - max(span_start, begin)
        return total

    # ---- the one engine behind the questions ---------------------------------------

    def _spans(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open spans in UTC that end after `at`, in order, from the local date of `at` up to
        SEARCH_DAYS later. Touching spans (midnight, "09:00-12:00,12:00-17:00") come out
        separately; only current_closing needs them merged, and merging eagerly would walk
        the whole horizon for an always-open organisation."""
        first = _aware(at).astimezone(self.timezone).date()
        for offset in range(SEARCH_DAYS + 1):
            day = first + timedelta(days=offset)
            if self.is_closed_day(day):
                continue
            for start_min, end_min in self.weekly[day.weekday()]:
                start = _wall(day, start_min, self.timezone)
                end = _wall(day, end_min, self.timezone)
                if start < end and end > at:  # start == end: a range swallowed by a DST gap
                    yield start, end


def parse_organizations(raw_list: Any, key: str = "organizations") -> list[Organization]:
    if not isinstance(raw_list, list) or not raw_list:
        raise ConfigError(key, "expected at least one [[organizations]] table with id, name, hours")
    orgs: list[Organization] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_list):
        org = Organization.from_config(raw, f"{key}[{index}]")
        if org.id in seen:
            raise ConfigError(f"{key}[{index}].id", f"id {org.id!r} is used twice; ids are unique")
        seen.add(org.id)
        orgs.append(org)
    return orgs


# ---- helpers ---------------------------------------------------------------------------


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is needed")
    return at


@lru_cache(maxsize=4096)  # the same few days and hours, asked on every turn
def _wall(day: date, minutes: int, tz: tzinfo) -> datetime:
    """A local wall-clock time on `day` (minutes may be 1440 = next midnight), in UTC."""
    local = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


_HOURS_EXAMPLE = (
    'a table after this organisation: [organizations.hours] then lines like mon = "09:00-17:00"'
    " (a missing day is closed)"
)


def _parse_weekly(raw: Any, key: str) -> tuple[tuple[Range, ...], ...]:
    if raw is None:
        raise ConfigError(key, f"no opening hours; give them as {_HOURS_EXAMPLE}")
    if not isinstance(raw, Mapping):
        raise ConfigError(key, f"got {raw!r}; give the opening hours as {_HOURS_EXAMPLE}")
    days: list[tuple[Range, ...]] = [() for _ in WEEKDAYS]
    for day_name, text in raw.items():
        day_key = f"{key}.{day_name}"
        if day_name not in WEEKDAYS:
            raise ConfigError(day_key, f"unknown day {day_name!r}; use {', '.join(WEEKDAYS)}")
        days[WEEKDAYS.index(day_name)] = _parse_day(text, day_key)
    if not any(days):
        raise ConfigError(
            key, 'the organisation is never open; give at least one day, e.g. mon = "09:00-17:00"'
        )
    return tuple(days)


def _parse_day(text: Any, key: str) -> tuple[Range, ...]:
    hint = 'write ranges like "09:00-12:00,13:00-17:00" ("00:00-24:00" is all day)'
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(key, f"got {text!r}; {hint}; leave the day out to close it")
    ranges: list[Range] = []
    for part in text.split(","):
        bounds = part.strip().split("-")
        if len(bounds) != 2:
            raise ConfigError(key, f"{part.strip()!r} is not a range; {hint}")
        start, end = (parse_hhmm(b.strip(), key, hint, allow_24=True) for b in bounds)
        if start == 24 * 60:
            raise ConfigError(
                key, f"{part.strip()!r} starts at 24:00; a range starts between 00:00 and 23:59"
            )
        if end <= start:
            raise ConfigError(
                key,
                f"{part.strip()!r} ends before it starts; split a range across midnight in two, "
                'e.g. mon = "22:00-24:00" and tue = "00:00-02:00"',
            )
        ranges.append((start, end))
    ranges.sort()
    for (s1, e1), (s2, e2) in itertools.pairwise(ranges):
        if s2 < e1:
            raise ConfigError(key, f"ranges {_fmt(s1, e1)} and {_fmt(s2, e2)} overlap; {hint}")
    return tuple(ranges)


def _fmt(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _parse_closed(raw: Any, key: str) -> tuple[tuple[date, date], ...]:
    if not isinstance(raw, list):
        raise ConfigError(key, f"expected a list of dates; {DATE_RANGE_HINT}")
    ranges: list[tuple[date, date]] = []
    for index, item in enumerate(raw):
        item_key = f"{key}[{index}]"
        if is_plain_date(item):
            # TOML has a native date type; accept it too, it is unambiguous.
            ranges.append((item, item))
        elif isinstance(item, str):
            ranges.append(parse_date_range(item, item_key))
        else:
            raise ConfigError(item_key, f"got {item!r}; {DATE_RANGE_HINT}")
    return tuple(ranges)


def _parse_timezone(raw: Any, key: str) -> ZoneInfo:
    hint = 'use an IANA name such as "Asia/Tokyo"'
    if not isinstance(raw, str) or not raw:
        raise ConfigError(key, f"got {raw!r}; {hint}")
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, f"unknown time zone {raw!r}; {hint}") from None
