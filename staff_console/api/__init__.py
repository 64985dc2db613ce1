"""The console's JSON API, mounted at /api/v1/ (see staff_console/__init__.py).

    POST /login {"login","password"} -> {"csrf_token", "staff"} + session cookie
    POST /logout                        GET /me
    GET  /conversations?queue=waiting|unassigned|mine|urgent|all|resolved[&limit=N]
         [&number=&writer=&channel=&counselor=&status=&urgent=&since=&until=&age_band=
          &relationship=]   (the filters: staff_console/api/finding.py)
    GET  /conversations/{id}            (audited; may mark the client's messages read; a
                                         person's look marks their alerts on it seen)
    POST /conversations/{id}/messages {"text"[, "confirmed"]} -> 202 {"message", "delivered"}
         409 code "colleague_just_answered": a colleague answered in the last minute
    POST /conversations/{id}/accept [{"counselor_id", "pair_id"} for supervisors]
    POST /conversations/{id}/resolve | /reopen | /urgent {"urgent": bool}
    POST /conversations/{id}/notes {"text", "kind": "private"|"handover", "to": staff id}
                                        -> 201 {"note"} (never sent to the client)
    GET  /handover[?day=YYYY-MM-DD]     one day's handover notes (申し送り), audited
    GET  /staff  (with today's status), POST /staff/{id}/leave      (api/staffing.py)
    GET/POST /saved-replies, POST /saved-replies/{id}[/delete]  (api/saved_replies.py)
    POST /conversations/{id}/transfer | /take-over | /pair          (api/people.py)
    GET/POST /conversations/{id}/presence (who is looking / typing)  (api/presence.py)
    GET  /review, POST /review/close (weekly review, supervisors)   (api/review.py)
    GET  /quota  LINE pushes this month against the plan (supervisors)  (api/quota.py)
    GET  /conversations/{id}/safety-feedback, POST .../messages/{mid}/safety-feedback[/withdraw]
         "danger missed" / "false alarm" marks for the detector   (api/safety_feedback.py)
    GET  /events (server-sent events)   GET /alerts[?all=1]   POST /alerts/{id}/seen
    GET  /audit[?conversation=&staff=&action=&since=&until=]    (supervisors and admins)
    GET  /alerts/history[?kind=]        every alert, seen or not (supervisors and admins)
    POST /conversations/{id}/invitations {} -> 201 {"invitation"} (code, web and LINE links,
         the card's page), POST /conversations/{id}/household, POST /invitations/{id}/revoke,
    GET  /households/{id} (audited; only staff see households)       (api/households.py)
    POST/GET /households/{id}/conferences, GET /conferences/{id}, POST /conferences/{id}/shared,
    GET  /action-items?state=open|overdue|done[&mine=1], GET /action-items/overdue-count,
    POST /action-items/{id}/done {"result"} | /drop   case conferences  (api/conferences.py)
    POST /contacts/{id}/erase {"confirm": "erase"}, POST /households/{id}/close  erasure on
         request and a household's end (supervisors and admins)     (api/erasure.py)
    GET  /figures?from=&to=, GET /figures.csv?from=&to=[&publish=1][&lang=en]   the year's
         figures (supervisors and admins; audited as view_figures)   (api/figures.py)

Every route but /login needs a session (401), every write the X-CSRF-Token header (403).
One module a resource (auth, conversations, notes, events, alerts, audit, and the others
named above). Handlers parse, call a service and shape the answer: what reaches a client
goes through the desk (bot/conversation/desk.py), every other write and every look through
its sibling, the office (bot/conversation/office.py), audited there.
"""

from __future__ import annotations

from aiohttp import web

from staff_console.access import security_headers, signed_in
from staff_console.api import (
    alerts,
    audit,
    auth,
    conferences,
    conversations,
    erasure,
    events,
    figures,
    households,
    notes,
    people,
    presence,
    quota,
    review,
    safety_feedback,
    saved_replies,
    staffing,
)
from staff_console.errors import json_errors


def create_api() -> web.Application:
    # Middlewares run outside in: errors become JSON, headers go on every answer, then
    # the session and CSRF checks.
    api = web.Application(middlewares=[json_errors, security_headers("api"), signed_in("api")])
    for resource in (auth, conversations, notes, events, alerts, audit):
        resource.add_routes(api)
    saved_replies.add_routes(api)
    people.add_routes(api)
    presence.add_routes(api)
    review.add_routes(api)
    staffing.add_routes(api)
    quota.add_routes(api)
    safety_feedback.add_routes(api)
    households.add_routes(api)
    conferences.add_routes(api)
    figures.add_routes(api)
    erasure.add_routes(api)
    return api
