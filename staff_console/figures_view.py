"""What the figures page shows (templates/figures.html), as a pure function of a period's
`Figures` (bot/figures): the headline numbers first, then every figure in its group with
its definition beside it (the core's definitions file, bot/figures/definitions.toml), then
three charts drawn on the server (staff_console/charts.py): new contacts by month and by
who wrote, the time to the first human answer in buckets (overall and in open hours), and
who wrote over the period; then the intake answers and the agencies.

A count, a share and a length of time are each written one way, in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.figures import Figures, definition, label
from bot.figures.figures import BUCKET_KEYS, UNITS, WRITERS
from staff_console import charts
from staff_console.i18n import fill, texts

# The headline numbers at the top of the page, in this order.
HEADLINE = (
    "new_contacts.total",
    "family_to_self",
    "conversations.opened",
    "conversations.handed",
    "first_human_answer.p50_seconds",
    "acknowledged_within_5s.share",
    "households.new",
    "conferences.held",
)

# The page's groups: a heading (`[figures] group_*`) and the figures under it, by key prefix.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("contacts", ("new_contacts.", "by_channel.", "family_to_self", "after_hours.")),
    ("conversations", ("conversations.",)),
    ("answers", ("first_human_answer.", "first_human_answer_open_hours.")),
    ("acknowledgement", ("acknowledged_within_5s.",)),
    ("danger", ("danger.", "danger_to_person.")),
    ("households", ("households.", "conferences.", "action_items.")),
)

INTAKE_FIELDS = ("age_band", "relation", "topic")


def _in_group(key: str, prefixes: Sequence[str]) -> bool:
    return any(key == p or (p.endswith(".") and key.startswith(p)) for p in prefixes)


def duration_words(seconds: float, language: str) -> str:
    """3 h 20 min / 3時間20分; under a minute in seconds; a day or more in days and hours."""
    words = texts(language)["figures"]
    total = round(seconds)
    if total < 60:
        return fill(words["seconds"], n=total)
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return fill(words["minutes"], n=minutes)
    if hours < 24:
        return fill(words["hours_minutes"], h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return fill(words["days_hours"], d=days, h=hours)


def value_words(key: str, value: object, language: str) -> str:
    """A figure's value as the page writes it; "—" for none (nothing to count)."""
    if value is None:
        return "—"
    unit = UNITS.get(key, "count")
    if unit == "share":
        return f"{float(str(value)):.1%}"
    if unit == "seconds":
        return duration_words(float(str(value)), language)
    return f"{int(str(value)):,}"


# The definitions' names say a time is in seconds ("（中央値・秒）", "median (s)"): the page
# writes times in hours and minutes, so it leaves that unit out of the name.
_SECONDS_IN_NAME = re.compile(r"[・,]\s*(?:秒|s)(?=[）)])|\s*\(s\)")


def figure_name(key: str, language: str) -> str:
    name = label(key, language)
    return _SECONDS_IN_NAME.sub("", name) if UNITS.get(key) == "seconds" else name


def _row(key: str, value: object, language: str) -> dict[str, str]:
    return {
        "key": key,
        "label": figure_name(key, language),
        "value": value_words(key, value, language),
        "definition": definition(key, language),
    }


def month_label(month: str, language: str) -> str:
    """2026-04 → 2026年4月 / Apr 2026."""
    year, number = int(month[:4]), int(month[5:])
    return fill(texts(language)["figures"]["month_label"], year=year, month=number)


def month_short(month: str, language: str) -> str:
    """The chart's axis: 4月 / Apr."""
    return texts(language)["figures"][f"month_{int(month[5:])}"]


def _charts(found: Figures, language: str) -> list[dict[str, str]]:
    words = texts(language)["figures"]
    writers = [(label(f"new_contacts.{w}", language), w) for w in WRITERS]
    months = [month_short(m.month, language) for m in found.months]
    monthly = charts.bars(
        months,
        [
            (
                words[f"writer_{w}"],
                [int(str(m.values[f"new_contacts.{w}"] or 0)) for m in found.months],
            )
            for _, w in writers
        ],
        stacked=True,
        no_data=words["no_data"],
        height=360,
    )
    buckets = [words[f"bucket_{b}"] for b in BUCKET_KEYS]
    answer = charts.bars(
        buckets,
        [
            (
                words["overall"],
                [
                    int(str(found.total[f"first_human_answer.buckets.{b}"] or 0))
                    for b in BUCKET_KEYS
                ],
            ),
            (
                words["open_hours"],
                [
                    int(str(found.total[f"first_human_answer_open_hours.buckets.{b}"] or 0))
                    for b in BUCKET_KEYS
                ],
            ),
        ],
        no_data=words["no_data"],
        height=320,
    )
    who = charts.bars(
        [words[f"writer_{w}"] for _, w in writers],
        [
            (
                words["new_contacts"],
                [int(str(found.total[f"new_contacts.{w}"] or 0)) for _, w in writers],
            )
        ],
        horizontal=True,
        no_data=words["no_data"],
        height=250,
    )
    total = found.total
    return [
        {
            "id": "chart-monthly",
            "title": words["chart_monthly"],
            "alt": fill(
                words["chart_monthly_alt"],
                months=len(found.months),
                total=value_words("new_contacts.total", total["new_contacts.total"], language),
            ),
            "src": charts.img_src(monthly),
            "svg_bytes": str(len(monthly)),
        },
        {
            "id": "chart-answer",
            "title": words["chart_answer"],
            "alt": fill(
                words["chart_answer_alt"],
                n=value_words("first_human_answer.n", total["first_human_answer.n"], language),
                p50=value_words(
                    "first_human_answer.p50_seconds",
                    total["first_human_answer.p50_seconds"],
                    language,
                ),
            ),
            "src": charts.img_src(answer),
            "svg_bytes": str(len(answer)),
        },
        {
            "id": "chart-who",
            "title": words["chart_who"],
            "alt": ", ".join(
                words[f"writer_{w}"] + " " + value_words(key, total[key], language)
                for key, w in ((f"new_contacts.{w}", w) for _, w in writers)
            ),
            "src": charts.img_src(who),
            "svg_bytes": str(len(who)),
        },
    ]


def _answer_words(field: str, answer: str, language: str) -> str:
    values = texts(language)["intake_values"]
    return values.get(answer, answer)


def figures_context(found: Figures, language: str) -> dict[str, Any]:
    """Everything the page shows of `found`, in `language`."""
    words = texts(language)["figures"]
    total: Mapping[str, object] = found.total
    overdue_key = "action_items.overdue_now"
    groups = []
    for name, prefixes in GROUPS:
        rows = [_row(key, total[key], language) for key in total if _in_group(key, prefixes)]
        if name == "households":
            rows.append(_row(overdue_key, found.overdue_now, language))
        groups.append({"id": name, "title": words[f"group_{name}"], "rows": rows})
    month_keys = (
        "new_contacts.total",
        *(f"new_contacts.{w}" for w in WRITERS),
        "conversations.opened",
        "conversations.handed",
        "conversations.resolved",
        "first_human_answer.n",
        "family_to_self",
    )
    return {
        "headline": [_row(key, total[key], language) for key in HEADLINE],
        "groups": groups,
        "charts": _charts(found, language),
        "month_table": {
            "months": [month_short(m.month, language) for m in found.months],
            "rows": [
                {
                    "label": figure_name(key, language),
                    "values": [value_words(key, m.values[key], language) for m in found.months],
                    "total": value_words(key, total[key], language),
                }
                for key in month_keys
            ],
        },
        "intake": [
            {
                "id": field,
                "title": label(f"intake.{field}", language),
                "definition": definition(f"intake.{field}", language),
                "rows": [
                    {"label": _answer_words(field, answer, language), "value": f"{n:,}"}
                    for answer, n in sorted(
                        found.intake.get(field, {}).items(), key=lambda kv: -kv[1]
                    )
                ],
            }
            for field in INTAKE_FIELDS
        ],
        "agencies": {
            "title": label("agencies", language),
            "definition": definition("agencies", language),
            "rows": [{"label": name, "value": f"{n:,}"} for name, n in found.agencies.items()],
        },
        "longest_waits": {
            "title": label("longest_waits", language),
            "definition": definition("longest_waits", language),
            "rows": [
                {"label": day, "value": duration_words(seconds, language)}
                for day, seconds in found.longest_waits
            ],
        },
    }
