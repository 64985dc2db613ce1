"""The pages of case conferences: the action items queue, and the one-page summary for
partner agencies, on screen (print CSS, A4) and as PDF (WeasyPrint, staff_console/
summary_pdf.py). The household page shows the conferences and the form that records one
(staff_console/household_pages.py reads `conference_page_data` from here).

The summary is chosen by staff_console/summary.py from the conference's record alone. Every
look is audited (`view_action_items`, `view_conference_summary`); every print or download
first says to whom it goes and is recorded by the desk (`record_summary_shared`): the PDF
here, as a form post that answers with the file, a print through the API before the
browser's print dialog opens.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.app import keys
from staff_console.access import csrf_token, current_staff
from staff_console.api import shapes
from staff_console.api.body import positive_int
from staff_console.api.common import db_of
from staff_console.api.conferences import (
    conference_view,
    conferences_of,
    item_list,
    record_shared,
    today_of,
)
from staff_console.errors import ApiError, sentence
from staff_console.i18n import texts
from staff_console.pages import language_of, signed_in_context
from staff_console.summary import summary_context
from staff_console.summary_pdf import render_pdf_async
from storage import read_side
from storage.read_side.conferences import ConferenceView, QueueState

# The queue's views: the API's state, and whether only the viewer's own items.
VIEWS: dict[str, tuple[QueueState, bool]] = {
    "mine": ("open", True),
    "all": ("open", False),
    "overdue": ("overdue", False),
    "done": ("done", False),
}


def agencies_offered(request: web.Request) -> list[str]:
    """The agencies the form offers as chips, from `[conferences] agencies`."""
    return list(request.config_dict[keys.SETTINGS].conferences.agencies)


async def conference_page_data(request: web.Request, household_id: int) -> dict[str, Any]:
    """What the household page's conference box and form need."""
    colleagues = await db_of(request).read(read_side.colleagues)
    return {
        "conferences": await conferences_of(request, household_id),
        "agencies": agencies_offered(request),
        "colleagues": [shapes.colleague(item) for item in colleagues],
        "today": today_of(request).isoformat(),
    }


async def action_items_page(request: web.Request) -> web.Response:
    view = request.query.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    state, mine = VIEWS[view]
    items = await item_list(request, state, mine)
    colleagues = await db_of(request).read(read_side.colleagues)
    await request.config_dict[keys.DESK].office.record_view(
        current_staff(request).staff.id, action="view_action_items", detail={"view": view}
    )
    data = {
        "view": view,
        "action_items": items,
        "api_path": f"/api/v1/action-items?state={state}" + ("&mine=1" if mine else ""),
        "colleagues": [shapes.colleague(item) for item in colleagues],
        "today": today_of(request).isoformat(),
    }
    context = signed_in_context(request, "action_items", data)
    context.update(view=view, views=tuple(VIEWS))
    return aiohttp_jinja2.render_template("action_items.html", request, context)


def _results_asked(request: web.Request) -> bool:
    return request.query.get("results") in ("1", "true")


def _staff_names(view: ConferenceView) -> dict[int, str]:
    """The staff named on the sheet (the key worker, staff owners), as colleagues know them."""
    names = {view.key_worker.id: view.key_worker.display_name}
    for item in view.action_items:
        if item.owner.staff is not None:
            names[item.owner.staff.id] = item.owner.staff.display_name
    return names


async def _summary_context(
    request: web.Request, conference_id: int, *, pdf: bool
) -> dict[str, Any]:
    """The summary's template context; ApiError(404) when the viewer may not see it."""
    view = await conference_view(request, conference_id)
    language, results = language_of(request), _results_asked(request)
    words = texts(language)
    sheet = summary_context(
        view.to_api(),
        {"id": view.household_id, "number": view.household_number, "label": view.household_label},
        staff_names=_staff_names(view),
        language=language,
        results=results,
        now=request.config_dict[keys.CLOCK].now(),
    )
    return {
        "lang": language,
        "t": words,
        "s": sheet,
        "pdf": pdf,
        "results": results,
        "csrf_token": csrf_token(request),
        "problem": None,
        "shared_with": "",
        "page_data": {
            "conference_id": conference_id,
            "results": results,
            "texts": {
                key: words["summary"][key] for key in ("shared_with_needed", "recorded", "failed")
            }
            | {"network": words["errors"].get("network", "")},
        },
    }


def _missing(request: web.Request) -> web.Response:
    context = signed_in_context(request, "missing", {})
    context.update(missing=texts(language_of(request))["summary"]["not_found"])
    return aiohttp_jinja2.render_template("missing.html", request, context, status=404)


async def summary_page(request: web.Request) -> web.Response:
    try:
        # An id too big for SQLite is no conference's: not found, never a 500.
        conference_id = positive_int(request.match_info["id"], "id")
        context = await _summary_context(request, conference_id, pdf=False)
    except ApiError:
        return _missing(request)
    await request.config_dict[keys.DESK].office.record_view(
        current_staff(request).staff.id,
        action="view_conference_summary",
        detail={
            "household_id": context["s"]["household_id"],
            "conference_id": conference_id,
            "results": context["results"],
        },
    )
    return aiohttp_jinja2.render_template("summary.html", request, context)


async def summary_pdf(request: web.Request) -> web.StreamResponse:
    """The PDF, after the sharing is recorded (a form post from the summary page). A refusal
    (nobody named, a name too long) shows the page again with its sentence: nothing lost."""
    form = await request.post()
    # Spaces folded; the desk refuses an empty or an overlong one with a sentence.
    who = " ".join(str(form.get("shared_with", "")).split())
    try:
        conference_id = positive_int(request.match_info["id"], "id")
        context = await _summary_context(request, conference_id, pdf=True)
    except ApiError:
        return _missing(request)
    try:
        await record_shared(request, conference_id, who, context["results"], "pdf")
    except ApiError as error:
        context.update(
            pdf=False,
            problem=sentence(error.key, language_of(request), **error.values),
            shared_with=who,
        )
        return aiohttp_jinja2.render_template("summary.html", request, context, status=400)
    html = aiohttp_jinja2.render_string("summary.html", request, context)
    pdf = await render_pdf_async(html)
    name = f"conference-{conference_id}{'-results' if context['results'] else ''}.pdf"
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def add_routes(console: web.Application) -> None:
    console.router.add_get("/action-items", action_items_page, name="action_items")
    console.router.add_get(r"/conferences/{id:\d+}/summary", summary_page, name="summary")
    console.router.add_post(r"/conferences/{id:\d+}/summary.pdf", summary_pdf, name="summary_pdf")
