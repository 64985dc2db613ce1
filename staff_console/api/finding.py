"""Finding a case: the query parameters of GET /api/v1/conversations (and of the inbox page,
which hands them to the same read side), checked here and turned into a
storage.read_side.InboxFilter. A wrong value is a 400 with a sentence naming the parameter
and what it takes; nothing from the request reaches SQL but as a bound parameter.

    number=ID                 the conversation's number ("#12" or "12")
    writer=self|family|supporter|unknown
    channel=line|web
    counselor=STAFF_ID|none   counselor or pair; "none": no counselor yet
    status=bot|queued|assigned|resolved
    urgent=true|false
    since=YYYY-MM-DD, until=YYYY-MM-DD   the day it began, Tokyo days, both included
    age_band=..., relationship=...       intake answers (the flows' choice ids, or _skip)

Message bodies are not searched: they are to be sealed at rest (DESIGN.md, invariant 9),
so the only text index there could be would leak them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from bot.runtime.clock import TOKYO
from staff_console.api.body import positive_int
from staff_console.errors import ApiError
from storage.read_side import WRITERS, InboxFilter
from storage.statuses import ConversationStatus

CHANNELS = ("line", "web")
WRITER_CHOICES = (*WRITERS, "unknown")
STATUSES = tuple(status.value for status in ConversationStatus)
# The intake's choice ids as the shipped flows name them (tests/console/test_finding.py
# checks them against flows/*.yaml), and "_skip" for a question left unanswered.
AGE_BANDS = ("teens", "20s", "30s", "40s", "50s", "60s_plus", "unknown", "_skip")
RELATIONSHIPS = ("mother", "father", "sibling", "spouse", "child", "relative", "other", "_skip")
PARAMETERS = (
    "number",
    "writer",
    "channel",
    "counselor",
    "status",
    "urgent",
    "since",
    "until",
    "age_band",
    "relationship",
)
_TRUE, _FALSE = ("true", "1"), ("false", "0")


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = query.get(name) or None
    if value is not None and value not in allowed:
        raise ApiError(400, "bad_filter", field=name, value=value[:40], allowed=", ".join(allowed))
    return value


def _day(query: Mapping[str, str], name: str) -> date | None:
    raw = query.get(name) or None
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_day") from None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TOKYO)


def inbox_filter(query: Mapping[str, str]) -> InboxFilter | None:
    """The filter the query asks for; None when it asks for none (the plain queue)."""
    if not any(query.get(name) for name in PARAMETERS):
        return None
    number = None
    if typed := query.get("number", "").strip():
        number = positive_int(typed.removeprefix("#").strip(), "number")
    counselor_id, no_counselor = None, False
    if counselor := query.get("counselor"):
        if counselor == "none":
            no_counselor = True
        else:
            counselor_id = positive_int(counselor, "counselor")
    urgent = None
    if raw := query.get("urgent"):
        if raw not in _TRUE + _FALSE:
            raise ApiError(400, "bad_filter", field="urgent", value=raw[:40], allowed="true, false")
        urgent = raw in _TRUE
    since, until = _day(query, "since"), _day(query, "until")
    if since is not None and until is not None and since > until:
        raise ApiError(400, "bad_range")
    return InboxFilter(
        number=number,
        writer=_choice(query, "writer", WRITER_CHOICES),
        channel=_choice(query, "channel", CHANNELS),
        counselor_id=counselor_id,
        no_counselor=no_counselor,
        status=_choice(query, "status", STATUSES),
        urgent=urgent,
        opened_from=_start_of(since) if since else None,
        opened_before=_start_of(until) + timedelta(days=1) if until else None,
        age_band=_choice(query, "age_band", AGE_BANDS),
        relationship=_choice(query, "relationship", RELATIONSHIPS),
    )


def filter_query(query: Mapping[str, str]) -> dict[str, str]:
    """The filter parameters given, as they were (for the page's links and its refresh)."""
    return {name: query[name] for name in PARAMETERS if query.get(name)}
