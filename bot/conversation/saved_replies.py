"""Saved replies (定型文): which placeholders they may hold, and filling them in.

Only what the service knows may be a placeholder: the counselor's name, when the window
next opens, the service's name. Never the client's name, which we do not ask for. A
saved reply is filled in when a counselor inserts it, and they edit it before sending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from bot.config.organizations import Organization
from bot.promises.when_text import describe_next_opening

PLACEHOLDERS = ("counselor_name", "next_opening", "service_name")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAX_TITLE_CHARS = 60
MAX_BODY_CHARS = 5000


def unknown_placeholders(text: str) -> list[str]:
    """The {names} in `text` that are not ours, in order, once each."""
    found = [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    return list(dict.fromkeys(found))


def fill(text: str, values: Mapping[str, str]) -> str:
    """Each known {placeholder} replaced; any other brace is left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def next_opening_after_now(org: Organization, now: datetime) -> datetime | None:
    """When the window is open for someone who writes now: now while it is open (never
    「明日9時以降」 while the office is open), else the next opening."""
    return org.next_opening(now)


def values_for(
    *,
    counselor_name: str,
    service_name: str,
    org: Organization,
    now: datetime,
    language: str,
) -> dict[str, str]:
    opening = next_opening_after_now(org, now)
    return {
        "counselor_name": counselor_name,
        "service_name": service_name,
        "next_opening": describe_next_opening(opening, now, language) if opening else "",
    }
