"""The figures page's period picker (staff_console/period.py): what each kind covers."""

from __future__ import annotations

from datetime import date

import pytest

from staff_console.period import PeriodError, fiscal_years, period_of

TODAY = date(2026, 12, 3)


def test_this_month_is_the_default() -> None:
    found = period_of({}, TODAY)
    assert (found.kind, found.start, found.end) == (
        "this_month",
        date(2026, 12, 1),
        date(2026, 12, 31),
    )


def test_a_month_ends_on_its_last_day() -> None:
    found = period_of({"period": "month", "month": "2024-02"}, TODAY)
    assert (found.start, found.end) == (date(2024, 2, 1), date(2024, 2, 29))
    assert found.query() == {"from": "2024-02-01", "to": "2024-02-29"}


def test_the_fiscal_year_runs_april_to_march() -> None:
    found = period_of({"period": "fiscal_year", "fy": "2025"}, TODAY)
    assert (found.start, found.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert found.months()[0] == "2025-04" and found.months()[-1] == "2026-03"
    assert len(found.months()) == 12
    assert found.fiscal_year == 2025


def test_any_dates_include_both_days() -> None:
    found = period_of({"period": "dates", "from": "2026-01-15", "to": "2026-03-02"}, TODAY)
    assert (found.start, found.end) == (date(2026, 1, 15), date(2026, 3, 2))
    assert found.months() == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ({"period": "month", "month": "2026-13"}, "bad_month"),
        ({"period": "month", "month": "soon"}, "bad_month"),
        ({"period": "fiscal_year", "fy": "R8"}, "bad_fiscal_year"),
        ({"period": "fiscal_year", "fy": "2030"}, "out_of_range"),
        ({"period": "dates", "from": "2026-03-02", "to": "2026-01-15"}, "dates_reversed"),
        ({"period": "dates", "from": "2026-01-15", "to": ""}, "bad_date"),
        ({"period": "dates", "from": "2010-01-01", "to": "2026-01-01"}, "too_long"),
        ({"period": "week"}, "bad_period"),
    ],
)
def test_a_period_the_query_cannot_say_names_its_problem(query: dict[str, str], key: str) -> None:
    with pytest.raises(PeriodError) as raised:
        period_of(query, TODAY)
    assert raised.value.key == key


def test_the_picker_offers_each_fiscal_year_newest_first() -> None:
    assert fiscal_years(date(2024, 2, 1), TODAY) == [2026, 2025, 2024, 2023]
