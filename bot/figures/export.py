"""Every figure by month as CSV (UTF-8 with a BOM, so Excel in Japan opens it).

The publish variant shows a count from 1 to `suppress_below - 1` as 「3未満」 ("under 3"),
and a share or a time whose basis count is that small the same way, so a small ward can
publish the table without pointing at anyone. Zero stays 0: it points at nobody.
"""

from __future__ import annotations

import csv
import io

from bot.figures.definitions import label, under_text
from bot.figures.figures import BASIS, FIGURE_KEYS, UNITS, Figures, Value


def figures_csv(figures: Figures, publish: bool, suppress_below: int, language: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    months = [m.month for m in figures.months]
    writer.writerow(
        [
            label("csv.key", language),
            label("csv.figure", language),
            *months,
            label("csv.total", language),
        ]
    )
    columns = [m.values for m in figures.months] + [figures.total]
    for key in FIGURE_KEYS:
        cells = [_cell(key, values, publish, suppress_below, language) for values in columns]
        writer.writerow([key, label(key, language), *cells])
    # The intake's answers and the agencies, one row a value (choice ids, agencies as
    # written): counts like any other, so the publish variant hides the small ones too.
    for name, values in figures.breakdowns.items():
        for value, by_month in values.items():
            cells = [
                _count_cell(by_month.get(month, 0), publish, suppress_below, language)
                for month in [*months, ""]
            ]
            writer.writerow([f"{name}.{value}", f"{label(name, language)}: {value}", *cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _count_cell(n: int, publish: bool, below: int, language: str) -> str:
    return under_text(below, language) if publish and _small(n, below) else str(n)


def _small(value: Value, suppress_below: int) -> bool:
    return isinstance(value, int) and 0 < value < suppress_below


def _cell(key: str, values: dict[str, Value], publish: bool, below: int, language: str) -> str:
    value = values.get(key)
    if key not in values:
        return ""  # a figure of the whole period only (percentiles)
    if publish:
        basis = BASIS.get(key)
        if _small(value if UNITS[key] == "count" else values.get(basis or ""), below):
            return under_text(below, language)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if UNITS[key] == "share" else f"{value:.0f}"
    return str(value)
