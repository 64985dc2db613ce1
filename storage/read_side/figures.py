"""The year's figures read from the facts table (migration 0015), never from messages.

Every query is one kind over a range of local days (the index `reporting_events_by_kind_day`)
grouped by month in SQL; only a few dozen rows come back. Percentiles are the nearest rank,
read with ORDER BY ... LIMIT 1 OFFSET k over the period's rows of one kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.tx import Tx, named_rows

# Upper bounds (seconds, exclusive) of the first-answer buckets; the last is open.
BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("under_1h", 3600.0),
    ("1h_4h", 4 * 3600.0),
    ("4h_8h", 8 * 3600.0),
    ("8h_24h", 24 * 3600.0),
    ("over_24h", None),
)

_MONTH = "substr(day, 1, 7)"
_PERIOD = "kind = :kind AND day BETWEEN :start AND :end"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def params(self, kind: str) -> dict[str, str]:
        return {"kind": kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


def counts_by(
    conn: Tx, period: Period, kind: str, column: str | None = None
) -> dict[tuple[str, str], int]:
    """{(month, value of `column` or ''): number of facts}."""
    group = column or "''"
    rows = named_rows(
        conn,
        # `grp`, not `value`: GROUP BY would read the table's own `value` column.
        f"SELECT {_MONTH} AS month, COALESCE({group}, '') AS grp, COUNT(*) AS n"
        f" FROM reporting_events WHERE {_PERIOD} GROUP BY month, grp",
        period.params(kind),
    )
    return {(str(r["month"]), str(r["grp"])): int(r["n"]) for r in rows}


def distinct_by(conn: Tx, period: Period, kind: str, column: str) -> dict[str, int]:
    """{month: number of distinct values of `column`}, and '' for the whole period."""
    params = period.params(kind)
    rows = named_rows(
        conn,
        f"SELECT {_MONTH} AS month, COUNT(DISTINCT {column}) AS n FROM reporting_events"
        f" WHERE {_PERIOD} GROUP BY month",
        params,
    )
    found = {str(r["month"]): int(r["n"]) for r in rows}
    total = named_rows(
        conn,
        f"SELECT COUNT(DISTINCT {column}) AS n FROM reporting_events WHERE {_PERIOD}",
        params,
    )
    found[""] = int(total[0]["n"])
    return found


def bucket_counts(conn: Tx, period: Period, kind: str, column: str) -> dict[tuple[str, str], int]:
    """{(month, bucket): number of facts whose `column` (seconds) falls in the bucket}."""
    cases = " ".join(
        f"WHEN {column} < {bound} THEN '{name}'" for name, bound in BUCKETS if bound is not None
    )
    last = BUCKETS[-1][0]
    rows = named_rows(
        conn,
        f"SELECT {_MONTH} AS month, CASE {cases} ELSE '{last}' END AS bucket, COUNT(*) AS n"
        f" FROM reporting_events WHERE {_PERIOD} AND {column} IS NOT NULL"
        " GROUP BY month, bucket",
        period.params(kind),
    )
    return {(str(r["month"]), str(r["bucket"])): int(r["n"]) for r in rows}


def percentiles(
    conn: Tx, period: Period, kind: str, column: str, ranks: tuple[float, ...]
) -> tuple[int, tuple[float | None, ...]]:
    """(n, the nearest-rank value of `column` at each rank) over the period."""
    params = period.params(kind)
    where = f"{_PERIOD} AND {column} IS NOT NULL"
    n = int(
        named_rows(conn, f"SELECT COUNT(*) AS n FROM reporting_events WHERE {where}", params)[0][
            "n"
        ]
    )
    values: list[float | None] = []
    for rank in ranks:
        if n == 0:
            values.append(None)
            continue
        # Nearest rank: the smallest value with at least rank * n values at or below it.
        offset = max(0, -int(-rank * n // 1) - 1)
        row = named_rows(
            conn,
            f"SELECT {column} AS v FROM reporting_events WHERE {where}"
            f" ORDER BY {column} LIMIT 1 OFFSET {offset}",
            params,
        )
        values.append(float(row[0]["v"]))
    return n, tuple(values)


def sums_by_month(conn: Tx, period: Period, kind: str, column: str) -> dict[str, tuple[int, int]]:
    """{month: (facts, facts with `column` = 1)} (flags such as after hours, within 5 s)."""
    rows = named_rows(
        conn,
        f"SELECT {_MONTH} AS month, COUNT(*) AS n, COALESCE(SUM({column} = 1), 0) AS yes"
        f" FROM reporting_events WHERE {_PERIOD} GROUP BY month",
        period.params(kind),
    )
    return {str(r["month"]): (int(r["n"]), int(r["yes"])) for r in rows}


def longest(conn: Tx, period: Period, kind: str, limit: int) -> list[tuple[str, float]]:
    """The `limit` largest `seconds` of a kind in the period, as (day, seconds)."""
    rows = named_rows(
        conn,
        f"SELECT day, seconds FROM reporting_events WHERE {_PERIOD} AND seconds IS NOT NULL"
        " ORDER BY seconds DESC LIMIT :limit",
        {**period.params(kind), "limit": limit},
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
