"""The year's figures (issue 22): read off the facts and their daily counts, never messages.

`figures_for` reads a period's figures (`Figures`, `to_api()` for the JSON API);
`figures_csv` writes them by month; `definitions` holds each figure's name and its
one-sentence definition, Japanese first, keyed by the figure's stable key.
"""

from bot.figures.definitions import definition, label
from bot.figures.export import figures_csv
from bot.figures.figures import FIGURE_KEYS, PERIOD_ONLY, UNITS, Figures, figures_for, months_of

__all__ = [
    "FIGURE_KEYS",
    "PERIOD_ONLY",
    "UNITS",
    "Figures",
    "definition",
    "figures_csv",
    "figures_for",
    "label",
    "months_of",
]
