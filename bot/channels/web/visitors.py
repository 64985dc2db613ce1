"""Who a visitor is: an opaque random token in an HttpOnly cookie, nothing personal.

The token's SHA-256 is the contact's platform id (sealed, like any platform id); the
visitors' table keeps only a keyed hash of it (storage/webchat.py), so a copy of the
database lets nobody continue someone's chat nor tell a visitor by their cookie. A token
that is unknown, forged, expired, ended or erased is simply not a visitor: the next message
starts a new conversation.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from aiohttp import web

from bot.config.settings import WebSettings
from storage import webchat
from storage.database import Database

COOKIE = "tobira_chat"
COOKIE_PATH = "/chat"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def cookie_token(request: web.Request) -> str | None:
    token = request.cookies.get(COOKIE)
    return token if token and _TOKEN_SHAPE.match(token) else None


class Visitors:
    def __init__(self, settings: WebSettings, trust_forwarded_proto: bool) -> None:
        self._settings = settings
        self._trust_forwarded_proto = trust_forwarded_proto

    async def current(self, request: web.Request, db: Database, now: datetime) -> str | None:
        """The visitor's token hash, when the cookie holds a live token."""
        token = cookie_token(request)
        if token is None:
            return None
        hashed = token_hash(token)
        since = now - self._settings.visitor_ttl
        return hashed if await db.read(webchat.live_visitor, hashed, since) else None

    async def new(
        self, request: web.Request, response: web.StreamResponse, db: Database, now: datetime
    ) -> str:
        """A new visitor: a fresh token in the response's cookie; returns its hash."""
        token = secrets.token_urlsafe(32)
        hashed = token_hash(token)
        await db.write(lambda conn: webchat.add_visitor(conn, hashed, now))
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(self._settings.visitor_ttl.total_seconds()),
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=self.secure_for(request),
        )
        return hashed

    def forget(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path=COOKIE_PATH)

    def secure_for(self, request: web.Request) -> bool:
        if self._settings.secure_cookie == "always" or request.secure:
            return True
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        return self._trust_forwarded_proto and forwarded.split(",")[0].strip() == "https"
