"""The year's figures for supervisors and admins: JSON and CSV; every look is audited."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.app import keys
from bot.figures import Figures, figures_csv, figures_for
from bot.runtime.clock import TOKYO
from staff_console.access import current_staff, supervisors_only
from staff_console.api.common import db_of, now_of
from staff_console.errors import ApiError, json_answer
from storage.tx import Tx

# A period longer than this is refused: the page offers a fiscal year at most.
MAX_DAYS = 3 * 366


def _day(request: web.Request, name: str) -> date:
    raw = request.query.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_figures_day", name=name) from None


def _period(request: web.Request) -> tuple[date, date]:
    start, end = _day(request, "from"), _day(request, "to")
    if end < start or (end - start).days >= MAX_DAYS:
        raise ApiError(400, "bad_figures_period")
    return start, end


async def _figures(request: web.Request, action_detail: dict[str, str]) -> Figures:
    start, end = _period(request)
    today = now_of(request).astimezone(TOKYO).date()

    def read(conn: Tx) -> Figures:
        return figures_for(conn, start, end, today)

    found = await db_of(request).read(read)
    await request.config_dict[keys.DESK].office.record_view(
        current_staff(request).staff.id,
        action="view_figures",
        conversation_id=None,
        detail={"from": start.isoformat(), "to": end.isoformat(), **action_detail},
    )
    return found


@supervisors_only
async def get_figures(request: web.Request) -> web.Response:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (local days, both included)"""
    return json_answer((await _figures(request, {"as": "json"})).to_api())


@supervisors_only
async def get_figures_csv(request: web.Request) -> web.Response:
    """?from=..&to=..[&publish=1][&lang=en]"""
    publish = request.query.get("publish", "") in ("1", "true")
    language = "en" if request.query.get("lang") == "en" else "ja"
    found = await _figures(request, {"as": "csv_publish" if publish else "csv"})
    below = request.config_dict[keys.SETTINGS].figures.suppress_below
    body = figures_csv(found, publish=publish, suppress_below=below, language=language)
    suffix = "_publish" if publish else ""
    name = f"figures_{found.start.isoformat()}_{found.end.isoformat()}{suffix}.csv"
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_routes(api: web.Application) -> None:
    api.router.add_get("/figures", get_figures)
    api.router.add_get("/figures.csv", get_figures_csv)
