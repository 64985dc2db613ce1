"""The API's errors: JSON `{"error": "a sentence a person can read"}` with the right status.

Sentences live in errors.toml (Japanese first, English when the request asks for it with
the `tobira_lang=en` cookie or an English Accept-Language). Whatever goes wrong, the API
answers JSON: an unknown address, a wrong method, and (logged, never shown) a bug.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Awaitable, Callable
from functools import lru_cache
from importlib import resources
from typing import TypeVar

from aiohttp import web

from bot.conversation.refusal import Refusal

log = logging.getLogger("tobira.console")

LANG_COOKIE = "tobira_lang"
# The largest JSON body the API reads (an answer of 5,000 characters is far smaller).
MAX_BODY_BYTES = 64 * 1024


@lru_cache(maxsize=1)
def _sentences() -> dict[str, dict[str, str]]:
    source = resources.files("staff_console").joinpath("errors.toml")
    return tomllib.loads(source.read_text(encoding="utf-8"))


def language_of(request: web.Request) -> str:
    """ "ja" unless the person chose English (cookie) or their browser prefers it."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("ja", "en"):
        return chosen
    accept = request.headers.get("Accept-Language", "").strip().lower()
    return "en" if accept.startswith("en") else "ja"


def sentence(key: str, language: str, **values: object) -> str:
    entry = _sentences()[key]
    return (entry.get(language) or entry["ja"]).format(**values)


class ApiError(Exception):
    """Raised by a handler: becomes `{"error": sentence}` with `status`."""

    def __init__(self, status: int, key: str, **values: object) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.values = values


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def json_answer(value: object, status: int = 200) -> web.Response:
    """A JSON answer, Japanese left readable."""
    return web.json_response(value, status=status, dumps=_dumps)


def error_response(request: web.Request, status: int, key: str, **values: object) -> web.Response:
    return json_answer({"error": sentence(key, language_of(request), **values)}, status)


T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(request, error.status, error.key, **error.values)
    except web.HTTPNotFound:
        return error_response(request, 404, "not_found")
    except web.HTTPMethodNotAllowed:
        return error_response(request, 405, "method", method=request.method)
    except web.HTTPRequestEntityTooLarge:
        return error_response(request, 413, "too_large", limit=MAX_BODY_BYTES)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("console API failed", extra={"path": request.path})
        return error_response(request, 500, "server")


# Refusals that are not a state of the case: what is not yours to see, or not your role's.
_REFUSAL_STATUS = {
    "no_saved_reply": 404,
    "no_conversation": 404,
    "no_invitation": 404,
    "forbidden": 403,
    # Case conferences (issue 21): what is not yours to see, and a record that is not whole.
    "no_household": 404,
    "no_conference": 404,
    "no_action_item": 404,
    "conference_lead_agency_missing": 400,
    "conference_key_worker_missing": 400,
    "conference_key_worker_unknown": 400,
    "conference_held_on_wrong": 400,
    "conference_review_wrong": 400,
    "conference_text_too_long": 400,
    "conference_too_many": 400,
    "conference_bad_input": 400,
    "action_item_what_missing": 400,
    "action_item_owner_missing": 400,
    "action_item_owner_unknown": 400,
    "action_item_due_wrong": 400,
    "action_item_result_missing": 400,
    "summary_shared_with_missing": 400,
}


def desk_refusal(error: Refusal) -> ApiError:
    """A staff action that does not apply: the client's 409 (404 or 403 where the refusal
    says so), with its sentence."""
    return ApiError(_REFUSAL_STATUS.get(error.key, 409), error.key, reason=str(error))


async def desk_call(action: Awaitable[T]) -> T:
    """Await a staff action; its refusal (Refusal) becomes the client's 409."""
    try:
        return await action
    except Refusal as error:
        raise desk_refusal(error) from None
