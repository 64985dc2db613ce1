"""The figures of a period: what they are and how they are read off the facts.

A `Figures` holds the period's totals (`total`) and one `Month` per calendar month of the
period, each a flat {figure key: value} mapping with the same keys, so the API, the CSV and
the page walk the same list (`FIGURE_KEYS`). Keys are stable: the definitions
(definitions.toml), the CSV's first column and the page are keyed by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.read_side import figures as facts
from storage.read_side.figures import BUCKETS, Period
from storage.tx import Tx

WRITERS = ("family", "self", "supporter", "unknown")
CHANNELS = ("line", "web")
LEVELS = ("crisis", "violence", "child")
BUCKET_KEYS = tuple(name for name, _ in BUCKETS)
ACK_WITHIN_SECONDS = 5.0
LONGEST_WAITS = 5
INTAKE_FIELDS = ("age_band", "relation", "topic")

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
    ("conversations.reopened", "count", None),
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
# Percentiles are read for the whole period only: a month's would walk the year's waits
# once per month (the months carry the buckets instead).
PERIOD_ONLY = frozenset(key for key in FIGURE_KEYS if key.endswith("_seconds"))
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
    # The same breakdowns by month, for the CSV: {"intake.age_band": {"40s": {month: n}}}
    # ("" is the period), and "agencies" the same way.
    breakdowns: dict[str, dict[str, dict[str, int]]]
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


def figures_for(conn: Tx, start: date, end: date, today: date) -> Figures:
    """The figures of the local days start..end (inclusive); `today` for "overdue now"."""
    period = Period(start, end)
    months = months_of(start, end)
    table: dict[str, dict[str, Value]] = {m: {} for m in [*months, ""]}

    def put(counter: str, key_of: dict[str, str]) -> None:
        found = facts.counts(conn, period, counter)
        for month, row in table.items():
            for group, key in key_of.items():
                row[key] = (
                    found.get((month, group), 0)
                    if month
                    else sum(n for (_, g), n in found.items() if g == group)
                )

    put("first_contact.writer", {w: f"new_contacts.{w}" for w in WRITERS})
    put("first_contact.channel", {c: f"by_channel.{c}" for c in CHANNELS})
    put("first_contact.after_hours", {"1": "after_hours.first_contacts"})
    put("bridge", {"": "family_to_self"})
    put("opened", {"0": "conversations.new", "1": "conversations.returning"})
    put("reopened", {"": "conversations.reopened"})
    put("handed", {"": "conversations.handed"})
    put("resolved", {"": "conversations.resolved"})
    put("danger", {level: f"danger.{level}" for level in LEVELS})
    put("danger_answer", {"": "danger_to_person.n"})
    put("household", {"": "households.new"})
    put("conference", {"": "conferences.held"})
    put("item_done", {"0": "_late", "1": "action_items.done_by_due"})
    put("ack", {"0": "_slow", "1": "acknowledged_within_5s.within"})
    for name, counter in (
        ("first_human_answer", "first_answer.clock"),
        ("first_human_answer_open_hours", "first_answer.open"),
    ):
        put(counter, {b: f"{name}.buckets.{b}" for b in BUCKET_KEYS})
    agencies = facts.counts(conn, period, "agency")
    for month, row in table.items():
        row["new_contacts.total"] = sum(_int(row[f"new_contacts.{w}"]) for w in WRITERS)
        row["after_hours.share"] = _share(
            row["after_hours.first_contacts"], row["new_contacts.total"]
        )
        row["conversations.opened"] = _int(row["conversations.new"]) + _int(
            row["conversations.returning"]
        )
        within = _int(row["acknowledged_within_5s.within"])
        row["acknowledged_within_5s.n"] = within + _int(row.pop("_slow"))
        row["acknowledged_within_5s.share"] = _share(within, row["acknowledged_within_5s.n"])
        by_due = _int(row["action_items.done_by_due"])
        row["action_items.done"] = by_due + _int(row.pop("_late"))
        row["action_items.done_by_due_share"] = _share(by_due, row["action_items.done"])
        row["conferences.agencies"] = len({g for (m, g) in agencies if m == month or not month})
        for name in ("first_human_answer", "first_human_answer_open_hours"):
            row[f"{name}.n"] = sum(_int(row[f"{name}.buckets.{b}"]) for b in BUCKET_KEYS)

    total = table[""]
    for name, column in (
        ("first_human_answer", "seconds"),
        ("first_human_answer_open_hours", "open_seconds"),
    ):
        p50, p90 = facts.percentiles(
            conn, period, "first_answer", column, _int(total[f"{name}.n"]), (0.5, 0.9)
        )
        total[f"{name}.p50_seconds"], total[f"{name}.p90_seconds"] = p50, p90
    (total["danger_to_person.p50_seconds"],) = facts.percentiles(
        conn, period, "danger_answer", "seconds", _int(total["danger_to_person.n"]), (0.5,)
    )

    breakdowns: dict[str, dict[str, dict[str, int]]] = {
        f"intake.{field}": {} for field in INTAKE_FIELDS
    }
    breakdowns["agencies"] = {}
    for (month, value), n in facts.counts(conn, period, "intake").items():
        field, _, answer = value.partition(":")
        if field in INTAKE_FIELDS:
            _add_to(breakdowns[f"intake.{field}"], answer, month, n)
    for (month, agency), n in agencies.items():
        _add_to(breakdowns["agencies"], agency, month, n)
    intake = {
        field: {v: by[""] for v, by in sorted(breakdowns[f"intake.{field}"].items())}
        for field in INTAKE_FIELDS
    }
    agency_counts = {a: by[""] for a, by in breakdowns["agencies"].items()}

    return Figures(
        start=start,
        end=end,
        total={key: total[key] for key in FIGURE_KEYS},
        months=tuple(
            Month(m, {key: table[m][key] for key in FIGURE_KEYS if key not in PERIOD_ONLY})
            for m in months
        ),
        intake={field: dict(sorted(v.items())) for field, v in intake.items()},
        agencies=dict(sorted(agency_counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        longest_waits=tuple(facts.longest(conn, period, LONGEST_WAITS)),
        overdue_now=facts.overdue_items(conn, today),
        breakdowns={key: dict(sorted(values.items())) for key, values in breakdowns.items()},
    )


def _add_to(table: dict[str, dict[str, int]], value: str, month: str, n: int) -> None:
    counts = table.setdefault(value, {})
    counts[month] = counts.get(month, 0) + n
    counts[""] = counts.get("", 0) + n


def _int(value: Value) -> int:
    return value if isinstance(value, int) else 0
