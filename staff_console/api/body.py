"""Reading a JSON request body: bounded, and every problem a readable 4xx."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from staff_console.errors import MAX_BODY_BYTES, ApiError


async def json_object(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object. `optional`: an empty body reads as {}."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", limit=MAX_BODY_BYTES)
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", limit=MAX_BODY_BYTES)
    if optional and not raw.strip():
        return {}
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "not_json") from None
    if not isinstance(value, dict):
        raise ApiError(400, "not_object")
    if not encodable(value):
        raise ApiError(400, "not_text")
    return value


def encodable(value: Any) -> bool:
    """False when a string in it cannot be stored as UTF-8: a lone surrogate ("\\ud800") is
    valid JSON but fails later, in SQLite or a page, as a 500."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise ApiError(400, "field_missing", field=name)
    return value


def bool_field(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise ApiError(400, "field_bool", field=name)
    return value


def positive_int(value: Any, name: str) -> int:
    """A query or body value that must be a positive id: 400 otherwise, never a 500."""
    if isinstance(value, bool):
        raise ApiError(400, "field_int", field=name)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        number = int(value)
    else:
        raise ApiError(400, "field_int", field=name)
    if number < 1 or number > 2**62:
        raise ApiError(400, "field_int", field=name)
    return number
