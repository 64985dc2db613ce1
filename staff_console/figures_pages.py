"""The year in figures (年間の数字), for supervisors and admins: `/console/figures`.

The period picker (staff_console/period.py) chooses the days; the core counts them
(`bot.figures.figures_for`, from the reporting facts, never from messages); what the page
shows is chosen by staff_console/figures_view.py, drawn by templates/figures.html and
printed on A4 as the annual report's statistics pages (static/figures.css). Looking is
audited like the API's look (`view_figures`, with `as: page`). Counselors get a 403 page
that says so (`supervisors_page`, as for the other supervisors' pages).
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.app import keys
from bot.figures import Figures, figures_for
from bot.runtime.clock import TOKYO
from staff_console.access import current_staff
from staff_console.api.common import db_of, now_of
from staff_console.figures_view import figures_context, month_label
from staff_console.i18n import fill, texts
from staff_console.pages import language_of, signed_in_context, supervisors_page
from staff_console.period import Period, PeriodError, fiscal_years, month, period_of
from storage.tx import Tx

# The fiscal years the picker offers go back to this one at the earliest.
FIRST_FISCAL_DAY = date(2020, 4, 1)


def _period_words(period: Period, language: str) -> str:
    words = texts(language)["figures"]
    if period.kind == "fiscal_year":
        return fill(words["fiscal_year_label"], year=period.fiscal_year)
    if period.kind in ("month", "this_month"):
        return month_label(period.start.strftime("%Y-%m"), language)
    return fill(words["dates_label"], start=period.start.isoformat(), end=period.end.isoformat())


@supervisors_page
async def figures_page(request: web.Request) -> web.Response:
    language = language_of(request)
    today = now_of(request).astimezone(TOKYO).date()
    problem = None
    try:
        period = period_of(request.query, today)
    except PeriodError as error:
        # Said in a sentence; this month is shown, and the form keeps what was typed.
        problem = texts(language)["figures"][f"problem_{error.key}"]
        period = month(today.year, today.month, "this_month")

    def read(conn: Tx) -> Figures:
        return figures_for(conn, period.start, period.end, today)

    found = await db_of(request).read(read)
    await request.config_dict[keys.DESK].office.record_view(
        current_staff(request).staff.id,
        action="view_figures",
        detail={**period.query(), "as": "page"},
    )
    api_query = urlencode(period.query())
    context = signed_in_context(request, "figures", {})
    context.update(
        f=figures_context(found, language),
        period=period,
        period_words=_period_words(period, language),
        problem=problem,
        asked={
            "period": request.query.get("period", period.kind),
            "month": request.query.get("month", today.strftime("%Y-%m")),
            "fy": request.query.get("fy", str(fiscal_years(today, today)[0])),
            "from": request.query.get("from", period.start.isoformat()),
            "to": request.query.get("to", period.end.isoformat()),
        },
        fiscal_years=fiscal_years(FIRST_FISCAL_DAY, today),
        csv_url=f"/api/v1/figures.csv?{api_query}",
        publish_url=f"/api/v1/figures.csv?{api_query}&publish=1",
        suppress_below=request.config_dict[keys.SETTINGS].figures.suppress_below,
        made_at=now_of(request).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M"),
    )
    return aiohttp_jinja2.render_template("figures.html", request, context)


def add_routes(console: web.Application) -> None:
    console.router.add_get("/figures", figures_page, name="figures")
