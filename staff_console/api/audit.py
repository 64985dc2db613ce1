"""The audit log for supervisors and admins; looking at it is itself audited."""

from __future__ import annotations

from datetime import date, datetime

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff, supervisors_only
from staff_console.api import shapes
from staff_console.api.body import positive_int
from staff_console.api.common import db_of, limit_of
from staff_console.api.notes import day_bounds
from staff_console.errors import ApiError, json_answer
from storage import read_side
from storage.tx import Tx


def _time_filter(raw: str | None, *, end: bool) -> datetime | None:
    """A local day's start (for `since`) or the next day's start (for `until`)."""
    if raw is None or raw == "":
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_day") from None
    start, next_day = day_bounds(day)
    return next_day if end else start


@supervisors_only
async def list_audit(request: web.Request) -> web.Response:
    """?conversation=ID&staff=ID&action=NAME&since=YYYY-MM-DD&until=YYYY-MM-DD"""
    query = request.query
    conversation_id = (
        positive_int(query["conversation"], "conversation") if query.get("conversation") else None
    )
    staff_id = positive_int(query["staff"], "staff") if query.get("staff") else None
    action = query.get("action") or None
    start = _time_filter(query.get("since"), end=False)
    end = _time_filter(query.get("until"), end=True)
    signed_in, db = current_staff(request), db_of(request)

    def read(conn: Tx) -> tuple[list[read_side.AuditEntry], list[str]]:
        entries = read_side.audit_entries(
            conn,
            conversation_id,
            limit_of(request),
            staff_id=staff_id,
            action=action,
            start=start,
            end=end,
        )
        return entries, read_side.audit_actions(conn)

    entries, actions = await db.read(read)
    # Looking at who looked is itself a look.
    shown = {k: v for k, v in query.items() if k in ("staff", "action", "since", "until")}
    await request.config_dict[keys.DESK].office.record_view(
        signed_in.staff.id,
        action="view_audit",
        conversation_id=conversation_id,
        detail=shown or None,
    )
    return json_answer(
        {"audit": [shapes.audit_entry(entry) for entry in entries], "actions": actions}
    )


def add_routes(api: web.Application) -> None:
    api.router.add_get("/audit", list_audit)
