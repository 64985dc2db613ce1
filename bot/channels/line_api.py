"""Calls to LINE's Messaging API through the official SDK, with outcomes the sender can act on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    Message,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException

Outcome = Literal["delivered", "retry", "invalid_token", "give_up"]
# The detail of a 429: LINE refused before sending anything, so a push cannot duplicate.
RATE_LIMITED = "HTTP 429"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str = ""


class LineApi:
    """One SDK client for the life of the app (it holds the HTTP connection pool)."""

    def __init__(self, base_url: str, access_token: str, timeout_seconds: float) -> None:
        config = Configuration(host=base_url, access_token=access_token)
        self._client = AsyncApiClient(config)
        self._api = AsyncMessagingApi(self._client)
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def close(self) -> None:
        await self._client.close()

    async def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendResult:
        request = ReplyMessageRequest(
            reply_token=reply_token, messages=[Message.from_dict(m) for m in messages]
        )
        return await self._call(
            self._api.reply_message_with_http_info(request, _request_timeout=self._timeout)
        )

    async def push(self, to: str, messages: list[dict[str, Any]], retry_key: str) -> SendResult:
        request = PushMessageRequest(to=to, messages=[Message.from_dict(m) for m in messages])
        return await self._call(
            self._api.push_message_with_http_info(
                request, x_line_retry_key=retry_key, _request_timeout=self._timeout
            )
        )

    async def _call(self, call: Any) -> SendResult:
        try:
            await call
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
