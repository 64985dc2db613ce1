"""The figures of a period: what they are and how they are read off the facts.

A `Figures` holds the period's totals (`total`) and one `Month` per calendar month of the
period, each a flat {figure key: value} mapping with the same keys, so the API, the CSV and
the page walk the same list (`FIGURE_KEYS`). Keys are stable: the definitions
(definitions.toml), the CSV's first column and the page are keyed by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from storage.read_side import figures as facts
from storage.read_side.figures import BUCKETS, Period

WRITERS = ("family", "self", "supporter", "unknown")
CHANNELS = ("line", "web")
LEVELS = ("crisis", "violence", "child")
BUCKET_KEYS = tuple(name for name, _ in BUCKETS)
ACK_WITHIN_SECONDS = 5.0
LONGEST_WAITS = 5

Value = int | float | None

# Every figure of a month, in the order the CSV lists them; "unit" says how to show it and
# whether a small count may point at someone (count: suppressed; share, seconds: they
# follow the count named as their basis).
FIGURES: tuple[tuple[str, str, str | None], ...] = (
    *((f"new_contacts.{w}", "count", None) for w in WRITERS),
    ("new_contacts.total", "count", None),
    *((f"by_channel.{c}", "count", None) for c in CHANNELS),
    ("family_to_self", "count", None),
    ("conversations.opened", "count", None),
    ("conversations.new", "count", None),
    ("conversations.returning", "count", None),
    ("conversations.handed", "count", None),
    ("conversations.resolved", "count", None),
    ("after_hours.first_contacts", "count", None),
    ("after_hours.share", "share", "new_contacts.total"),
    ("first_human_answer.n", "count", None),
    ("first_human_answer.p50_seconds", "seconds", "first_human_answer.n"),
    ("first_human_answer.p90_seconds", "seconds", "first_human_answer.n"),
    *((f"first_human_answer.buckets.{b}", "count", None) for b in BUCKET_KEYS),
    ("first_human_answer_open_hours.n", "count", None),
    ("first_human_answer_open_hours.p50_seconds", "seconds", "first_human_answer_open_hours.n"),
    ("first_human_answer_open_hours.p90_seconds", "seconds", "first_human_answer_open_hours.n"),
    *((f"first_human_answer_open_hours.buckets.{b}", "count", None) for b in BUCKET_KEYS),
    ("acknowledged_within_5s.n", "count", None),
    ("acknowledged_within_5s.within", "count", None),
    ("acknowledged_within_5s.share", "share", "acknowledged_within_5s.n"),
    *((f"danger.{level}", "count", None) for level in LEVELS),
    ("danger_to_person.n", "count", None),
    ("danger_to_person.p50_seconds", "seconds", "danger_to_person.n"),
    ("households.new", "count", None),
    ("conferences.held", "count", None),
    ("conferences.agencies", "count", None),
    ("action_items.done", "count", None),
    ("action_items.done_by_due", "count", None),
    ("action_items.done_by_due_share", "share", "action_items.done"),
)
FIGURE_KEYS = tuple(key for key, _, _ in FIGURES)
UNITS = {key: unit for key, unit, _ in FIGURES}
BASIS = {key: basis for key, _, basis in FIGURES if basis}


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    values: dict[str, Value]


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    total: dict[str, Value]
    months: tuple[Month, ...]
    # Counted once per conversation over the period: {"age_band": {"20s": 3}, ...}.
    intake: dict[str, dict[str, int]]
    agencies: dict[str, int]  # agency as written: conferences it attended
    longest_waits: tuple[tuple[str, float], ...]  # (local day, seconds), longest first
    overdue_now: int

    def to_api(self) -> dict[str, Any]:
        answer = _nest(self.total)
        answer.update(
            {
                "from": self.start.isoformat(),
                "to": self.end.isoformat(),
                "intake": self.intake,
                "agencies": self.agencies,
                "longest_waits": [{"day": d, "seconds": s} for d, s in self.longest_waits],
                "action_items": {**answer.get("action_items", {}), "overdue_now": self.overdue_now},
                "months": [{"month": m.month, **_nest(m.values)} for m in self.months],
            }
        )
        return answer


def _nest(flat: dict[str, Value]) -> dict[str, Any]:
    """{"a.b": 1} → {"a": {"b": 1}}."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *path, last = key.split(".")
        node = nested
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


def months_of(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _share(part: Value, whole: Value) -> float | None:
    if not isinstance(part, int) or not isinstance(whole, int) or whole == 0:
        return None
    return round(part / whole, 4)


def figures_for(conn: Any, start: date, end: date, today: date) -> Figures:
    """The figures of the local days start..end (inclusive); `today` for "overdue now"."""
    period = Period(start, end)
    months = months_of(start, end)
    table: dict[str, dict[str, Value]] = {m: {} for m in [*months, ""]}

    def put_counts(key_of: dict[str, str], found: dict[tuple[str, str], int]) -> None:
        for month in table:
            for value, key in key_of.items():
                if month:
                    n = found.get((month, value), 0)
                else:
                    n = sum(c for (_, v), c in found.items() if v == value)
                table[month][key] = n

    first = facts.counts_by(conn, period, "first_contact", "writer")
    put_counts({w: f"new_contacts.{w}" for w in WRITERS}, first)
    put_counts(
        {c: f"by_channel.{c}" for c in CHANNELS},
        facts.counts_by(conn, period, "first_contact", "channel"),
    )
    for row in table.values():
        row["new_contacts.total"] = sum(int(row[f"new_contacts.{w}"] or 0) for w in WRITERS)
    put_counts({"": "family_to_self"}, facts.counts_by(conn, period, "bridge"))
    put_counts(
        {"0": "conversations.new", "1": "conversations.returning"},
        facts.counts_by(conn, period, "opened", "flag"),
    )
    put_counts({"": "conversations.handed"}, facts.counts_by(conn, period, "handed"))
    put_counts({"": "conversations.resolved"}, facts.counts_by(conn, period, "resolved"))
    put_counts(
        {"1": "after_hours.first_contacts"}, facts.counts_by(conn, period, "first_contact", "flag")
    )
    put_counts(
        {level: f"danger.{level}" for level in LEVELS},
        facts.counts_by(conn, period, "danger", "level"),
    )
    put_counts({"": "households.new"}, facts.counts_by(conn, period, "household"))
    put_counts({"": "conferences.held"}, facts.counts_by(conn, period, "conference"))
    put_counts(
        {"0": "_items_late", "1": "action_items.done_by_due"},
        facts.counts_by(conn, period, "item_done", "flag"),
    )
    agencies = facts.distinct_by(conn, period, "agency", "value")
    for month, row in table.items():
        row["conversations.opened"] = int(row["conversations.new"] or 0) + int(
            row["conversations.returning"] or 0
        )
        row["after_hours.share"] = _share(
            row["after_hours.first_contacts"], row["new_contacts.total"]
        )
        row["conferences.agencies"] = agencies.get(month, 0)
        late = int(row.pop("_items_late") or 0)
        row["action_items.done"] = late + int(row["action_items.done_by_due"] or 0)
        row["action_items.done_by_due_share"] = _share(
            row["action_items.done_by_due"], row["action_items.done"]
        )

    for name, column in (
        ("first_human_answer", "seconds"),
        ("first_human_answer_open_hours", "open_seconds"),
    ):
        put_counts(
            {b: f"{name}.buckets.{b}" for b in BUCKET_KEYS},
            facts.bucket_counts(conn, period, "first_answer", column),
        )
        for row in table.values():
            row[f"{name}.n"] = sum(int(row[f"{name}.buckets.{b}"] or 0) for b in BUCKET_KEYS)
        _, (p50, p90) = facts.percentiles(conn, period, "first_answer", column, (0.5, 0.9))
        table[""][f"{name}.p50_seconds"], table[""][f"{name}.p90_seconds"] = p50, p90
        for month in months:
            one = Period(*_month_bounds(month, start, end))
            _, (m50, m90) = facts.percentiles(conn, one, "first_answer", column, (0.5, 0.9))
            table[month][f"{name}.p50_seconds"], table[month][f"{name}.p90_seconds"] = m50, m90

    acks = facts.sums_by_month(conn, period, "ack", "flag")
    danger_answers = facts.counts_by(conn, period, "danger_answer")
    for month, row in table.items():
        n, within = (
            acks.get(month, (0, 0))
            if month
            else (sum(a for a, _ in acks.values()), sum(b for _, b in acks.values()))
        )
        row["acknowledged_within_5s.n"], row["acknowledged_within_5s.within"] = n, within
        row["acknowledged_within_5s.share"] = _share(within, n)
        row["danger_to_person.n"] = (
            danger_answers.get((month, ""), 0) if month else sum(danger_answers.values())
        )
    _, (d50,) = facts.percentiles(conn, period, "danger_answer", "seconds", (0.5,))
    table[""]["danger_to_person.p50_seconds"] = d50
    for month in months:
        one = Period(*_month_bounds(month, start, end))
        table[month]["danger_to_person.p50_seconds"] = facts.percentiles(
            conn, one, "danger_answer", "seconds", (0.5,)
        )[1][0]

    intake: dict[str, dict[str, int]] = {"age_band": {}, "relation": {}, "topic": {}}
    for (_, value), n in facts.counts_by(conn, period, "intake", "value").items():
        field, _, answer = value.partition(":")
        if field in intake:
            intake[field][answer] = intake[field].get(answer, 0) + n
    agency_counts: dict[str, int] = {}
    for (_, name), n in facts.counts_by(conn, period, "agency", "value").items():
        agency_counts[name] = agency_counts.get(name, 0) + n

    return Figures(
        start=start,
        end=end,
        total={key: table[""][key] for key in FIGURE_KEYS},
        months=tuple(Month(m, {key: table[m][key] for key in FIGURE_KEYS}) for m in months),
        intake={field: dict(sorted(v.items())) for field, v in intake.items()},
        agencies=dict(sorted(agency_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        longest_waits=tuple(facts.longest(conn, period, "resolved", LONGEST_WAITS)),
        overdue_now=facts.overdue_items(conn, today),
    )


def _month_bounds(month: str, start: date, end: date) -> tuple[date, date]:
    """The part of a month inside the period."""
    year, mon = int(month[:4]), int(month[5:])
    first = date(year, mon, 1)
    last = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return max(first, start), min(last - timedelta(days=1), end)
