"""Calls to LINE's Messaging API through the official SDK, with outcomes the sender can act on.

The outbox holds messages as LINE JSON, checked against the SDK's models when they were
rendered (bot/channels/line_render.py). They go out through the SDK's own client (its
configuration, bearer auth, connection pool and ApiException) as that JSON: rebuilding and
re-serialising the same pydantic models on every send cost about twice the CPU of the rest
of a reply (profiled in benchmarks/replies.py), and checked nothing new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from linebot.v3.messaging import AsyncApiClient, Configuration
from linebot.v3.messaging.exceptions import ApiException

Outcome = Literal["delivered", "retry", "invalid_token", "give_up"]
# The detail of a 429: LINE refused before sending anything, so a push cannot duplicate.
RATE_LIMITED = "HTTP 429"
REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str = ""


class LineApi:
    """One SDK client for the life of the app (it holds the HTTP connection pool)."""

    def __init__(self, base_url: str, access_token: str, timeout_seconds: float) -> None:
        config = Configuration(host=base_url, access_token=access_token)
        self._client = AsyncApiClient(config)
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def close(self) -> None:
        await self._client.close()

    async def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        return await self._post(REPLY_PATH, {"replyToken": reply_token, "messages": messages})

    async def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        return await self._post(
            PUSH_PATH, {"to": to, "messages": messages}, {"X-Line-Retry-Key": retry_key}
        )

    async def _post(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> SendResult:
        try:
            # The call the SDK's generated reply_message/push_message make, minus the models.
            # No response type: the body (sent message ids) is not used, so not parsed.
            await self._client.call_api(
                path,
                "POST",
                header_params={**(headers or {}), **JSON_HEADERS},
                body=body,
                response_types_map={},
                auth_settings=["Bearer"],
                _request_timeout=self._timeout,
            )
        except ApiException as error:
            return classify(error.status or 0, _message(error.body))
        except TimeoutError:
            return SendResult("retry", "timeout")
        except aiohttp.ClientError as error:
            return SendResult("retry", f"connection: {type(error).__name__}")
        except Exception as error:
            # Anything else (an answer the SDK cannot read...) may come after LINE took the
            # message: an unknown outcome, retried under the same token or retry key.
            return SendResult("retry", f"unexpected: {type(error).__name__}")
        return SendResult("delivered")


def classify(status: int, message: str) -> SendResult:
    """LINE's answer to what to do next. 409 means the retry key was already accepted."""
    if status == 409:
        return SendResult("delivered", "retry key already accepted (409)")
    if status == 429:
        return SendResult("retry", RATE_LIMITED)
    if status >= 500:
        return SendResult("retry", f"HTTP {status}")
    if status == 400 and "reply token" in message.lower():
        return SendResult("invalid_token", "invalid reply token")
    return SendResult("give_up", f"HTTP {status}: {message[:200]}")


def _message(body: Any) -> str:
    # LINE's error bodies name the problem ("Invalid reply token"); they carry no client text.
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        return str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError, TypeError):
        return ""
