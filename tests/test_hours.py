"""Opening hours: open/closed, next opening, open-time arithmetic, and configuration errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config.errors import ConfigError
from bot.config.organizations import (
    SEARCH_DAYS,
    Organization,
    japanese_holidays,
    parse_organizations,
)
from bot.config.values import parse_duration
from bot.runtime.clock import TOKYO

WELFARE = {
    "id": "welfare",
    "name": "福祉相談センター",
    "hours": {
        "mon": "09:00-12:00,13:00-17:00",
        "tue": "09:00-17:00",
        "wed": "09:00-17:00",
        "thu": "09:00-17:00",
        "fri": "09:00-17:00",
    },
    "closed": ["2026-12-29..2027-01-03", "2026-08-13"],
    "national_holidays": True,
}


def t(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def welfare() -> Organization:
    return Organization.from_config(WELFARE, "organizations[0]")


def org_with(key_prefix: str = "organizations[0]", **overrides: object) -> Organization:
    return Organization.from_config({**WELFARE, **overrides}, key_prefix)


# ---- the holiday library agrees with the calendar we test against --------------------------


def test_2026_holidays_used_in_these_tests() -> None:
    days = japanese_holidays(2026)
    assert date(2026, 11, 23) in days  # 勤労感謝の日, a Monday
    assert date(2026, 11, 23).weekday() == 0
    assert date(2026, 9, 22) in days  # 国民の休日 between two holidays
    assert date(2026, 5, 6) in days  # 振替休日
    assert date(2026, 11, 24) not in days


# ---- is_open ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (t(11, 16, 8, 59), False),  # Monday, a minute before opening
        (t(11, 16, 9, 0), True),  # opening instant is open
        (t(11, 16, 11, 59), True),
        (t(11, 16, 12, 0), False),  # lunch break starts: closing instant is closed
        (t(11, 16, 12, 30), False),
        (t(11, 16, 13, 0), True),
        (t(11, 16, 16, 59), True),
        (t(11, 16, 17, 0), False),
        (t(11, 21, 10, 0), False),  # Saturday: no hours
        (t(11, 23, 10, 0), False),  # Monday, 勤労感謝の日
        (t(11, 24, 10, 0), True),
        (t(8, 13, 10, 0), False),  # single closed date (Thursday)
        (t(12, 28, 10, 0), True),  # Monday before the year-end closure
        (t(12, 29, 10, 0), False),
        (t(1, 4, 10, 0, year=2027), True),
    ],
)
def test_is_open(welfare: Organization, at: datetime, expected: bool) -> None:
    assert welfare.is_open(at) is expected


def test_is_open_accepts_any_zone(welfare: Organization) -> None:
    # 2026-11-16 00:30 UTC is 09:30 in Tokyo.
    assert welfare.is_open(datetime(2026, 11, 16, 0, 30, tzinfo=UTC))
    assert not welfare.is_open(datetime(2026, 11, 16, 8, 30, tzinfo=UTC))  # 17:30 Tokyo


def test_naive_datetimes_are_refused(welfare: Organization) -> None:
    with pytest.raises(ValueError, match="aware"):
        welfare.is_open(datetime(2026, 11, 16, 10, 0))


def test_without_national_holidays_a_holiday_is_an_ordinary_day() -> None:
    org = org_with(national_holidays=False)
    assert org.is_open(t(11, 23, 10, 0))
    assert not Organization.from_config(
        {k: v for k, v in WELFARE.items() if k != "national_holidays"}, "o"
    ).national_holidays


# ---- next_opening -------------------------------------------------------------------------


def test_next_opening_when_open_is_now(welfare: Organization) -> None:
    at = t(11, 17, 10, 15)
    assert welfare.next_opening(at) is at


def test_next_opening_after_lunch(welfare: Organization) -> None:
    assert welfare.next_opening(t(11, 16, 12, 5)) == t(11, 16, 13, 0)


def test_next_opening_later_today_and_tomorrow(welfare: Organization) -> None:
    assert welfare.next_opening(t(11, 17, 6, 0)) == t(11, 17, 9, 0)
    assert welfare.next_opening(t(11, 17, 17, 0)) == t(11, 18, 9, 0)


def test_next_opening_across_a_weekend(welfare: Organization) -> None:
    assert welfare.next_opening(t(11, 13, 17, 30)) == t(11, 16, 9, 0)  # Fri evening → Mon


def test_next_opening_across_a_national_holiday(welfare: Organization) -> None:
    # Friday 20 Nov evening: Sat, Sun, then Mon 23 Nov is 勤労感謝の日 → Tuesday.
    assert welfare.next_opening(t(11, 20, 18, 0)) == t(11, 24, 9, 0)


def test_next_opening_across_the_year_end_closure(welfare: Organization) -> None:
    # 29 Dec..3 Jan closed; 1 Jan is also a holiday; 4 Jan 2027 is a Monday.
    assert welfare.next_opening(t(12, 28, 17, 0)) == t(1, 4, 9, 0, year=2027)


def test_next_opening_is_in_the_organisations_zone(welfare: Organization) -> None:
    opening = welfare.next_opening(datetime(2026, 11, 13, 12, 0, tzinfo=UTC))
    assert opening == t(11, 16, 9, 0)
    assert opening is not None and opening.tzinfo == TOKYO


def test_next_opening_none_within_the_search_horizon() -> None:
    org = org_with(closed=["2026-01-01..2028-12-31"])
    assert org.next_opening(t(1, 1)) is None
    assert org.current_closing(t(1, 1)) is None
    assert org.add_open_time(t(1, 1), timedelta(minutes=1)) is None
    # The closure ends: a search that starts close enough finds Monday 2029-01-01 is a
    # holiday (元日), so Tuesday.
    assert org.next_opening(t(12, 1, year=2028)) == t(1, 2, 9, 0, year=2029)
    assert SEARCH_DAYS >= 366


# ---- all-day hours and current_closing ----------------------------------------------------


@pytest.fixture
def weekend_line() -> Organization:
    return Organization.from_config(
        {
            "id": "psy",
            "name": "こころの相談室",
            "hours": {"fri": "18:00-24:00", "sat": "00:00-24:00", "sun": "00:00-20:00"},
        },
        "organizations[1]",
    )


def test_all_day_is_open_at_midnight(weekend_line: Organization) -> None:
    assert weekend_line.is_open(t(11, 21, 0, 0))  # Saturday 00:00
    assert weekend_line.is_open(t(11, 21, 23, 59))
    assert weekend_line.is_open(t(11, 22, 0, 0))  # Sunday 00:00
    assert not weekend_line.is_open(t(11, 22, 20, 0))


def test_current_closing_runs_on_across_midnight(weekend_line: Organization) -> None:
    assert weekend_line.current_closing(t(11, 20, 19, 0)) == t(11, 22, 20, 0)
    assert weekend_line.current_closing(t(11, 21, 3, 0)) == t(11, 22, 20, 0)
    assert weekend_line.current_closing(t(11, 22, 21, 0)) is None  # closed now


def test_current_closing_before_lunch(welfare: Organization) -> None:
    assert welfare.current_closing(t(11, 16, 10, 0)) == t(11, 16, 12, 0)
    assert welfare.current_closing(t(11, 16, 12, 0)) is None


def test_current_closing_before_a_long_closure() -> None:
    org = org_with(closed=["2026-11-17..2028-12-31"])
    assert org.current_closing(t(11, 16, 16, 0)) == t(11, 16, 17, 0)


def test_always_open_has_no_closing_in_sight() -> None:
    all_day = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00-24:00")
    org = Organization.from_config({"id": "always", "name": "24h", "hours": all_day}, "o")
    at = t(11, 16, 3, 0)
    assert org.is_open(at)
    assert org.next_opening(at) is at
    assert org.current_closing(at) is None
    assert org.add_open_time(at, timedelta(days=3)) == t(11, 19, 3, 0)


def test_touching_ranges_are_one_span() -> None:
    org = org_with(hours={"mon": "09:00-12:00,12:00-17:00"})
    assert org.is_open(t(11, 16, 12, 0))
    assert org.current_closing(t(11, 16, 10, 0)) == t(11, 16, 17, 0)


# ---- add_open_time -----------------------------------------------------------------------


def test_add_open_time_within_one_span(welfare: Organization) -> None:
    assert welfare.add_open_time(t(11, 17, 10, 0), timedelta(minutes=30)) == t(11, 17, 10, 30)


def test_add_open_time_ending_exactly_at_closing(welfare: Organization) -> None:
    assert welfare.add_open_time(t(11, 17, 16, 30), timedelta(minutes=30)) == t(11, 17, 17, 0)


def test_add_open_time_friday_evening_to_monday(welfare: Organization) -> None:
    # 16:50 Friday, 17:00 closing: 10 minutes on Friday, 20 on Monday.
    assert welfare.add_open_time(t(11, 13, 16, 50), timedelta(minutes=30)) == t(11, 16, 9, 20)


def test_add_open_time_skips_lunch(welfare: Organization) -> None:
    assert welfare.add_open_time(t(11, 16, 11, 45), timedelta(minutes=30)) == t(11, 16, 13, 15)


def test_add_open_time_from_closed_time_starts_at_opening(welfare: Organization) -> None:
    assert welfare.add_open_time(t(11, 14, 23, 0), timedelta(minutes=30)) == t(11, 16, 9, 30)
    assert welfare.add_open_time(t(11, 14, 23, 0), timedelta(0)) == t(11, 16, 9, 0)


def test_add_open_time_skips_holiday_and_weekend(welfare: Organization) -> None:
    # Friday 20 Nov 16:00: 1 h left that day, then Mon 23 is a holiday → Tue 24 Nov 10:00.
    assert welfare.add_open_time(t(11, 20, 16, 0), timedelta(hours=2)) == t(11, 24, 10, 0)


def test_add_open_time_spans_the_year_end_closure(welfare: Organization) -> None:
    assert welfare.add_open_time(t(12, 28, 16, 0), timedelta(hours=2)) == t(1, 4, 10, 0, year=2027)


def test_add_open_time_several_days(welfare: Organization) -> None:
    # Tue..Fri are 8 h each: 20 h from Tue 09:00 → Tue 8, Wed 8, Thu 4 → Thu 13:00.
    assert welfare.add_open_time(t(11, 17, 9, 0), timedelta(hours=20)) == t(11, 19, 13, 0)


def test_add_open_time_refuses_negative(welfare: Organization) -> None:
    with pytest.raises(ValueError):
        welfare.add_open_time(t(11, 17, 9, 0), timedelta(minutes=-1))


# ---- time zones --------------------------------------------------------------------------


def test_hours_follow_the_organisations_own_zone_across_dst() -> None:
    # New York springs forward on 2026-03-08: Sunday has 23 hours, so 24 h of open time
    # from Saturday 12:00 ends on Sunday at 13:00 local.
    all_day = dict.fromkeys(("sat", "sun", "mon"), "00:00-24:00")
    ny = ZoneInfo("America/New_York")
    org = Organization.from_config(
        {"id": "ny", "name": "NY", "hours": all_day, "timezone": "America/New_York"}, "o"
    )
    start = datetime(2026, 3, 7, 12, 0, tzinfo=ny)
    end = org.add_open_time(start, timedelta(hours=24))
    assert end == datetime(2026, 3, 8, 13, 0, tzinfo=ny)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)


def test_default_timezone_is_tokyo(welfare: Organization) -> None:
    assert welfare.timezone == TOKYO


# ---- configuration -----------------------------------------------------------------------


def test_parse_organizations_reads_a_list() -> None:
    psy = {"id": "psy", "name": "心理", "hours": {"sat": "10:00-16:00"}}
    orgs = parse_organizations([WELFARE, psy])
    assert [o.id for o in orgs] == ["welfare", "psy"]
    assert orgs[0].closed == (
        (date(2026, 12, 29), date(2027, 1, 3)),
        (date(2026, 8, 13), date(2026, 8, 13)),
    )
    assert orgs[1].weekly[5] == ((600, 960),)
    assert orgs[1].national_holidays is False


def test_toml_dates_are_accepted_in_closed() -> None:
    org = org_with(closed=[date(2026, 8, 14)])
    assert not org.is_open(t(8, 14, 10, 0))


@pytest.mark.parametrize(
    ("raw", "key", "words"),
    [
        ({**WELFARE, "colour": "red"}, "organizations[1].colour", "unknown key"),
        ({**WELFARE, "id": "Welfare!"}, "organizations[1].id", "lowercase"),
        ({k: v for k, v in WELFARE.items() if k != "id"}, "organizations[1].id", "required"),
        ({**WELFARE, "name": " "}, "organizations[1].name", "display name"),
        ({**WELFARE, "hours": "09:00-17:00"}, "organizations[1].hours", "[organizations.hours]"),
        (
            {k: v for k, v in WELFARE.items() if k != "hours"},
            "organizations[1].hours",
            "no opening hours",
        ),
        ({**WELFARE, "name_en": 5}, "organizations[1].name_en", "English name"),
        ({**WELFARE, "hours": {}}, "organizations[1].hours", "never open"),
        (
            {**WELFARE, "hours": {"monday": "09:00-17:00"}},
            "organizations[1].hours.monday",
            "unknown day",
        ),
        ({**WELFARE, "hours": {"mon": "9-17"}}, "organizations[1].hours.mon", "HH:MM"),
        ({**WELFARE, "hours": {"mon": "09:00-25:00"}}, "organizations[1].hours.mon", "HH:MM"),
        ({**WELFARE, "hours": {"mon": "09:60-10:00"}}, "organizations[1].hours.mon", "HH:MM"),
        ({**WELFARE, "hours": {"mon": "09:00"}}, "organizations[1].hours.mon", "not a range"),
        ({**WELFARE, "hours": {"mon": ""}}, "organizations[1].hours.mon", "leave the day out"),
        ({**WELFARE, "hours": {"mon": 9}}, "organizations[1].hours.mon", "09:00-12:00"),
        (
            {**WELFARE, "hours": {"mon": "17:00-09:00"}},
            "organizations[1].hours.mon",
            "across midnight",
        ),
        ({**WELFARE, "hours": {"mon": "10:00-10:00"}}, "organizations[1].hours.mon", "ends before"),
        (
            {**WELFARE, "hours": {"mon": "24:00-24:00"}},
            "organizations[1].hours.mon",
            "starts at 24:00",
        ),
        (
            {**WELFARE, "hours": {"tue": "09:00-13:00,12:00-17:00"}},
            "organizations[1].hours.tue",
            "overlap",
        ),
        ({**WELFARE, "closed": "2026-08-13"}, "organizations[1].closed", "list"),
        ({**WELFARE, "closed": ["2026-02-30"]}, "organizations[1].closed[0]", "YYYY-MM-DD"),
        (
            {**WELFARE, "closed": ["2026-08-13", "2026/08/14"]},
            "organizations[1].closed[1]",
            "YYYY-MM-DD",
        ),
        (
            {**WELFARE, "closed": ["2027-01-03..2026-12-29"]},
            "organizations[1].closed[0]",
            "ends before",
        ),
        ({**WELFARE, "closed": ["2026-12-29.."]}, "organizations[1].closed[0]", "YYYY-MM-DD"),
        ({**WELFARE, "closed": [20260813]}, "organizations[1].closed[0]", "2026-08-13"),
        (
            {**WELFARE, "national_holidays": "yes"},
            "organizations[1].national_holidays",
            "true or false",
        ),
        ({**WELFARE, "timezone": "Tokyo"}, "organizations[1].timezone", "Asia/Tokyo"),
        ({**WELFARE, "timezone": "../etc"}, "organizations[1].timezone", "Asia/Tokyo"),
        ({**WELFARE, "timezone": 9}, "organizations[1].timezone", "Asia/Tokyo"),
        ("welfare", "organizations[1]", "table"),
    ],
)
def test_every_config_error_names_its_key(raw: object, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Organization.from_config(raw, "organizations[1]")  # type: ignore[arg-type]
    assert caught.value.key == key
    assert words in caught.value.message
    assert key in str(caught.value)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_organizations([WELFARE, {**WELFARE, "name": "other"}])
    assert caught.value.key == "organizations[1].id"
    assert "twice" in caught.value.message


@pytest.mark.parametrize("raw", [[], None, {"id": "x"}])
def test_organizations_must_be_a_non_empty_list(raw: object) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_organizations(raw, "organizations")
    assert caught.value.key == "organizations"


# ---- durations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        (" 0s ", timedelta(0)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text, "acks.followup_after") == expected


@pytest.mark.parametrize(
    "text", ["", "30", "m", "30 m", "1.5h", "-5m", "30min", "30m1h", "5m5m", "1w", 30]
)
def test_parse_duration_errors_name_the_key(text: object) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_duration(text, "acks.followup_after")  # type: ignore[arg-type]
    assert caught.value.key == "acks.followup_after"
    assert '"30m"' in caught.value.message
