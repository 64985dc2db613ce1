"""The [acks] table and the pure timing rules built on it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.config.ack_policy import (
    AckPolicy,
    QuietHours,
    escalate_due,
    followup_due,
    remind_staff_due,
    shift_for_quiet_hours,
)
from bot.config.errors import ConfigError
from bot.config.organizations import Organization
from bot.runtime.clock import TOKYO

NIGHT = QuietHours(time(21, 0), time(8, 0))


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def welfare() -> Organization:
    weekdays = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00")
    return Organization.from_config(
        {"id": "welfare", "name": "福祉", "hours": weekdays, "national_holidays": True}, "o"
    )


# ---- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, {}])
def test_defaults(raw: dict | None) -> None:
    policy = AckPolicy.from_config(raw)
    assert policy == AckPolicy()
    assert policy.followup_after == timedelta(minutes=30)
    assert policy.remind_staff_after == timedelta(minutes=15)
    assert policy.escalate_after == timedelta(hours=2)
    assert policy.quiet_hours == NIGHT
    assert policy.quiet_recent_client_window == timedelta(minutes=10)


def test_values_are_read() -> None:
    policy = AckPolicy.from_config(
        {
            "followup_after": "1h",
            "remind_staff_after": "90s",
            "escalate_after": "1d",
            "quiet_hours": "22:30-07:00",
            "quiet_recent_client_window": "5m",
        }
    )
    assert policy.followup_after == timedelta(hours=1)
    assert policy.remind_staff_after == timedelta(seconds=90)
    assert policy.escalate_after == timedelta(days=1)
    assert policy.quiet_hours == QuietHours(time(22, 30), time(7, 0))
    assert policy.quiet_recent_client_window == timedelta(minutes=5)


def test_quiet_hours_can_be_off() -> None:
    assert AckPolicy.from_config({"quiet_hours": "off"}).quiet_hours is None


@pytest.mark.parametrize(
    ("raw", "key", "words"),
    [
        ({"follow_up_after": "30m"}, "acks.follow_up_after", "unknown key"),
        ({"followup_after": "30"}, "acks.followup_after", '"30m"'),
        ({"followup_after": 30}, "acks.followup_after", '"30m"'),
        ({"remind_staff_after": "0m"}, "acks.remind_staff_after", "longer than zero"),
        ({"escalate_after": "2 hours"}, "acks.escalate_after", '"2h"'),
        ({"quiet_recent_client_window": "ten"}, "acks.quiet_recent_client_window", "duration"),
        ({"quiet_hours": "21:00"}, "acks.quiet_hours", "21:00-08:00"),
        ({"quiet_hours": "21:00-8:00"}, "acks.quiet_hours", "HH:MM"),
        ({"quiet_hours": "21:00-24:00"}, "acks.quiet_hours", "HH:MM"),
        ({"quiet_hours": "08:00-08:00"}, "acks.quiet_hours", "empty"),
        ({"quiet_hours": 21}, "acks.quiet_hours", '"off"'),
        ("30m", "acks", "table"),
    ],
)
def test_every_config_error_names_its_key(raw: object, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        AckPolicy.from_config(raw)  # type: ignore[arg-type]
    assert caught.value.key == key
    assert words in caught.value.message


def test_key_prefix_is_used() -> None:
    with pytest.raises(ConfigError) as caught:
        AckPolicy.from_config({"x": 1}, key="channels.line.acks")
    assert caught.value.key == "channels.line.acks.x"


# ---- quiet hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (t(11, 16, 20, 59), t(11, 16, 20, 59)),  # before quiet hours: unchanged
        (t(11, 16, 21, 0), t(11, 17, 8, 0)),  # evening: until tomorrow 08:00
        (t(11, 16, 23, 30), t(11, 17, 8, 0)),
        (t(11, 17, 0, 0), t(11, 17, 8, 0)),  # after midnight: until this morning 08:00
        (t(11, 17, 7, 59), t(11, 17, 8, 0)),
        (t(11, 17, 8, 0), t(11, 17, 8, 0)),  # the end instant is no longer quiet
        (t(11, 17, 12, 0), t(11, 17, 12, 0)),
    ],
)
def test_push_in_quiet_hours_waits(due: datetime, expected: datetime) -> None:
    assert shift_for_quiet_hours(due, TOKYO, NIGHT, None) == expected


def test_quiet_hours_not_crossing_midnight() -> None:
    early = QuietHours(time(0, 0), time(6, 0))
    assert shift_for_quiet_hours(t(11, 17, 3, 0), TOKYO, early, None) == t(11, 17, 6, 0)
    assert shift_for_quiet_hours(t(11, 17, 23, 0), TOKYO, early, None) == t(11, 17, 23, 0)


def test_quiet_hours_use_the_given_zone() -> None:
    due = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)  # 22:00 in Tokyo
    assert shift_for_quiet_hours(due, TOKYO, NIGHT, None) == t(11, 17, 8, 0)
    assert shift_for_quiet_hours(due, UTC, NIGHT, None) == due  # 13:00 UTC is not quiet


def test_client_who_just_wrote_is_answered_in_quiet_hours() -> None:
    due = t(11, 16, 23, 30)
    assert shift_for_quiet_hours(due, TOKYO, NIGHT, t(11, 16, 23, 25)) == due
    assert shift_for_quiet_hours(due, TOKYO, NIGHT, t(11, 16, 23, 20)) == due  # exactly 10 min
    assert shift_for_quiet_hours(due, TOKYO, NIGHT, t(11, 16, 23, 19)) == t(11, 17, 8, 0)
    # The window is in absolute time, whatever zone the message time is written in.
    recent_utc = datetime(2026, 11, 16, 14, 25, tzinfo=UTC)
    assert shift_for_quiet_hours(due, TOKYO, NIGHT, recent_utc) == due


def test_recent_window_is_configurable() -> None:
    policy = AckPolicy.from_config({"quiet_recent_client_window": "30m"})
    due = t(11, 16, 23, 30)
    assert policy.push_time(due, TOKYO, t(11, 16, 23, 5)) == due
    assert policy.push_time(due, TOKYO, t(11, 16, 22, 55)) == t(11, 17, 8, 0)
    assert AckPolicy.from_config({"quiet_hours": "off"}).push_time(due, TOKYO, None) == due


# ---- deadlines in open time --------------------------------------------------------------


def test_followup_counts_only_open_time(welfare: Organization) -> None:
    policy = AckPolicy()
    friday = t(11, 13, 16, 50)
    assert followup_due(friday, welfare, policy) == t(11, 16, 9, 20)
    assert remind_staff_due(friday, welfare, policy) == t(11, 16, 9, 5)
    assert escalate_due(friday, welfare, policy) == t(11, 16, 10, 50)


def test_followup_after_hours_starts_at_next_opening(welfare: Organization) -> None:
    # Friday 20 Nov 22:00; Mon 23 Nov is 勤労感謝の日.
    assert followup_due(t(11, 20, 22, 0), welfare, AckPolicy()) == t(11, 24, 9, 30)


def test_followup_inside_hours(welfare: Organization) -> None:
    assert followup_due(t(11, 17, 10, 0), welfare, AckPolicy()) == t(11, 17, 10, 30)
