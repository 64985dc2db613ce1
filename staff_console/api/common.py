"""What every API handler reads off its request: the clock's now, the database, the
conversation in the path, the row limit, and whether a page is only refreshing itself."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bot.app import keys
from staff_console.api.body import positive_int
from storage import read_side
from storage.database import Database


def now_of(request: web.Request) -> datetime:
    return request.config_dict[keys.CLOCK].now()


def db_of(request: web.Request) -> Database:
    return request.config_dict[keys.DB]


def conversation_id_of(request: web.Request) -> int:
    return positive_int(request.match_info["conversation_id"], "conversation_id")


def limit_of(request: web.Request) -> int:
    raw = request.query.get("limit")
    return read_side.DEFAULT_ROWS if raw is None else positive_int(raw, "limit")


def is_background(request: web.Request) -> bool:
    """A page refreshing itself after an event: not another look by a person."""
    return request.headers.get("X-Tobira-Background") == "1"
