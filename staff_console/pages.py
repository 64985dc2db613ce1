"""The console's pages: sign-in, the inbox (the home page), one conversation.

Server-rendered with jinja2, autoescape on. Each page embeds its first data as a JSON data
block (`<script type="application/json">`: never executed, so the CSP without inline script
holds) and static/js draws it with textContent, never innerHTML. After that, every
server-sent event makes the page fetch what it shows from the JSON API.
Sign-in and sign-out are plain HTML forms: they work before any script has loaded.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.app import keys
from flows.intake import Intake
from staff_console import actions
from staff_console.access import (
    csrf_token,
    current_staff,
    public,
    sessions_of,
    set_session_cookie,
    sign_out,
)
from staff_console.api import shapes
from staff_console.api.conversations import queue_view
from staff_console.api.finding import (
    AGE_BANDS,
    CHANNELS,
    RELATIONSHIPS,
    STATUSES,
    WRITER_CHOICES,
    filter_query,
    inbox_filter,
)
from staff_console.api.households import household_ref
from staff_console.api.notes import day_of, handover_day
from staff_console.api.review import load_review
from staff_console.errors import ApiError, sentence
from staff_console.i18n import DEFAULT_LANGUAGE, LANGUAGES, fill, texts
from staff_console.keys import HUB, PRESENCE
from storage import read_side

_HERE = Path(__file__).parent
LANGUAGE_COOKIE = "tobira_lang"
QUEUES = ("waiting", "unassigned", "mine", "urgent", "all", "resolved")
_HOME = "/console/"
_ONE_YEAR = 365 * 24 * 3600


def setup_pages(console: web.Application) -> None:
    """Add the jinja2 environment, /console/static/ and the page routes to `console`."""
    env = aiohttp_jinja2.setup(
        console,
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fill"] = lambda template, **values: fill(str(template), **values)
    console.router.add_static("/static/", _HERE / "static", name="static")
    console.router.add_get("/", inbox, name="inbox")
    console.router.add_get("/login", login_page, name="login")
    console.router.add_post("/login", login_submit)
    console.router.add_post("/logout", logout)
    console.router.add_get(r"/conversations/{id:\d+}", conversation_page, name="conversation")
    console.router.add_get("/handover", handover_page, name="handover")
    console.router.add_get("/saved-replies", saved_replies_page, name="saved_replies")
    console.router.add_get("/review", review_page, name="review")
    console.router.add_get("/staff", staff_page, name="staff")
    console.router.add_get("/audit", audit_page, name="audit")
    console.router.add_get("/language/{code}", choose_language, name="language")


def language_of(request: web.Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site (`//evil`, `https://...`)."""
    if not target or not target.startswith(_HOME) or target.startswith("//") or "\\" in target:
        return _HOME
    return target


def _base_context(request: web.Request, page: str) -> dict[str, Any]:
    language = language_of(request)
    return {
        "lang": language,
        "other_lang": next(code for code in LANGUAGES if code != language),
        "t": texts(language),
        "page": page,
        # The whole address as one `next` value: a page with several query parameters (the
        # figures' period, the inbox's filters) comes back with all of them.
        "here": quote(request.path_qs, safe="/"),
    }


def organisation_names(request: web.Request, language: str) -> dict[str, str]:
    """Each organisation's name from the configuration (staff read names, never ids)."""
    return {
        org.id: (org.name_en or org.name) if language == "en" else org.name
        for org in request.config_dict[keys.SETTINGS].handoff.organizations
    }


def signed_in_context(request: web.Request, page: str, data: dict[str, Any]) -> dict[str, Any]:
    signed = current_staff(request)
    context = _base_context(request, page)
    member = signed.staff
    can_supervise = member.role.can_supervise  # the pages ask this, never the role
    context.update(
        staff=member,
        can_supervise=can_supervise,
        csrf_token=csrf_token(request),
        # What the scripts need: who is looking, the server's clock, the page's first data.
        page_data={
            "page": page,
            "lang": context["lang"],
            "staff": {
                "id": member.id,
                "display_name": member.display_name,
                "role": member.role,
                "can_supervise": can_supervise,
            },
            "now": request.config_dict[keys.CLOCK].now().isoformat(),
            "organisations": organisation_names(request, context["lang"]),
            # The intake record's fields, in order: the scripts keep no list of their own.
            "intake_fields": [field.name for field in dataclasses.fields(Intake)],
            # The longest answer the channels take (the strictest channel's message).
            "answer_max_chars": request.config_dict[keys.CHANNELS].answer_max_chars,
            **data,
        },
    )
    return context


async def inbox(request: web.Request) -> web.Response:
    """A queue, narrowed by the search form's filters (the API's query parameters)."""
    queue = request.query.get("queue", "waiting")
    if queue not in QUEUES:
        queue = "waiting"
    problem = None
    try:
        found, filters = inbox_filter(request.query), filter_query(request.query)
    except ApiError as error:
        # A hand-edited address: the plain queue, and a sentence saying what was wrong.
        found, filters = None, {}
        problem = sentence(error.key, language_of(request), **error.values)
    signed = current_staff(request)
    now = request.config_dict[keys.CLOCK].now()
    db = request.config_dict[keys.DB]
    rows, counts = await db.read(queue_view, signed.viewer, queue, read_side.DEFAULT_ROWS, found)
    colleagues = await db.read(read_side.colleagues)
    # A person looked at this list: audited as the API audits it.
    await request.config_dict[keys.DESK].office.record_view(
        signed.staff.id, action="view_queue", detail={"queue": queue, **filters}
    )
    data = {
        "queue": queue,
        "filters": filters,
        "counts": counts,
        "conversations": [shapes.inbox_row(row, now) for row in rows],
    }
    context = signed_in_context(request, "inbox", data)
    context.update(
        queue=queue,
        queues=QUEUES,
        filters=filters,
        problem=problem,
        choices={
            "writer": WRITER_CHOICES,
            "channel": CHANNELS,
            "status": STATUSES,
            "age_band": AGE_BANDS,
            "relationship": RELATIONSHIPS,
        },
        counselors=[c for c in colleagues if c.role == "counselor" or c.id == signed.staff.id],
    )
    return aiohttp_jinja2.render_template("inbox.html", request, context)


async def conversation_page(request: web.Request) -> web.Response:
    conversation_id = int(request.match_info["id"])
    view = await actions.open_conversation(request, conversation_id)
    if view is None:
        context = signed_in_context(request, "missing", {})
        return aiohttp_jinja2.render_template("missing.html", request, context, status=404)
    now = request.config_dict[keys.CLOCK].now()
    colleagues = await request.config_dict[keys.DB].read(read_side.colleagues)
    data = {
        "conversation": shapes.conversation_detail(
            view,
            now,
            shapes.tap_reader(request.config_dict[keys.DESK].flows, view.language),
            await household_ref(request, conversation_id),
        ),
        # Whom a handover note can be addressed to.
        "colleagues": [shapes.colleague(item) for item in colleagues],
    }
    context = signed_in_context(request, "conversation", data)
    context.update(conversation_id=conversation_id)
    return aiohttp_jinja2.render_template("conversation.html", request, context)


async def handover_page(request: web.Request) -> web.Response:
    """One day's handover notes (申し送り); today unless ?day=YYYY-MM-DD."""
    now = request.config_dict[keys.CLOCK].now()
    try:
        day = day_of(request.query.get("day"), now)
    except ApiError:
        raise web.HTTPSeeOther("/console/handover") from None
    found = await handover_day(request, day)
    data = {"day": day.isoformat(), "notes": [shapes.note(note) for note in found]}
    context = signed_in_context(request, "handover", data)
    language = language_of(request)
    context.update(
        day_label=f"{day.month}月{day.day}日" if language == "ja" else day.strftime("%d %b %Y"),
        previous_day=(day - timedelta(days=1)).isoformat(),
        next_day=(day + timedelta(days=1)).isoformat(),
    )
    return aiohttp_jinja2.render_template("handover.html", request, context)


PageHandler = Callable[[web.Request], Awaitable[web.Response]]


def supervisors_page(handler: PageHandler) -> PageHandler:
    """A page for supervisors and admins: anyone else gets a 403 page that says so in words,
    with the way back (the API's `@supervisors_only` answers JSON, which a page cannot show)."""

    async def checked(request: web.Request) -> web.Response:
        if not current_staff(request).staff.role.can_supervise:
            context = signed_in_context(request, "missing", {})
            context.update(missing=texts(language_of(request))["pages"]["supervisors_only"])
            return aiohttp_jinja2.render_template("missing.html", request, context, status=403)
        return await handler(request)

    checked.__name__ = handler.__name__
    checked.__doc__ = handler.__doc__
    return checked


async def saved_replies_page(request: web.Request) -> web.Response:
    """Saved replies (定型文): the page fetches them from the API."""
    context = signed_in_context(request, "saved_replies", {})
    return aiohttp_jinja2.render_template("saved_replies.html", request, context)


@supervisors_page
async def review_page(request: web.Request) -> web.Response:
    """The weekly review: new intakes, each accepted to a counselor (and a pair)."""
    data = await load_review(request)
    colleagues = await request.config_dict[keys.DB].read(read_side.colleagues)
    context = signed_in_context(
        request,
        "review",
        {"review": data, "colleagues": [shapes.colleague(item) for item in colleagues]},
    )
    # Said plainly: with automatic assignment, nothing waits here for a supervisor.
    context.update(review_off=data["assignment"] != "review")
    return aiohttp_jinja2.render_template("review.html", request, context)


@supervisors_page
async def staff_page(request: web.Request) -> web.Response:
    """Supervisors: who works today, on leave or covering; leave is set here."""
    context = signed_in_context(request, "staff", {})
    return aiohttp_jinja2.render_template("staff.html", request, context)


@supervisors_page
async def audit_page(request: web.Request) -> web.Response:
    """Supervisors: the audit log with filters and the alerts history (the API audits
    each look at the log)."""
    context = signed_in_context(request, "audit", {})
    return aiohttp_jinja2.render_template("audit.html", request, context)


@public
async def login_page(request: web.Request) -> web.Response:
    notice = request.query.get("notice")
    return _render_login(request, error=None, notice=notice if notice in _NOTICES else None)


_NOTICES = ("signed_out", "expired")
# What the sign-in answers mean, in the words of signin.* (never whether a login exists).
_ERRORS = {"wrong": "bad_credentials", "locked": "locked", "missing": "missing"}


@public
async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    login = str(form.get("login", "")).strip()
    password = str(form.get("password", ""))
    if not login or not password:
        return _render_login(request, error="missing", login=login, status=400)
    result = await sessions_of(request).sign_in(login, password)
    if result.token is None:
        status = 429 if result.error == "locked" else 401
        locked_for = result.locked_for or request.config_dict[keys.SETTINGS].console.lockout_for
        return _render_login(
            request,
            error=result.error or "wrong",
            login=login,
            status=status,
            # Say when to try again (TONE: a time, not "later"), rounded up to a minute.
            minutes=max(1, math.ceil(locked_for.total_seconds() / 60)),
        )
    response = web.HTTPSeeOther(_safe_next(request.query.get("next")))
    set_session_cookie(request, response, result.token)
    raise response


def _render_login(
    request: web.Request,
    *,
    error: str | None,
    notice: str | None = None,
    login: str = "",
    status: int = 200,
    minutes: int = 0,
) -> web.Response:
    context = _base_context(request, "login")
    context.update(
        minutes=minutes,
        error=_ERRORS.get(error, "failed") if error else None,
        notice=notice,
        login=login,
        next=_safe_next(request.query.get("next")),
    )
    return aiohttp_jinja2.render_template("login.html", request, context, status=status)


async def logout(request: web.Request) -> web.Response:
    response = web.HTTPSeeOther("/console/login?notice=signed_out")
    signed = current_staff(request)
    member = signed.staff
    await sign_out(request, response)
    # Other tabs of this session go to the sign-in page at once, told they signed out.
    request.config_dict[HUB].end_session(signed.session_id, "signed_out")
    # Signed out: no longer looking at anything (colleagues see it at once).
    request.config_dict[PRESENCE].leave_everywhere(member.id, request.config_dict[keys.CLOCK].now())
    raise response


@public
async def choose_language(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if code not in LANGUAGES:
        raise web.HTTPNotFound(text="unknown language")
    response = web.HTTPSeeOther(_safe_next(request.query.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=_ONE_YEAR,
        path="/",  # the API reads it too: its error sentences follow the same choice
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )
    raise response
