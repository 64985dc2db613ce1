"""The staff console: JSON API at /api/v1/ and server-rendered pages at /console/.

How it is mounted
-----------------
`setup_console(app)` (called once from bot/app/factory.py) mounts two aiohttp sub-apps on
the service: `create_api()` at `/api/v1/` (staff_console/api/) and `create_pages()` at
`/console/` (the pages: staff_console/pages.py, whose `setup_pages(console)` adds the
jinja2 environment, the static route and the page routes to that sub-app). Both sub-apps
share the parent's resources through `request.config_dict[bot.app.keys.DB]` etc., and
both carry the same two middlewares from staff_console/access.py:

- `security_headers`: Content-Security-Policy without inline script (`CSP`, set only when
  the handler did not set its own), X-Content-Type-Options, Referrer-Policy, no caching
  of signed-in answers.
- `signed_in(kind)`: finds the session from the `tobira_session` cookie, refuses what is
  not allowed (API: 401 JSON; pages: 303 to `/console/login?next=...`), checks CSRF on
  every write, and records the signed-in staff member on the request.

For the pages engineer (names kept stable)
------------------------------------------
- `from staff_console.access import current_staff, public, require_role, csrf_token`
  - `current_staff(request) -> SignedIn` in any handler behind the middleware:
    `.staff` (storage.staff.StaffMember: id, login, name, display_name, org_id, role),
    `.session_id`, `.csrf_token`, `.viewer` (storage.read_side.Viewer for the read side).
  - `csrf_token(request) -> str`: put it in a `<meta name="csrf-token">`; JS sends it as
    header `X-CSRF-Token` on every POST to /api/v1/; an HTML form posts it as the field
    `csrf_token` (accepted on /console/ only).
  - `@public`: a handler reachable without a session (the sign-in page). Everything else
    under /console/ needs one; `/console/static/...` is always public (no data in it).
  - `@supervisors_only` (storage/roles.py says who supervises): 403 for the other roles.
- Background fetches (the inbox refreshing itself after a server-sent event) send header
  `X-Tobira-Background: 1`: they do not count as activity, so the idle timeout (default
  30 minutes, `[console] idle_timeout`) still signs out a person who walked away.
- Signing in from a form: `await sessions_of(request).sign_in(login, password, now)` returns
  a `SignInResult` (`.session` with `.token` and `.csrf_token`, or `.error` as a sentence
  key: "wrong" | "locked"); then `set_session_cookie(request, response, token)`.
  `sign_out(request, response)` ends the current session. Both in staff_console/access.py.
  The JSON login (POST /api/v1/login) does the same for fetch().
- The read side: `storage/read_side/` (one module a view), run as
  `await request.config_dict[keys.DB].read(read_side.inbox, viewer, queue, now)`,
  `read_side.conversation(conn, viewer, conversation_id)`, `read_side.alerts(...)`,
  `read_side.audit_entries(...)`. The API's JSON shapes are in staff_console/api/shapes.py
  (`inbox_row(row, now)`, `conversation_detail(view)`) for pages that want the same dicts.
- Viewing a conversation must be audited and may mark it read on LINE:
  `await staff_console.actions.open_conversation(request, conversation_id)` does both and
  returns the read side's `ConversationView` (None when the viewer may not see it: 404).
- Live updates: `GET /api/v1/events` (server-sent events, staff_console/events.py). Each
  event: `event: <kind>` (message_received, message_queued, message_sent, message_failed,
  conversation_queued, conversation_assigned, conversation_resolved, conversation_changed,
  alert_raised, note_added, presence_changed, signed_out) and
  `data: {"conversation_id": .., "message_id": .., "alert_id": .., ...}` (ids only: the
  page fetches what it shows). `signed_out` means the session ended (idle, logout-all):
  go to the sign-in page.

Roles: counselors see conversations of their own organisation and those where they are
the counselor or the pair; supervisors and admins see all. Audit (GET /api/v1/audit) is for
supervisors and admins only.
"""

from __future__ import annotations

import asyncio

from aiohttp import web


def setup_console(app: web.Application) -> None:
    """Mount the JSON API at /api/v1/ and the pages at /console/ on the service. Call it
    after the service's own cleanup contexts: the console starts after the database and
    the workers, and stops before them."""
    from bot.app import keys
    from staff_console.api import create_api
    from staff_console.events import EventHub
    from staff_console.keys import HUB, PRESENCE, TASKS, TYPING
    from staff_console.pages_app import create_pages
    from staff_console.presence import PresenceBook
    from staff_console.typing import TypingRelay

    hub = app[HUB] = EventHub(app[keys.EVENTS], lambda: app[keys.DB])
    tasks = app[TASKS] = set()
    app[PRESENCE] = PresenceBook(app[keys.EVENTS].publish)
    app[TYPING] = TypingRelay(
        app[keys.SETTINGS], lambda: app[keys.DB], lambda: app[keys.SENDER], tasks
    )

    async def stop_streams(_: web.Application) -> None:
        await hub.close()

    async def finish_tasks(_: web.Application) -> None:
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    app.on_shutdown.append(stop_streams)
    app.on_shutdown.append(finish_tasks)
    app.add_subapp("/api/v1/", create_api())
    app.add_subapp("/console/", create_pages())
