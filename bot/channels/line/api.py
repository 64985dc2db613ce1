"""Calls to LINE's Messaging API through the official SDK, with outcomes the sender can act on.

The outbox holds messages as LINE JSON, checked against the SDK's models when they were
rendered (bot/channels/line/render.py). They go out through the SDK's own client (its
configuration, bearer auth, connection pool and ApiException) as that JSON: rebuilding and
re-serialising the same pydantic models on every send cost about twice the CPU of the rest
of a reply (profiled in benchmarks/replies.py), and checked nothing new.
"""

from __future__ import annotations

import json
import ssl
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
from linebot.v3.messaging import AsyncApiClient, Configuration
from linebot.v3.messaging.exceptions import ApiException

from bot.channels.line.quota import read_quota
from bot.delivery.channel import (
    PUSH_ALLOWANCE_USED,
    RATE_LIMITED,
    PushQuota,
    SendResult,
    Unsent,
)

REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"
# The SDK's mark_messages_as_read_by_token: marks the token's message and every earlier one
# in the chat read. Only works with the chat feature on for the account; otherwise LINE
# marks everything read itself.
MARK_READ_PATH = "/v2/bot/chat/markAsRead"
# showLoadingAnimation: LINE's "…" in a one-to-one chat for loadingSeconds (5 to 60, a
# multiple of 5), ended early by our next message.
LOADING_PATH = "/v2/bot/chat/loading/start"
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


class LineApi:
    """LINE's transport (bot/delivery/channel.py): one SDK client for the life of the app
    (it holds the HTTP connection pool). A payload is the JSON array of message objects the
    outbox keeps."""

    def __init__(self, base_url: str, access_token: str, timeout_seconds: float) -> None:
        config = Configuration(host=base_url, access_token=access_token)
        config.proxy = _proxy_for(base_url)
        self._client = AsyncApiClient(config)
        # The SDK's session trusts the environment, so aiohttp looks up proxy variables and
        # ~/.netrc on a thread for every single request: a quarter of a send's CPU. The same
        # session without that; the proxy, if any, was read once above.
        rest = self._client.rest_client
        self._sdk_session = rest.pool_manager
        rest.pool_manager = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=config.connection_pool_maxsize,
                ssl=ssl.create_default_context(cafile=config.ssl_ca_cert),
            ),
            trust_env=False,
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._quota_args = (base_url, access_token, timeout_seconds)

    async def close(self) -> None:
        await self._client.close()
        await self._sdk_session.close()

    async def reply(self, reply_token: str, payload: str) -> SendResult:
        body = {"replyToken": reply_token, "messages": json.loads(payload)}
        return await self.post(REPLY_PATH, body)

    async def push(self, address: str, payload: str, retry_key: str) -> SendResult:
        body = {"to": address, "messages": json.loads(payload)}
        return await self.post(PUSH_PATH, body, retry_key)

    async def mark_read(self, read_token: str) -> SendResult:
        return await self.post(MARK_READ_PATH, {"markAsReadToken": read_token})

    async def push_quota(self) -> PushQuota:
        return await read_quota(*self._quota_args)

    async def show_typing(self, address: str, seconds: int) -> SendResult:
        return await self.post(LOADING_PATH, {"chatId": address, "loadingSeconds": seconds})

    async def post(
        self, path: str, body: dict[str, Any], retry_key: str | None = None
    ) -> SendResult:
        """One call to LINE with a ready request body (REPLY_PATH or PUSH_PATH)."""
        headers = dict(JSON_HEADERS)
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        try:
            # The call the SDK's generated reply_message/push_message make, minus the models.
            # No response type: the body (sent message ids) is not used, so not parsed.
            await self._client.call_api(
                path,
                "POST",
                header_params=headers,
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


def _proxy_for(url: str) -> str | None:
    """The proxy the environment (HTTPS_PROXY, NO_PROXY...) names for LINE's API, if any:
    a closed municipal network may only reach LINE through one."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(urllib.parse.urlsplit(url).scheme)


def classify(status: int, message: str) -> SendResult:
    """LINE's answer to what to do next. 409 means the retry key was already accepted."""
    if status == 409:
        return SendResult("delivered", "retry key already accepted (409)")
    if status == 429:
        # The same status for "too fast" and "no pushes left this month"; LINE sent nothing.
        if "monthly limit" in message.lower():
            return SendResult("retry", PUSH_ALLOWANCE_USED, Unsent.ALLOWANCE_USED)
        return SendResult("retry", RATE_LIMITED, Unsent.RATE_LIMITED)
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
