"""Durations in configuration: "90s", "30m", "2h", "1d", or combinations such as "1h30m"."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

from bot.errors import ConfigError

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_PART = re.compile(r"(\d+)([dhms])")
_WHOLE = re.compile(r"(?:\d+[dhms])+")
_HINT = 'write a number and a unit, e.g. "90s", "30m", "2h", "1d" or "1h30m"'


def parse_duration(text: str, key: str) -> timedelta:
    """Parse a duration written largest unit first, each unit at most once."""
    if not isinstance(text, str):
        raise ConfigError(key, f"expected a duration as a quoted string, got {text!r}; {_HINT}")
    compact = text.strip()
    if not _WHOLE.fullmatch(compact):
        raise ConfigError(key, f"{text!r} is not a duration; {_HINT}")
    parts = _PART.findall(compact)
    units = [unit for _, unit in parts]
    # "30m1h" or "5m5m" are almost certainly typos, so refuse rather than guess.
    order = "dhms"
    if any(order.index(a) >= order.index(b) for a, b in itertools.pairwise(units)):
        raise ConfigError(key, f"{text!r} repeats a unit or has them out of order; {_HINT}")
    return timedelta(**{_UNITS[unit]: int(number) for number, unit in parts})
