"""A client who said when replies suit them (the family flow's 「お返事を受け取りやすい時間帯」)
is not promised a reply at another time: a mother who chose 「夕方から」 is not told 10:35.

When the usual promise (the escalation deadline, or the next opening after hours) falls
outside her window, the promise becomes the first moment of her window at which the
organisation is open: 「ご希望の時間帯に合わせて、今日（11月25日）16時以降に」.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from bot.config.organizations import Organization

# The family flow's contact_time choices, in the organisation's local time. "any" and a
# skipped question have no window.
WINDOWS: dict[str, tuple[time, time]] = {
    "morning": (time(9, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(16, 0)),
    "evening": (time(16, 0), time(21, 0)),
}
_LOOK_AHEAD_DAYS = 14


def contact_time_of(intake_json: str | None) -> str | None:
    """The contact_time answer of a conversation's stored intake, if any."""
    if not intake_json:
        return None
    try:
        value = json.loads(intake_json).get("contact_time")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _inside(at: datetime, org: Organization, window: tuple[time, time]) -> bool:
    local = at.astimezone(org.timezone).time()
    return window[0] <= local < window[1]


def reply_from(
    contact_time: str | None, org: Organization, now: datetime, usual: datetime | None
) -> datetime | None:
    """When to promise the reply from, for a client who chose a time of day; None when the
    usual promise (`usual`) already falls in their window, or they chose none."""
    window = WINDOWS.get(contact_time or "")
    if window is None or (usual is not None and _inside(usual, org, window)):
        return None
    day = now.astimezone(org.timezone).date()
    for _ in range(_LOOK_AHEAD_DAYS):
        start = datetime.combine(day, window[0], tzinfo=org.timezone)
        end = datetime.combine(day, window[1], tzinfo=org.timezone)
        if end > now:
            opening = org.next_opening(max(start, now))
            if opening is not None and opening < end:
                return opening
        day += timedelta(days=1)
    return None
