"""The web chat's JSON API under /chat/api/: what the visitor's page talks to.

POST /chat/api/start       begin (or continue) a visitor's conversation; {"invite": token}
                           when the page was opened with a family's invitation link
POST /chat/api/messages    {"text"} or {"choice"}: stored before it is acknowledged (202)
GET  /chat/api/messages    the page so far (?after=ID: only what we sent after ID)
GET  /chat/api/events      server-sent events: what we sent, each with its id (Last-Event-ID)
POST /chat/api/leave       "leave quickly": the token ends here and in the browser

Every refusal is a 4xx JSON body {"error": code, "message": a sentence for the visitor}.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from typing import Any, NoReturn
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_sse import sse_response

from bot.channels.web import addresses
from bot.channels.web.limits import RateLimit
from bot.channels.web.render import parts_of
from bot.channels.web.texts import error_text, language_of
from bot.channels.web.transport import Doorbell
from bot.channels.web.visitors import Visitors
from bot.config.settings import WebSettings
from bot.delivery.channel import Intake
from bot.households.codes import token_hash
from bot.runtime.logs import user_ref
from storage import webchat
from storage.events import NewEvent
from storage.webchat import FeedItem

CHANNEL = "web"
log = logging.getLogger("tobira.web")
# A stream checks this often that its visitor is still live (left from another tab?).
CHECK_EVERY = 20.0
_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_CURSOR = re.compile(r"^b?(\d{1,18})$")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# An invitation link's token as bot/households/codes.py makes it (token_urlsafe); anything
# else is no invitation's, and is answered as a link that no longer works.
_INVITE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class Refused(Exception):
    def __init__(self, status: int, code: str, **values: object) -> None:
        super().__init__(code)
        self.status, self.code, self.values = status, code, values


def refuse(status: int, code: str, **values: object) -> NoReturn:
    raise Refused(status, code, **values)


def _language(request: web.Request) -> str:
    return language_of(request.query.get("lang"))


def json_errors(trust_forwarded: bool) -> Any:
    """Refusals as friendly JSON; and a write must come from our own page (Origin)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        return await _answer(request, handler, trust_forwarded)

    return middleware


async def _answer(request: web.Request, handler: Any, trust_forwarded: bool) -> web.StreamResponse:
    try:
        if request.method in _WRITES:
            _same_origin(request, trust_forwarded)
        response: web.StreamResponse = await handler(request)
        return response
    except Refused as refused:
        body = {
            "error": refused.code,
            "message": error_text(_language(request), refused.code, **refused.values),
        }
        headers = {}
        if "seconds" in refused.values:
            headers["Retry-After"] = str(refused.values["seconds"])
        return web.json_response(body, status=refused.status, headers=headers)
    except web.HTTPRequestEntityTooLarge:
        body = {"error": "too_long", "message": error_text(_language(request), "too_long", max="")}
        return web.json_response(body, status=413)


def _same_origin(request: web.Request, trust_forwarded: bool) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser's cross-site write (those carry Origin); SameSite does the rest
    ours = {request.host}
    if trust_forwarded and request.headers.get("X-Forwarded-Host"):
        ours.add(request.headers["X-Forwarded-Host"].split(",")[0].strip())
    if urlsplit(origin).netloc not in ours:
        refuse(403, "forbidden")


class ChatApi:
    def __init__(
        self,
        settings: WebSettings,
        visitors: Visitors,
        doorbell: Doorbell,
        intake: Intake,
        trust_forwarded: bool = False,
        address_key: bytes | None = None,
    ) -> None:
        self._settings = settings
        self._trust_forwarded = trust_forwarded
        self._visitors = visitors
        self._doorbell = doorbell
        self._intake = intake
        self._per_visitor = RateLimit(settings.visitor_per_minute)
        self._per_address = RateLimit(settings.address_per_minute)
        # Addresses reach the turn (the limit on wrong invitation codes per address) only as
        # a keyed hash (addresses.py): a stored event never holds one in clear, nor a hash
        # that could be reversed by trying every address; the key outlives a restart.
        self._address_key = address_key or secrets.token_bytes(addresses.KEY_BYTES)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/start", self.start)
        app.router.add_post("/messages", self.post_message)
        app.router.add_get("/messages", self.messages)
        app.router.add_get("/events", self.events)
        app.router.add_post("/leave", self.leave)

    # -- helpers ---------------------------------------------------------------------------

    def _limit(self, limit: RateLimit, key: str) -> None:
        wait = limit.allow(key)
        if wait > 0:
            refuse(429, "rate_limited", seconds=max(1, round(wait)))

    def _address(self, request: web.Request) -> str:
        # Behind a trusted proxy every request comes from the proxy: the address it saw is
        # the last one it added to X-Forwarded-For (earlier ones are the client's to forge).
        forwarded = request.headers.get("X-Forwarded-For", "")
        if self._trust_forwarded and forwarded.strip():
            return forwarded.split(",")[-1].strip()
        return request.remote or "unknown"

    def _address_key_of(self, request: web.Request) -> str:
        return addresses.address_hash(self._address_key, self._address(request))

    async def _invite(self, request: web.Request) -> str | None:
        """The invitation token's hash when the page was opened with a link ('' for a token
        of the wrong shape: a link that no longer works); None without one. The token
        itself is neither stored nor logged."""
        if request.content_type != "application/json":
            return None
        try:
            body = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            return None
        invite = body.get("invite") if isinstance(body, dict) else None
        if invite is None:
            return None
        return token_hash(invite) if isinstance(invite, str) and _INVITE.match(invite) else ""

    async def _visitor(self, request: web.Request) -> str | None:
        return await self._visitors.current(request, self._intake.database(), self._intake.now())

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json":
            refuse(415, "wrong_type")
        try:
            body = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            refuse(400, "bad_request")
        if not isinstance(body, dict):
            refuse(400, "bad_request")
        try:  # a lone surrogate ("\\ud800") is valid JSON, but no text we could store
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            refuse(400, "not_text")
        return body

    def _event(self, visitor: str, kind: str, payload: dict[str, Any], client_id: Any) -> NewEvent:
        # A page that sends the same message again (a retry after a dropped answer) gives
        # the same id, so it is kept once. Keyed or random: an id names no visitor.
        if isinstance(client_id, str) and _CLIENT_ID.match(client_id):
            event_id = self._intake.database().keyring.event_hash(visitor, client_id)
        else:
            event_id = secrets.token_hex(16)
        return NewEvent(
            channel=CHANNEL,
            event_id=event_id,
            platform_user_id=visitor,
            kind=kind,
            occurred_at_ms=int(self._intake.now().timestamp() * 1000),
            payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        )

    async def _receive(self, event: NewEvent) -> None:
        with self._intake.foreground():
            await self._intake.receive([event])

    # -- routes ----------------------------------------------------------------------------

    async def start(self, request: web.Request) -> web.Response:
        """The page opened: a returning visitor continues; anyone else starts afresh (the
        flow's greeting arrives on the stream).

        A page opened with an invitation link always starts a new visitor, whatever cookie
        the browser holds: on a family's shared computer that cookie may be the relative's,
        and continuing it would show the son his mother's conversation. Hers is left as it
        was (her token stays valid on its own; only this browser's cookie is replaced)."""
        self._limit(self._per_address, self._address(request))
        db, now = self._intake.database(), self._intake.now()
        invite = await self._invite(request)
        returning = await self._visitor(request) if invite is None else None
        if returning is not None:
            await db.write(lambda conn: webchat.touch_visitor(conn, returning, now))
            return web.json_response({"visitor": "returning"})
        response = web.json_response({"visitor": "new"})
        visitor = await self._visitors.new(request, response, db, now)
        if invite is not None:
            # The consent question first (bot/households/consent.py); the greeting follows
            # whichever answer she gives.
            await self._receive(self._invitation(request, visitor, invite))
        else:
            await self._receive(self._event(visitor, "follow", {}, None))
        return response

    def _invitation(self, request: web.Request, visitor: str, invite: str) -> NewEvent:
        payload = {"invitation": invite or None, "address": self._address_key_of(request)}
        return self._event(visitor, "invitation", payload, None)

    async def post_message(self, request: web.Request) -> web.Response:
        self._limit(self._per_address, self._address(request))
        body = await self._body(request)
        text, choice = body.get("text"), body.get("choice")
        if (text is None) == (choice is None):
            refuse(400, "bad_request")
        if text is not None:
            if not isinstance(text, str):
                refuse(400, "bad_request")
            text = text.strip()
            if not text:
                refuse(400, "empty")
            if len(text) > self._settings.max_chars:
                refuse(400, "too_long", max=self._settings.max_chars)
        elif not isinstance(choice, str) or len(choice) > 300:
            refuse(400, "bad_request")
        db, now = self._intake.database(), self._intake.now()
        known = await self._visitor(request)
        if known is not None:
            self._limit(self._per_visitor, known)
        response = web.json_response({}, status=202)
        if known is None:
            # Unknown, forged, expired or ended: a new conversation, without fuss.
            visitor = await self._visitors.new(request, response, db, now)
            self._limit(self._per_visitor, visitor)
        else:
            visitor = known
        if choice is not None:
            offered = dict(
                (data, label) for label, data in await db.read(webchat.latest_choices, visitor)
            )
            if choice not in offered:
                refuse(409, "stale_choice")
            event = self._event(
                visitor, "postback", {"choice": choice, "label": offered[choice]}, body.get("id")
            )
            shown = offered[choice]
        else:
            payload = {"text": text, "address": self._address_key_of(request)}
            event = self._event(visitor, "text", payload, body.get("id"))
            shown = str(text)
        await self._receive(event)
        await db.write(lambda conn: webchat.touch_visitor(conn, visitor, now))
        response.text = json.dumps(
            {"stored": True, "text": shown, "new_visitor": known is None},
            ensure_ascii=False,
        )
        return response

    async def messages(self, request: web.Request) -> web.Response:
        visitor = await self._visitor(request)
        if visitor is None:
            return web.json_response({"messages": [], "cursor": 0})
        db = self._intake.database()
        if "after" in request.query:
            items = await db.read(webchat.sent_after, visitor, _cursor(request.query["after"]))
        else:
            items = await db.read(webchat.history, visitor)
        shown = [_shown(item) for item in items]
        cursor = max((int(i.id[1:]) for i in items if i.author == "tobira"), default=0)
        if "after" in request.query:
            cursor = max(cursor, _cursor(request.query["after"]))
        return web.json_response({"messages": shown, "cursor": cursor})

    async def events(self, request: web.Request) -> web.StreamResponse:
        visitor = await self._visitor(request)
        if visitor is None:
            refuse(401, "no_visitor")
        raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
        after = _cursor(raw)
        db = self._intake.database()
        bell = self._doorbell.listen(visitor)
        response: web.StreamResponse | None = None
        try:
            async with sse_response(request) as response:
                response.headers["Cache-Control"] = "no-store"
                await response.send("{}", event="hello")
                while response.is_connected() and not self._doorbell.closed:
                    bell.clear()
                    for item in await db.read(webchat.sent_after, visitor, after):
                        await response.send(json.dumps(_shown(item)), id=item.id[1:])
                        after = int(item.id[1:])
                    try:
                        await asyncio.wait_for(bell.wait(), CHECK_EVERY)
                    except TimeoutError:
                        if await self._visitor(request) is None:
                            await response.send("{}", event="ended")
                            break
            return response
        except ConnectionResetError:
            # The page went away mid-write (a lost network, a closed tab): an everyday event,
            # not an error. A page still there reconnects with its last id.
            log.debug("web chat stream closed by the page")
            return response if response is not None else web.Response(status=204)
        finally:
            self._doorbell.leave(visitor, bell)

    async def leave(self, request: web.Request) -> web.Response:
        """ "Leave quickly": end the token here, forget the cookie, and say where to go."""
        db, now = self._intake.database(), self._intake.now()
        visitor = await self._visitor(request)
        response = web.json_response({"left": True, "go": self._settings.leave_url})
        self._visitors.forget(response)
        if visitor is not None:
            await db.write(lambda conn: webchat.end_visitor(conn, visitor, now))
            # As on LINE when someone blocks us: nothing more is sent to this page, and the
            # counselor sees why.
            await self._receive(self._event(visitor, "unfollow", {}, None))
            self._doorbell.ring(visitor)
            log.info(
                "visitor left", extra={"user": user_ref(db.keyring.user_hash(CHANNEL, visitor))}
            )
        return response


def _cursor(raw: str) -> int:
    match = _CURSOR.match(raw.strip())
    if match is None:
        refuse(400, "bad_cursor")
    return int(match.group(1))


def _shown(item: FeedItem) -> dict[str, Any]:
    if item.author == "tobira":
        parts = parts_of(item.payload)
    else:
        body = json.loads(item.payload)
        parts = [{"text": body.get("label") or body.get("text") or "", "choices": []}]
    shown = {"id": item.id, "author": item.author, "parts": parts, "at": item.at}
    if item.counselor:
        shown["counselor"] = item.counselor
    return shown
