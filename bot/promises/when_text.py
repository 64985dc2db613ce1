"""The words for a promised time, to be placed inside catalogue sentences.

Japanese first: 「明日（11月26日）9時以降」, 「明日（11月26日）の17時までに」.
Times are rounded up to the whole minute, so the words never promise earlier than we can.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from bot.runtime.clock import TOKYO

_JA_WEEKDAYS = "月火水木金土日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Beyond this many days ahead the year is named, so a date next year is not misread.
_YEAR_AFTER_DAYS = 180


def describe_next_opening(
    at: datetime, now: datetime, lang: str = "ja", *, tz: tzinfo = TOKYO
) -> str:
    """「今日（11月25日）13時以降」 / "today (25 Nov) from 13:00"."""
    day, hour, minute = _local_minute(at, tz)
    today = _local(now, tz).date()
    if lang == "ja":
        return f"{_ja_day(day, today)}{_ja_time(hour, minute)}以降"
    if lang == "en":
        return f"{_en_day(day, today)} from {hour}:{minute:02d}"
    raise ValueError(f"unsupported language {lang!r}")


def describe_deadline(at: datetime, now: datetime, lang: str = "ja", *, tz: tzinfo = TOKYO) -> str:
    """「明日（11月26日）の17時までに」 / "by 17:00 tomorrow (26 Nov)"."""
    day, hour, minute = _local_minute(at, tz)
    if (hour, minute) == (0, 0):
        # Midnight reads as the end of the day before: 「今日の24時までに」, not 「明日の0時」.
        day, hour = day - timedelta(days=1), 24
    today = _local(now, tz).date()
    if lang == "ja":
        return f"{_ja_day(day, today)}の{_ja_time(hour, minute)}までに"
    if lang == "en":
        relative = _en_day(day, today)
        if day - today > timedelta(days=1) or day < today:
            relative = f"on {relative}"
        return f"by {hour}:{minute:02d} {relative}"
    raise ValueError(f"unsupported language {lang!r}")


def describe_until(at: datetime, now: datetime, lang: str = "ja", *, tz: tzinfo = TOKYO) -> str:
    """When something open now closes: 「今日の22時」 / "22:00 today"."""
    day, hour, minute = _local_minute(at, tz)
    if (hour, minute) == (0, 0):
        day, hour = day - timedelta(days=1), 24
    today = _local(now, tz).date()
    if lang == "ja":
        when = {today: "今日", today + timedelta(days=1): "明日"}.get(day)
        return f"{when or _ja_day(day, today)}の{_ja_time(hour, minute)}"
    if lang == "en":
        when = {today: "today", today + timedelta(days=1): "tomorrow"}.get(day)
        return f"{hour}:{minute:02d} {when or 'on ' + _en_day(day, today)}"
    raise ValueError(f"unsupported language {lang!r}")


def _local(at: datetime, tz: tzinfo) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime is needed")
    return at.astimezone(tz)


def _local_minute(at: datetime, tz: tzinfo) -> tuple[date, int, int]:
    local = _local(at, tz)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return local.date(), local.hour, local.minute


def _ja_time(hour: int, minute: int) -> str:
    return f"{hour}時" if minute == 0 else f"{hour}時{minute}分"


def _ja_day(day: date, today: date) -> str:
    md = f"{day.month}月{day.day}日"
    if day == today:
        return f"今日（{md}）"
    if day == today + timedelta(days=1):
        return f"明日（{md}）"
    year = f"{day.year}年" if _name_year(day, today) else ""
    return f"{year}{md}（{_JA_WEEKDAYS[day.weekday()]}）"


def _en_day(day: date, today: date) -> str:
    dm = f"{day.day} {_EN_MONTHS[day.month - 1]}"
    if day == today:
        return f"today ({dm})"
    if day == today + timedelta(days=1):
        return f"tomorrow ({dm})"
    year = f" {day.year}" if _name_year(day, today) else ""
    return f"{_EN_WEEKDAYS[day.weekday()]} {dm}{year}"


def _name_year(day: date, today: date) -> bool:
    return day.year != today.year and abs((day - today).days) > _YEAR_AFTER_DAYS
