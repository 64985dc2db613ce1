"""Alerts: the signed-in staff member's, one marked seen (through the office,
bot/conversation/office.py), and every alert for supervisors."""

from __future__ import annotations

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff, supervisors_only
from staff_console.api import shapes
from staff_console.api.body import positive_int
from staff_console.api.common import db_of, limit_of
from staff_console.errors import ApiError, json_answer
from storage import read_side


async def list_alerts(request: web.Request) -> web.Response:
    include_seen = request.query.get("all") in ("1", "true")
    found = await db_of(request).read(
        lambda conn: read_side.alerts(
            conn, current_staff(request).viewer, include_seen=include_seen, limit=limit_of(request)
        )
    )
    return json_answer({"alerts": [shapes.alert(item) for item in found]})


async def alert_seen(request: web.Request) -> web.Response:
    alert_id = positive_int(request.match_info["alert_id"], "alert_id")
    office = request.config_dict[keys.DESK].office
    if not await office.see_alerts(current_staff(request).viewer, [alert_id]):
        raise ApiError(404, "no_alert")
    return json_answer({"seen": True})


@supervisors_only
async def alerts_history(request: web.Request) -> web.Response:
    """Every alert, seen or not, with whom it was for (supervisors): ?kind=NAME"""
    kind = request.query.get("kind") or None
    found = await db_of(request).read(
        lambda conn: read_side.alerts_history(conn, kind=kind, limit=limit_of(request))
    )
    return json_answer(
        {
            "alerts": [
                {**shapes.alert(r.alert), "addressee": shapes.staff_ref(r.addressee)} for r in found
            ]
        }
    )


def add_routes(api: web.Application) -> None:
    api.router.add_get("/alerts", list_alerts)
    api.router.add_post("/alerts/{alert_id}/seen", alert_seen)
    api.router.add_get("/alerts/history", alerts_history)
