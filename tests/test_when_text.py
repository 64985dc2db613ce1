"""The words for a promised time, in Japanese and English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.promises.when_text import describe_deadline, describe_next_opening
from bot.runtime.clock import TOKYO

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)  # a Wednesday


def t(
    month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, year: int = 2026
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("at", "ja", "en"),
    [
        (t(11, 25, 13), "今日（11月25日）13時以降", "today (25 Nov) from 13:00"),
        (t(11, 26, 9), "明日（11月26日）9時以降", "tomorrow (26 Nov) from 9:00"),
        (t(11, 30, 9), "11月30日（月）9時以降", "Mon 30 Nov from 9:00"),
        (t(11, 26, 9, 30), "明日（11月26日）9時30分以降", "tomorrow (26 Nov) from 9:30"),
        (t(11, 26, 9, 5), "明日（11月26日）9時5分以降", "tomorrow (26 Nov) from 9:05"),
        (t(1, 4, 9, year=2027), "1月4日（月）9時以降", "Mon 4 Jan from 9:00"),
        (t(11, 24, 9, year=2027), "2027年11月24日（水）9時以降", "Wed 24 Nov 2027 from 9:00"),
        (t(11, 25, 13, 0, 20), "今日（11月25日）13時1分以降", "today (25 Nov) from 13:01"),
    ],
)
def test_describe_next_opening(at: datetime, ja: str, en: str) -> None:
    assert describe_next_opening(at, NOW) == ja
    assert describe_next_opening(at, NOW, "ja") == ja
    assert describe_next_opening(at, NOW, "en") == en


@pytest.mark.parametrize(
    ("at", "ja", "en"),
    [
        (t(11, 25, 17), "今日（11月25日）の17時までに", "by 17:00 today (25 Nov)"),
        (t(11, 26, 17), "明日（11月26日）の17時までに", "by 17:00 tomorrow (26 Nov)"),
        (t(11, 30, 9, 20), "11月30日（月）の9時20分までに", "by 9:20 on Mon 30 Nov"),
        # Midnight is the end of the day before, and seconds round up.
        (t(11, 26, 0), "今日（11月25日）の24時までに", "by 24:00 today (25 Nov)"),
        (t(11, 25, 23, 59, 30), "今日（11月25日）の24時までに", "by 24:00 today (25 Nov)"),
    ],
)
def test_describe_deadline(at: datetime, ja: str, en: str) -> None:
    assert describe_deadline(at, NOW) == ja
    assert describe_deadline(at, NOW, "en") == en


def test_today_and_tomorrow_are_local_dates() -> None:
    # 23:30 Tokyo on the 25th is 14:30 UTC; 00:30 Tokyo on the 26th is still the 25th in UTC.
    late = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    opening = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    assert describe_next_opening(opening, late) == "明日（11月26日）0時30分以降"


def test_other_zone_can_be_named() -> None:
    at = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo; NOW is 01:00 UTC, 25 Nov
    assert describe_next_opening(at, NOW, "en", tz=UTC) == "tomorrow (26 Nov) from 0:00"
    assert describe_next_opening(at, NOW, "en") == "tomorrow (26 Nov) from 9:00"


def test_unknown_language_and_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        describe_next_opening(t(11, 26, 9), NOW, "fr")
    with pytest.raises(ValueError, match="aware"):
        describe_deadline(datetime(2026, 11, 26, 9), NOW)
