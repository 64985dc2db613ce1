"""How instants are written to and read from the database."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(when: datetime) -> str:
    # Fixed-width UTC text keeps lexical order equal to time order in SQL comparisons.
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
