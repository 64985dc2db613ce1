"""The weekly review (`[handoff] assignment = "review"`): new intakes wait, unassigned,
until a supervisor accepts each to a counselor (or a pair) at the review meeting.

    GET  /review          the intakes waiting, newest review's cut-off marked (supervisors)
    POST /review/close    the review is over: the next one lists what comes in after

Accepting is POST /conversations/{id}/accept {"counselor_id", "pair_id"}: the client is
told who answers and when (the handoff's own words).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.app import keys
from staff_console.access import current_staff, supervisors_only
from staff_console.api import shapes
from staff_console.errors import json_answer
from storage import read_side, reviews
from storage.read_side import ConversationView, Viewer
from storage.reviews import Review
from storage.tx import Tx


def waiting_intakes(conn: Tx, viewer: Viewer) -> tuple[Review | None, list[ConversationView], int]:
    """The last review, the intakes waiting for one (oldest first), and how many cases
    were accepted since the last review."""
    last = reviews.last(conn)
    rows = read_side.inbox(conn, viewer, "unassigned", read_side.MAX_ROWS)
    views = [read_side.conversation(conn, viewer, row.id) for row in rows]
    found = [view for view in views if view is not None]
    found.sort(key=lambda v: (v.summary.handed_off_at or v.opened_at, v.summary.id))
    return last, found, reviews.accepted_since(conn, last.closed_at if last else None)


def intake_shape(view: ConversationView, last: Review | None, now: datetime) -> dict[str, Any]:
    handed_off = view.summary.handed_off_at
    return {
        **shapes.inbox_row(view.summary, now),
        "intake": view.intake,
        "handoff_summary": view.handoff_summary,
        "opened_at": shapes.when(view.opened_at),
        # Came in since the last review (else: carried over from an earlier one).
        "new": last is None or (handed_off is not None and handed_off > last.closed_at),
    }


def review_data(
    found: tuple[Review | None, list[ConversationView], int], now: datetime, mode: str
) -> dict[str, Any]:
    last, views, accepted = found
    return {
        "assignment": mode,
        "last_review": {"closed_at": shapes.when(last.closed_at)} if last else None,
        "accepted_since": accepted,
        "intakes": [intake_shape(view, last, now) for view in views],
    }


async def load_review(request: web.Request) -> dict[str, Any]:
    """What the review page shows; the look is audited (it shows intake records)."""
    app, signed_in = request.config_dict, current_staff(request)
    now = app[keys.CLOCK].now()
    found = await app[keys.DB].read(waiting_intakes, signed_in.viewer)
    await app[keys.DESK].office.record_view(
        signed_in.staff.id,
        action="view_review",
        detail={"intakes": [v.summary.id for v in found[1]]},
    )
    return review_data(found, now, app[keys.SETTINGS].handoff.assignment)


@supervisors_only
async def get_review(request: web.Request) -> web.Response:
    return json_answer(await load_review(request))


@supervisors_only
async def close_review(request: web.Request) -> web.Response:
    office = request.config_dict[keys.DESK].office
    closed = await office.close_review(current_staff(request).staff.id)
    return json_answer({"closed_at": shapes.when(closed.at), "accepted": closed.accepted})


def add_routes(api: web.Application) -> None:
    api.router.add_get("/review", get_review)
    api.router.add_post("/review/close", close_review)
