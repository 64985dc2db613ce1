"""Value parsers for configuration: each takes (value, key) and returns the clean value, or
raises ConfigError naming the key with a hint of what to write.

One parser per kind of value (durations, HH:MM times, dates and date ranges, ports...), used
by every table and by the commands that take the same values on their command line.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config.errors import ConfigError

Check = Callable[[Any, str], Any]

# -- durations: "90s", "30m", "2h", "1d", or combinations such as "1h30m" ----------------

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_PART = re.compile(r"(\d+)([dhms])")
_WHOLE = re.compile(r"(?:\d+[dhms])+")
_DURATION_HINT = 'write a number and a unit, e.g. "90s", "30m", "2h", "1d" or "1h30m"'


def parse_duration(text: Any, key: str) -> timedelta:
    """Parse a duration written largest unit first, each unit at most once."""
    if not isinstance(text, str):
        raise ConfigError(
            key, f"expected a duration as a quoted string, got {text!r}; {_DURATION_HINT}"
        )
    compact = text.strip()
    if not _WHOLE.fullmatch(compact):
        raise ConfigError(key, f"{text!r} is not a duration; {_DURATION_HINT}")
    parts = _PART.findall(compact)
    units = [unit for _, unit in parts]
    # "30m1h" or "5m5m" are almost certainly typos, so refuse rather than guess.
    order = "dhms"
    if any(order.index(a) >= order.index(b) for a, b in itertools.pairwise(units)):
        raise ConfigError(
            key, f"{text!r} repeats a unit or has them out of order; {_DURATION_HINT}"
        )
    return timedelta(**{_UNITS[unit]: int(number) for number, unit in parts})


# -- wall-clock times -------------------------------------------------------------------

_HHMM = re.compile(r"(\d{2}):(\d{2})")


def parse_hhmm(text: str, key: str, hint: str, *, allow_24: bool = False) -> int:
    """Minutes since midnight of "HH:MM" (00:00 to 23:59; "24:00" too with `allow_24`)."""
    match = _HHMM.fullmatch(text)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if (hour < 24 and minute < 60) or (allow_24 and (hour, minute) == (24, 0)):
            return hour * 60 + minute
    last = "24:00" if allow_24 else "23:59"
    raise ConfigError(key, f"{text!r} is not a time HH:MM (00:00 to {last}); {hint}")


# -- dates ------------------------------------------------------------------------------

DATE_RANGE_HINT = 'write dates like "2026-08-13" or inclusive ranges like "2026-12-29..2027-01-03"'


def parse_date(text: str, key: str, hint: str = DATE_RANGE_HINT) -> date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ConfigError(key, f"{text!r} is not a date YYYY-MM-DD; {hint}")


def parse_date_range(text: str, key: str, hint: str = DATE_RANGE_HINT) -> tuple[date, date]:
    """`YYYY-MM-DD..YYYY-MM-DD` (inclusive) or one day `YYYY-MM-DD`."""
    first_text, sep, last_text = text.strip().partition("..")
    first = parse_date(first_text.strip(), key, hint)
    last = parse_date(last_text.strip(), key, hint) if sep else first
    if last < first:
        raise ConfigError(key, f"{text!r} ends before it starts; {hint}")
    return first, last


def is_plain_date(value: Any) -> bool:
    """TOML's native date (not a date-time)."""
    return isinstance(value, date) and not isinstance(value, datetime)


# -- scalars ----------------------------------------------------------------------------


def text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, f"must be a non-empty string, got {value!r}")
    return value


def _unquote_hint(value: Any) -> str:
    """For `port = "8091"`: the value is right, only its quotes are not."""
    if isinstance(value, str) and value.strip().isdigit():
        return " (a quoted string: write the number without quotes)"
    return ""


def port(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
        raise ConfigError(
            key, f"must be a port number 0-65535, got {value!r}{_unquote_hint(value)}"
        )
    return value


def port_text(value: str, key: str) -> int:
    """A port from the environment, where every value is a string of digits."""
    if not value.strip().isdigit():
        raise ConfigError(key, f"must be a port number 0-65535, got {value!r}")
    return port(int(value), key)


def positive_int(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(
            key, f"must be a whole number of at least 1, got {value!r}{_unquote_hint(value)}"
        )
    return value


def boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"must be true or false, got {value!r}")
    return value


def duration(value: Any, key: str) -> timedelta:
    if not isinstance(value, str):
        raise ConfigError(key, f'must be a duration such as "50s", "30m" or "2h", got {value!r}')
    return parse_duration(value, key)


def duration_up_to(limit: timedelta, why: str) -> Check:
    """A duration no longer than `limit`; `why` says where the limit comes from."""

    def check(value: Any, key: str) -> timedelta:
        found = duration(value, key)
        if found > limit:
            most = f"{int(limit.total_seconds())}s"
            raise ConfigError(key, f"{value!r} is too long: {why}, so at most {most!r}")
        return found

    return check


def url(value: Any, key: str) -> str:
    checked = text(value, key)
    if not re.match(r"^https?://[^\s/]+", checked):
        raise ConfigError(
            key, f"must be an http(s) URL such as https://api.line.me, got {checked!r}"
        )
    return checked.rstrip("/")


def choice(*allowed: str) -> Check:
    def check(value: Any, key: str) -> str:
        if not isinstance(value, str) or value.upper() not in allowed:
            raise ConfigError(key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value.upper()

    return check


def path(value: Any, key: str) -> Path:
    return Path(text(value, key))


def folder(value: Any, key: str) -> Path:
    """A folder that must already exist (one we read from, such as flows_dir)."""
    found = path(value, key)
    if not found.exists():
        raise ConfigError(key, f"no such folder: {found}")
    if not found.is_dir():
        raise ConfigError(key, f"{found} is a file; give the folder that holds the files")
    return found
