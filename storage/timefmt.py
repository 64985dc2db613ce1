"""How instants are written to and read from the database."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=256)  # one turn writes the same instant many times
def to_db(when: datetime) -> str:
    # Fixed-width UTC text keeps lexical order equal to time order in SQL comparisons.
    # isoformat, not strftime: this runs several times per message and is ten times faster.
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text)  # the trailing Z reads as UTC
