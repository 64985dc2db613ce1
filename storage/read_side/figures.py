"""The year's figures read from the facts (migration 0015), never from messages.

Counts come from the daily counts (`reporting_days`): a period of local days grouped by
month in SQL reads a few rows a day whatever the traffic. Percentiles and the longest waits
walk a partial index of the facts in order of the wait and stop at the rank, so nothing is
sorted. Percentiles are the nearest rank: the smallest value with at least p·n values at or
below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.facts import BUCKETS
from storage.tx import Tx, named_rows

__all__ = ["BUCKETS", "Period", "counts", "longest", "overdue_items", "percentiles"]

_MONTH = "substr(day, 1, 7)"
# The partial index each percentile walks: (kind, column) → its name and its condition.
_WALKS = {
    ("first_answer", "seconds"): ("reporting_first_answer_seconds", "kind = 'first_answer'"),
    ("first_answer", "open_seconds"): (
        "reporting_first_answer_open_seconds",
        "kind = 'first_answer' AND open_seconds IS NOT NULL",
    ),
    ("danger_answer", "seconds"): ("reporting_danger_answer_seconds", "kind = 'danger_answer'"),
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def counts(conn: Tx, period: Period, counter: str) -> dict[tuple[str, str], int]:
    """{(month, group): count} of one daily counter over the period."""
    rows = named_rows(
        conn,
        f"SELECT {_MONTH} AS month, grp, SUM(n) AS n FROM reporting_days"
        " WHERE kind = :counter AND day BETWEEN :start AND :end GROUP BY month, grp",
        {"counter": counter, **period.params()},
    )
    return {(str(r["month"]), str(r["grp"])): int(r["n"]) for r in rows if r["n"]}


def percentiles(
    conn: Tx, period: Period, kind: str, column: str, n: int, ranks: tuple[float, ...]
) -> tuple[float | None, ...]:
    """The nearest-rank value of `column` at each rank, over the period's `n` facts."""
    index, condition = _WALKS[(kind, column)]
    found: list[float | None] = []
    for rank in ranks:
        if n == 0:
            found.append(None)
            continue
        offset = max(0, -int(-rank * n // 1) - 1)  # ceil(rank·n) - 1
        rows = named_rows(
            conn,
            f"SELECT {column} AS v FROM reporting_events INDEXED BY {index}"
            f" WHERE {condition} AND day BETWEEN :start AND :end"
            f" ORDER BY {column} LIMIT 1 OFFSET {offset}",
            period.params(),
        )
        found.append(float(rows[0]["v"]) if rows else None)
    return tuple(found)


def longest(conn: Tx, period: Period, limit: int) -> list[tuple[str, float]]:
    """The `limit` longest waits of the conversations resolved in the period, as
    (local day, seconds), longest first."""
    rows = named_rows(
        conn,
        "SELECT day, seconds FROM reporting_events INDEXED BY reporting_resolved_seconds"
        " WHERE kind = 'resolved' AND seconds IS NOT NULL AND day BETWEEN :start AND :end"
        " ORDER BY seconds DESC LIMIT :limit",
        {**period.params(), "limit": limit},
    )
    return [(str(r["day"]), float(r["seconds"])) for r in rows]


def overdue_items(conn: Tx, today: date) -> int:
    """Open action items past their due date now (the partial index action_items_open)."""
    rows = named_rows(
        conn,
        "SELECT COUNT(*) AS n FROM action_items WHERE state = 'open' AND due_on < :today",
        {"today": today.isoformat()},
    )
    return int(rows[0]["n"])
