"""The figures page's period picker: which days a question about figures covers.

Four kinds, read from the page's query: this month (the default), a month
(`period=month&month=YYYY-MM`), a fiscal year April–March (`period=fiscal_year&fy=2026`
is 2026-04-01 to 2027-03-31, 令和8年度), or any dates (`period=dates&from=..&to=..`,
both days included). Days are Tokyo's: the caller passes today's Tokyo date. A period the
query cannot say gives a `PeriodError` with the key of its sentence in the console's
`[figures]` texts, and the page shows this month with that sentence (nothing typed is lost:
the form shows what was typed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

# The longest any-dates period is the API's: one rule, one home.
from staff_console.api.figures import MAX_DAYS

__all__ = ["MAX_DAYS", "Period", "PeriodError", "period_of"]

Kind = Literal["this_month", "month", "fiscal_year", "dates"]
KINDS: tuple[Kind, ...] = ("this_month", "month", "fiscal_year", "dates")
# The fiscal year of Japanese public bodies begins in April.
FISCAL_START_MONTH = 4
EARLIEST = date(2000, 1, 1)


class PeriodError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date
    end: date  # included

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.start)

    def query(self) -> dict[str, str]:
        """The API's query for this period (`from`, `to`, both days included)."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def months(self) -> list[str]:
        """Every month the period touches, as YYYY-MM, in order."""
        found, day = [], self.start.replace(day=1)
        while day <= self.end:
            found.append(f"{day.year:04}-{day.month:02}")
            day = _next_month(day)
        return found


def fiscal_year_of(day: date) -> int:
    """2026 for any day from 2026-04-01 to 2027-03-31."""
    return day.year if day.month >= FISCAL_START_MONTH else day.year - 1


def fiscal_year(year: int) -> Period:
    start = date(year, FISCAL_START_MONTH, 1)
    return Period("fiscal_year", start, date(year + 1, FISCAL_START_MONTH, 1) - timedelta(days=1))


def month(year: int, number: int, kind: Kind = "month") -> Period:
    start = date(year, number, 1)
    return Period(kind, start, _next_month(start) - timedelta(days=1))


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError("bad_date") from None


def period_of(query: Mapping[str, str], today: date) -> Period:
    """The period the query asks for; this month when it asks for none."""
    kind = query.get("period", "this_month")
    if kind == "this_month" or not kind:
        return month(today.year, today.month, "this_month")
    if kind == "month":
        text = query.get("month", "").strip()
        try:
            year, number = (int(part) for part in text.split("-"))
            found = month(year, number)
        except ValueError:
            raise PeriodError("bad_month") from None
        return _checked(found, today)
    if kind == "fiscal_year":
        try:
            found = fiscal_year(int(query.get("fy", "").strip()))
        except ValueError:
            raise PeriodError("bad_fiscal_year") from None
        return _checked(found, today)
    if kind == "dates":
        start, end = _day(query.get("from", "")), _day(query.get("to", ""))
        if end < start:
            raise PeriodError("dates_reversed")
        if (end - start).days >= MAX_DAYS:
            raise PeriodError("too_long")
        return _checked(Period("dates", start, end), today)
    raise PeriodError("bad_period")


def _checked(period: Period, today: date) -> Period:
    # A period wholly in the future or before any record: said, not silently empty.
    if period.start < EARLIEST or period.start > today:
        raise PeriodError("out_of_range")
    return period


def fiscal_years(first_day: date, today: date) -> list[int]:
    """The fiscal years the picker offers: from the first record's to this one, newest first."""
    return list(range(fiscal_year_of(today), fiscal_year_of(first_day) - 1, -1))
