"""How the figures page writes a value (staff_console/figures_view.py)."""

from __future__ import annotations

import pytest

from staff_console.figures_view import duration_words, figure_name, month_label, value_words


@pytest.mark.parametrize(
    ("seconds", "ja", "en"),
    [
        (42, "42秒", "42 s"),
        (600, "10分", "10 min"),
        (9000, "2時間30分", "2 h 30 min"),
        (97200, "1日3時間", "1 d 3 h"),
    ],
)
def test_a_length_of_time_is_written_in_words(seconds: float, ja: str, en: str) -> None:
    assert duration_words(seconds, "ja") == ja
    assert duration_words(seconds, "en") == en


def test_each_unit_is_written_its_way() -> None:
    assert value_words("new_contacts.total", 12345, "ja") == "12,345"
    assert value_words("after_hours.share", 0.2734, "ja") == "27.3%"
    assert value_words("first_human_answer.p50_seconds", 5400.0, "ja") == "1時間30分"
    assert value_words("first_human_answer.p50_seconds", None, "ja") == "—"


def test_a_time_is_named_without_its_unit_in_seconds() -> None:
    assert figure_name("first_human_answer.p50_seconds", "ja") == "最初の返信まで（中央値）"
    assert figure_name("first_human_answer.p50_seconds", "en") == "Time to first answer, median"
    assert figure_name("new_contacts.total", "ja") == "新規（合計）"


def test_a_month_is_named_in_each_language() -> None:
    assert month_label("2026-04", "ja") == "2026年4月"
    assert month_label("2026-04", "en") == "4/2026"
