"""The API's handlers: each checks what it reads, calls the desk or the read side, answers
JSON. Staff actions go through bot.conversation.desk.StaffDesk (one transaction each,
audited there); views are audited here or in staff_console/actions.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from aiohttp import web

from bot.app import keys
from bot.conversation.notes import MAX_NOTE_CHARS
from bot.conversation.refusal import Refusal
from bot.runtime.clock import TOKYO
from staff_console import events
from staff_console.access import (
    current_staff,
    public,
    sessions_of,
    set_session_cookie,
    sign_out,
    supervisors_only,
)
from staff_console.actions import open_conversation, see_alerts
from staff_console.api import shapes
from staff_console.api.body import bool_field, json_object, positive_int, text_field
from staff_console.api.finding import filter_query, inbox_filter
from staff_console.api.visible import visible_row
from staff_console.errors import (
    ApiError,
    desk_call,
    desk_refusal,
    json_answer,
    language_of,
    sentence,
)
from staff_console.keys import HUB, PRESENCE
from staff_console.sessions import SignedIn
from storage import audit, notes, read_side
from storage.database import Database
from storage.read_side import QUEUES, InboxRow
from storage.tx import Tx

# A counselor's answer: LINE takes 5,000 characters per message; longer is split, but an
# answer this long is a paste gone wrong.
MAX_ANSWER_CHARS = 5000
COLLEAGUE_JUST_ANSWERED = timedelta(minutes=1)


def _now(request: web.Request) -> datetime:
    return request.config_dict[keys.CLOCK].now()


def _db(request: web.Request) -> Database:
    return request.config_dict[keys.DB]


def _conversation_id(request: web.Request) -> int:
    return positive_int(request.match_info["conversation_id"], "conversation_id")


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit")
    return read_side.DEFAULT_ROWS if raw is None else positive_int(raw, "limit")


def _background(request: web.Request) -> bool:
    return request.headers.get("X-Tobira-Background") == "1"


# -- signing in ----------------------------------------------------------------------------


@public
async def login(request: web.Request) -> web.Response:
    body = await json_object(request)
    result = await sessions_of(request).sign_in(
        text_field(body, "login"), text_field(body, "password")
    )
    if result.error == "locked":
        minutes = max(
            1, round((result.locked_for.total_seconds() if result.locked_for else 0) / 60)
        )
        raise ApiError(429, "locked", minutes=minutes)
    if result.signed_in is None or result.token is None:
        raise ApiError(401, "wrong_password")
    response = json_answer(
        {
            "csrf_token": result.signed_in.csrf_token,
            "staff": shapes.staff_member(result.signed_in.staff),
        }
    )
    set_session_cookie(request, response, result.token)
    return response


async def logout(request: web.Request) -> web.Response:
    signed_in = current_staff(request)
    response = json_answer({"signed_out": True})
    await sign_out(request, response)
    request.config_dict[HUB].end_session(signed_in.session_id, "signed_out")
    # Signed out: no longer looking at anything (colleagues see it at once).
    request.config_dict[PRESENCE].leave_everywhere(signed_in.staff.id, _now(request))
    return response


async def me(request: web.Request) -> web.Response:
    signed_in = current_staff(request)
    return json_answer(
        {"staff": shapes.staff_member(signed_in.staff), "csrf_token": signed_in.csrf_token}
    )


# -- conversations -------------------------------------------------------------------------


def queue_view(
    conn: Tx,
    viewer: read_side.Viewer,
    queue: str,
    limit: int = read_side.DEFAULT_ROWS,
    found: read_side.InboxFilter | None = None,
) -> tuple[list[InboxRow], dict[str, int]]:
    # One read transaction: the rows and the tab counts show the same moment.
    return (
        read_side.inbox(conn, viewer, queue, limit, found),
        read_side.queue_counts(conn, viewer),
    )


async def list_conversations(request: web.Request) -> web.Response:
    """?queue=NAME and the filters of staff_console/api/finding.py."""
    queue = request.query.get("queue", "waiting")
    if queue not in QUEUES:
        raise ApiError(400, "unknown_queue", queue=queue[:40], queues=", ".join(QUEUES))
    found = inbox_filter(request.query)
    signed_in, now, db = current_staff(request), _now(request), _db(request)
    rows, counts = await db.read(queue_view, signed_in.viewer, queue, _limit(request), found)
    if not _background(request):
        # A person looked at the list (a page refreshing itself after an event is not
        # another look); what they looked for is part of the look.
        await db.write(
            lambda conn: audit.record(
                conn,
                staff_id=signed_in.staff.id,
                action="view_queue",
                conversation_id=None,
                at=now,
                detail={"queue": queue, **filter_query(request.query)},
            )
        )
    return json_answer(
        {
            "now": shapes.when(now),
            "queue": queue,
            "filters": filter_query(request.query),
            "counts": counts,
            "conversations": [shapes.inbox_row(row, now) for row in rows],
        }
    )


async def get_conversation(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    view = await open_conversation(request, conversation_id)
    if view is None:
        raise ApiError(404, "no_conversation")
    taps = shapes.tap_reader(request.config_dict[keys.DESK].flows, view.language)
    return json_answer(shapes.conversation_detail(view, _now(request), taps))


async def _row_answer(request: web.Request, conversation_id: int) -> web.Response:
    row = await visible_row(request, conversation_id)
    return json_answer({"conversation": shapes.inbox_row(row, _now(request))})


async def post_message(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    body = await json_object(request)
    text = text_field(body, "text")
    if not text.strip():
        raise ApiError(400, "text_empty")
    if len(text) > MAX_ANSWER_CHARS:
        raise ApiError(400, "text_too_long", limit=MAX_ANSWER_CHARS)
    signed_in = current_staff(request)
    await visible_row(request, conversation_id)
    if body.get("confirmed") is not True:
        # Two counselors answering the same client at once reads as a crowd: the second
        # one is asked to confirm (the page asks, then sends again with "confirmed").
        colleague = await _db(request).read(
            read_side.recent_staff_answer,
            conversation_id,
            signed_in.staff.id,
            _now(request) - COLLEAGUE_JUST_ANSWERED,
        )
        if colleague is not None:
            name = colleague.display_name or colleague.name
            return json_answer(
                {
                    "error": sentence("colleague_just_answered", language_of(request), name=name),
                    "code": "colleague_just_answered",
                    "colleague": shapes.staff_ref(colleague),
                },
                status=409,
            )
    # What the counselor's alerts on it asked for before this answer; one the answer itself
    # raises (a push held for the month's allowance) is news, and stays.
    pending = await _db(request).read(read_side.open_alerts_on, signed_in.viewer, conversation_id)
    try:
        outcome = await request.config_dict[keys.DESK].answer(
            conversation_id, signed_in.staff.id, text
        )
    except Refusal as error:
        raise desk_refusal(error) from None
    message_id = next(e.message_id for e in outcome.events if e.message_id is not None)
    if pending:
        now = _now(request)
        await _db(request).write(
            lambda conn: see_alerts(conn, signed_in.viewer, pending, now, "answered")
        )
    message = await _db(request).read(read_side.message, message_id)
    assert message is not None
    return json_answer(
        {"message": shapes.message(message), "delivered": outcome.delivered}, status=202
    )


async def accept(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    body = await json_object(request, optional=True)
    signed_in = current_staff(request)
    counselor_id = signed_in.staff.id
    if "counselor_id" in body:
        counselor_id = positive_int(body["counselor_id"], "counselor_id")
    supervisor = signed_in.staff.role.can_supervise
    if counselor_id != signed_in.staff.id and not supervisor:
        raise ApiError(403, "forbidden")
    pair_id = None
    if body.get("pair_id") is not None:
        pair_id = positive_int(body["pair_id"], "pair_id")
        if not supervisor:
            raise ApiError(403, "forbidden")
    row = await visible_row(request, conversation_id)
    if row.counselor is not None and not supervisor:
        raise ApiError(409, "already_taken")
    await desk_call(
        request.config_dict[keys.DESK].accept(
            conversation_id, counselor_id, signed_in.staff.id, pair_id
        )
    )
    return await _row_answer(request, conversation_id)


async def resolve(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    await visible_row(request, conversation_id)
    await desk_call(
        request.config_dict[keys.DESK].resolve(conversation_id, current_staff(request).staff.id)
    )
    return await _row_answer(request, conversation_id)


async def reopen(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    await visible_row(request, conversation_id)
    await desk_call(
        request.config_dict[keys.DESK].reopen(conversation_id, current_staff(request).staff.id)
    )
    return await _row_answer(request, conversation_id)


async def urgent(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    flag = bool_field(await json_object(request), "urgent")
    await visible_row(request, conversation_id)
    await desk_call(
        request.config_dict[keys.DESK].set_urgent(
            conversation_id, current_staff(request).staff.id, flag
        )
    )
    return await _row_answer(request, conversation_id)


# -- notes and handovers --------------------------------------------------------------------


async def post_note(request: web.Request) -> web.Response:
    """A private note or a handover note (申し送り): for staff only, never sent."""
    conversation_id = _conversation_id(request)
    body = await json_object(request)
    text = text_field(body, "text")
    kind = body.get("kind", "private")
    if kind not in ("private", "handover"):
        raise ApiError(400, "note_kind")
    if not text.strip():
        raise ApiError(400, "note_empty")
    if len(text) > MAX_NOTE_CHARS:
        raise ApiError(400, "note_too_long", limit=MAX_NOTE_CHARS)
    to = body.get("to")
    to_staff_id = positive_int(to, "to") if to is not None else None
    if to_staff_id is not None and kind != "handover":
        raise ApiError(400, "note_kind")
    signed_in = current_staff(request)
    await visible_row(request, conversation_id)
    try:
        note_id = await request.config_dict[keys.DESK].add_note(
            conversation_id, signed_in.staff.id, kind, text, to_staff_id
        )
    except Refusal as error:
        raise desk_refusal(error) from None
    note = await _db(request).read(notes.get, note_id)
    assert note is not None
    return json_answer({"note": shapes.note(note)}, status=201)


def day_of(raw: str | None, now: datetime) -> date:
    """The local (Tokyo) day asked for, today when none: 400 for anything else."""
    if raw is None or raw == "":
        return now.astimezone(TOKYO).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_day") from None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=TOKYO)
    return start, start + timedelta(days=1)


async def handover_day(request: web.Request, day: date) -> list[notes.Note]:
    """One day's handover notes for the signed-in staff member; the look is audited."""
    signed_in, now, db = current_staff(request), _now(request), _db(request)
    start, end = day_bounds(day)
    found = await db.read(read_side.handover_notes, signed_in.viewer, start, end)
    await db.write(
        lambda conn: audit.record(
            conn,
            staff_id=signed_in.staff.id,
            action="view_handover",
            conversation_id=None,
            at=now,
            detail={"day": day.isoformat()},
        )
    )
    return found


async def handover(request: web.Request) -> web.Response:
    day = day_of(request.query.get("day"), _now(request))
    found = await handover_day(request, day)
    return json_answer({"day": day.isoformat(), "notes": [shapes.note(n) for n in found]})


# -- alerts, audit, events -----------------------------------------------------------------


async def list_alerts(request: web.Request) -> web.Response:
    include_seen = request.query.get("all") in ("1", "true")
    found = await _db(request).read(
        lambda conn: read_side.alerts(
            conn, current_staff(request).viewer, include_seen=include_seen, limit=_limit(request)
        )
    )
    return json_answer({"alerts": [shapes.alert(item) for item in found]})


async def alert_seen(request: web.Request) -> web.Response:
    alert_id = positive_int(request.match_info["alert_id"], "alert_id")
    signed_in, now = current_staff(request), _now(request)

    def job(conn: Tx) -> bool:
        return bool(see_alerts(conn, signed_in.viewer, [alert_id], now))

    if not await _db(request).write(job):
        raise ApiError(404, "no_alert")
    return json_answer({"seen": True})


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
    signed_in, now, db = current_staff(request), _now(request), _db(request)

    def read(conn: Tx) -> tuple[list[read_side.AuditEntry], list[str]]:
        entries = read_side.audit_entries(
            conn,
            conversation_id,
            _limit(request),
            staff_id=staff_id,
            action=action,
            start=start,
            end=end,
        )
        return entries, read_side.audit_actions(conn)

    entries, actions = await db.read(read)
    # Looking at who looked is itself a look.
    await db.write(
        lambda conn: audit.record(
            conn,
            staff_id=signed_in.staff.id,
            action="view_audit",
            conversation_id=conversation_id,
            at=now,
            detail={
                key: value
                for key, value in query.items()
                if key in ("staff", "action", "since", "until")
            }
            or None,
        )
    )
    return json_answer(
        {"audit": [shapes.audit_entry(entry) for entry in entries], "actions": actions}
    )


@supervisors_only
async def alerts_history(request: web.Request) -> web.Response:
    """Every alert, seen or not, with whom it was for (supervisors): ?kind=NAME"""
    kind = request.query.get("kind") or None
    found = await _db(request).read(
        lambda conn: read_side.alerts_history(conn, kind=kind, limit=_limit(request))
    )
    return json_answer(
        {
            "alerts": [
                {**shapes.alert(r.alert), "addressee": shapes.staff_ref(r.addressee)} for r in found
            ]
        }
    )


async def event_stream(request: web.Request) -> web.StreamResponse:
    signed_in: SignedIn = current_staff(request)
    book = sessions_of(request)
    return await events.stream(
        request,
        request.config_dict[HUB],
        signed_in.viewer,
        signed_in.session_id,
        book.still_open,
    )


def add_routes(api: web.Application) -> None:
    api.router.add_post("/login", login)
    api.router.add_post("/logout", logout)
    api.router.add_get("/me", me)
    api.router.add_get("/conversations", list_conversations)
    api.router.add_get("/conversations/{conversation_id}", get_conversation)
    api.router.add_post("/conversations/{conversation_id}/messages", post_message)
    api.router.add_post("/conversations/{conversation_id}/accept", accept)
    api.router.add_post("/conversations/{conversation_id}/resolve", resolve)
    api.router.add_post("/conversations/{conversation_id}/reopen", reopen)
    api.router.add_post("/conversations/{conversation_id}/urgent", urgent)
    api.router.add_post("/conversations/{conversation_id}/notes", post_note)
    api.router.add_get("/handover", handover)
    api.router.add_get("/events", event_stream)
    api.router.add_get("/alerts", list_alerts)
    api.router.add_post("/alerts/{alert_id}/seen", alert_seen)
    api.router.add_get("/audit", list_audit)
    api.router.add_get("/alerts/history", alerts_history)
