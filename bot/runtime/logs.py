"""Structured logs: one JSON line per event, never message text or platform user ids."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: a traceback's locals and messages can carry client text.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log would add a line per request with nothing we need.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # APScheduler announces every run of the alarm's watch job: routine, not news.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters at DEBUG: a text or an id passed
    # through it would land in the log even with the service at DEBUG.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


_user_ref_key = b"tobira"


def set_user_ref_key(secret: str | None) -> None:
    """Key the hash with a secret of this installation (the channel secret), so that someone
    holding a LINE user id cannot find that person in our logs by hashing it."""
    global _user_ref_key
    _user_ref_key = (secret or "tobira").encode()


def user_ref(platform_user_id: str | None) -> str | None:
    """A short stable keyed hash to follow one person through the logs without naming them.
    Called with the person's user hash (contacts.user_hash, inbound_events.user_key), which
    every log line that names a person has at hand without opening their sealed id."""
    if platform_user_id is None:
        return None
    return _keyed_hash(_user_ref_key, platform_user_id)


@lru_cache(maxsize=4096)  # a person's events come together: the same id many times a minute
def _keyed_hash(key: bytes, platform_user_id: str) -> str:
    return hmac.new(key, platform_user_id.encode(), hashlib.sha256).hexdigest()[:12]
