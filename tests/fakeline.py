"""A fake LINE Messaging API: a real aiohttp server on loopback that records every call.

The app under test points its ``LINE_API_BASE_URL`` at ``FakeLine.base_url`` and talks to it
with the real line-bot-sdk. The fake checks requests against the rules of LINE's official
OpenAPI schema (messaging-api.yml) and the documented limits, behaves like LINE for reply
tokens and retry keys, and lets tests inject failures and delays.

The limits are encoded here on purpose: tests never read ``../shared`` at run time.

    async with FakeLine(access_token="test-token") as line:
        token = line.issue_reply_token(user_id)
        ...  # drive the app
        await line.wait_for(lambda ln: ln.delivered_texts(user_id) == ["こんにちは"])
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

# ---------------------------------------------------------------------------------------------
# Limits from LINE's Messaging API reference / messaging-api.yml
# ---------------------------------------------------------------------------------------------
MAX_MESSAGES = 5  # ReplyMessageRequest/PushMessageRequest.messages maxItems
MAX_TEXT_UTF16 = 5000  # text message: max 5000 characters, counted in UTF-16 code units
MAX_QUICK_REPLY_ITEMS = 13  # QuickReply.items maxItems
MAX_ACTION_LABEL = 20  # quick reply button label: max 20 characters
MAX_POSTBACK_DATA = 300  # PostbackAction.data maxLength
MAX_DISPLAY_TEXT = 300  # PostbackAction.displayText: max 300 characters
MAX_MESSAGE_ACTION_TEXT = 300  # MessageAction.text: max 300 characters
MAX_SENDER_NAME = 20  # Sender.name maxLength
MAX_URL = 2000  # QuickReplyItem.imageUrl / Sender.iconUrl maxLength

# Message.discriminator mapping in messaging-api.yml
MESSAGE_TYPES = frozenset(
    {
        "text",
        "textV2",
        "sticker",
        "image",
        "video",
        "audio",
        "location",
        "imagemap",
        "template",
        "flex",
        "coupon",
    }
)
# Action.discriminator mapping in messaging-api.yml
ACTION_TYPES = frozenset(
    {
        "camera",
        "cameraRoll",
        "clipboard",
        "datetimepicker",
        "location",
        "message",
        "postback",
        "richmenuswitch",
        "uri",
    }
)

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
USER_ID_RE = re.compile(r"^U[0-9a-f]{32}$")

ERROR_MESSAGES: dict[int, str] = {
    400: "The request body has 1 error(s)",
    401: "Authentication failed. Confirm that the access token in the authorization header "
    "is valid.",
    403: "The bot is not authorized to use this API.",
    404: "Not found",
    409: "The retry key is already accepted",
    429: "The API rate limit has been exceeded. Try again later.",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
INVALID_REPLY_TOKEN = "Invalid reply token"
# LINE's answer to a push once the month's allowance is used (a 429, like the rate limit).
MONTHLY_LIMIT = "You have reached your monthly limit."
DELIVERY_ENDPOINTS = ("reply", "push")


def utf16_len(s: str) -> int:
    """Length as LINE counts characters: UTF-16 code units (an emoji is often 2)."""
    return len(s.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One HTTP request the fake received, valid or not.

    ``headers`` has lower-case names. ``body`` is the parsed JSON object ({} if it was not a
    JSON object; then see ``raw``). ``user_id`` is the recipient: ``to`` for a push, the user
    the reply token was issued for on a reply (None if unknown). ``at`` is ``time.time()``
    when the request arrived (before any injected delay).
    """

    endpoint: str  # "reply" | "push" | "profile" | "info" | "mark_read"
    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    at: float
    user_id: str | None = None
    raw: bytes = b""
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        return self.endpoint in DELIVERY_ENDPOINTS and self.status == 200

    @property
    def messages(self) -> list[dict[str, Any]]:
        msgs = self.body.get("messages")
        return [m for m in msgs if isinstance(m, dict)] if isinstance(msgs, list) else []

    @property
    def texts(self) -> list[str]:
        return [
            m["text"]
            for m in self.messages
            if m.get("type") in ("text", "textV2") and isinstance(m.get("text"), str)
        ]

    def summary(self) -> str:
        who = f" user={self.user_id}" if self.user_id else ""
        texts = "; ".join(t[:40] for t in self.texts)
        return f"{self.endpoint} -> {self.status}{who} texts=[{texts}]"


class _Checker:
    """Collects schema-rule violations as LINE's ErrorDetail objects."""

    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def fail(self, prop: str, message: str) -> None:
        self.details.append({"message": message, "property": prop})

    def string(
        self,
        obj: dict[str, Any],
        key: str,
        prop: str,
        *,
        required: bool,
        max_len: int | None = None,
        min_len: int = 0,
    ) -> None:
        where = f"{prop}.{key}" if prop else key
        if key not in obj or obj[key] is None:
            if required:
                self.fail(where, "Must not be null")
            return
        value = obj[key]
        if not isinstance(value, str):
            self.fail(where, "Must be a string")
            return
        n = utf16_len(value)
        if n < min_len or (max_len is not None and n > max_len):
            if max_len is None:
                self.fail(where, f"Length must be at least {min_len}")
            else:
                self.fail(where, f"Length must be between {min_len} and {max_len}")

    def request(self, body: dict[str, Any], *, push: bool) -> None:
        if push:
            self.string(body, "to", "", required=True, min_len=1)
        else:
            self.string(body, "replyToken", "", required=True, min_len=1)
        nd = body.get("notificationDisabled")
        if nd is not None and not isinstance(nd, bool):
            self.fail("notificationDisabled", "Must be a boolean")
        messages = body.get("messages")
        if messages is None:
            self.fail("messages", "Must not be null")
            return
        if not isinstance(messages, list):
            self.fail("messages", "Must be an array")
            return
        if not 1 <= len(messages) <= MAX_MESSAGES:
            self.fail("messages", f"Size must be between 1 and {MAX_MESSAGES}")
            return
        for i, message in enumerate(messages):
            self.message(message, f"messages[{i}]")

    def message(self, msg: Any, prop: str) -> None:
        if not isinstance(msg, dict):
            self.fail(prop, "Must be an object")
            return
        mtype = msg.get("type")
        if mtype not in MESSAGE_TYPES:
            self.fail(f"{prop}.type", "Invalid message type")
            return
        if mtype in ("text", "textV2"):
            self.string(msg, "text", prop, required=True, min_len=1, max_len=MAX_TEXT_UTF16)
        elif mtype == "sticker":
            self.string(msg, "packageId", prop, required=True, min_len=1)
            self.string(msg, "stickerId", prop, required=True, min_len=1)
        elif mtype in ("image", "video"):
            self.string(msg, "originalContentUrl", prop, required=True, min_len=1)
            self.string(msg, "previewImageUrl", prop, required=True, min_len=1)
        elif mtype == "template":
            self.string(msg, "altText", prop, required=True, min_len=1, max_len=400)
            if not isinstance(msg.get("template"), dict):
                self.fail(f"{prop}.template", "Must not be null")
        elif mtype == "flex":
            self.string(msg, "altText", prop, required=True, min_len=1, max_len=400)
            if not isinstance(msg.get("contents"), dict):
                self.fail(f"{prop}.contents", "Must not be null")
        sender = msg.get("sender")
        if sender is not None:
            if isinstance(sender, dict):
                self.string(
                    sender,
                    "name",
                    f"{prop}.sender",
                    required=False,
                    min_len=1,
                    max_len=MAX_SENDER_NAME,
                )
                self.string(sender, "iconUrl", f"{prop}.sender", required=False, max_len=MAX_URL)
            else:
                self.fail(f"{prop}.sender", "Must be an object")
        if "quickReply" in msg and msg["quickReply"] is not None:
            self.quick_reply(msg["quickReply"], f"{prop}.quickReply")

    def quick_reply(self, qr: Any, prop: str) -> None:
        if not isinstance(qr, dict):
            self.fail(prop, "Must be an object")
            return
        items = qr.get("items")
        if not isinstance(items, list):
            self.fail(f"{prop}.items", "Must not be null")
            return
        if not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
            self.fail(f"{prop}.items", f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}")
            return
        for i, item in enumerate(items):
            iprop = f"{prop}.items[{i}]"
            if not isinstance(item, dict):
                self.fail(iprop, "Must be an object")
                continue
            if item.get("type", "action") != "action":
                self.fail(f"{iprop}.type", "Invalid quick reply item type")
            self.string(item, "imageUrl", iprop, required=False, max_len=MAX_URL)
            self.action(item.get("action"), f"{iprop}.action", label_required=True)

    def action(self, action: Any, prop: str, *, label_required: bool) -> None:
        if not isinstance(action, dict):
            self.fail(prop, "Must not be null")
            return
        atype = action.get("type")
        if atype not in ACTION_TYPES:
            self.fail(f"{prop}.type", "Invalid action type")
            return
        self.string(
            action, "label", prop, required=label_required, min_len=1, max_len=MAX_ACTION_LABEL
        )
        if atype == "postback":
            self.string(action, "data", prop, required=True, min_len=1, max_len=MAX_POSTBACK_DATA)
            self.string(
                action, "displayText", prop, required=False, min_len=1, max_len=MAX_DISPLAY_TEXT
            )
            if action.get("displayText") is not None and action.get("text") is not None:
                self.fail(f"{prop}.text", "displayText and text cannot be used together")
        elif atype == "message":
            self.string(
                action, "text", prop, required=True, min_len=1, max_len=MAX_MESSAGE_ACTION_TEXT
            )
        elif atype == "uri":
            self.string(action, "uri", prop, required=True, min_len=1, max_len=1000)
        elif atype == "datetimepicker":
            self.string(action, "data", prop, required=True, max_len=MAX_POSTBACK_DATA)
            if action.get("mode") not in ("date", "time", "datetime"):
                self.fail(f"{prop}.mode", "Invalid mode")


def _error(
    status: int, message: str | None = None, details: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message or ERROR_MESSAGES.get(status, "Error")}
    if details:
        body["details"] = details
    return body


class FakeLine:
    """Fake LINE Messaging API server. See module docstring."""

    def __init__(
        self,
        access_token: str = "test-token",
        *,
        host: str = "127.0.0.1",
        accept_unissued_tokens: bool = False,
    ) -> None:
        self.access_token = access_token
        # Benchmarks run the fake in another process and cannot issue tokens; they may
        # let any never-used token through once, as LINE does for the tokens it issued.
        self.accept_unissued_tokens = accept_unissued_tokens
        self.host = host
        self.bot_user_id = "U" + "0" * 32
        self.calls: list[Call] = []
        self._delivered_count = 0  # kept as a counter: benchmarks poll it often
        self._tokens: dict[str, str] = {}  # reply token -> user id (live, unused)
        self._used_tokens: dict[str, str] = {}  # used or expired token -> user id
        self._retry_keys: dict[str, tuple[str, list[dict[str, str]]]] = {}
        self._fail: dict[str, deque[int]] = {}
        self._delay: dict[str, deque[float]] = {}
        self.in_flight = 0  # delayed requests LINE has received but not answered yet
        self._garble: dict[str, int] = {}
        self._profiles: dict[str, dict[str, Any]] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeLine is not started")
        return f"http://{self.host}:{self._port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v2/bot/message/reply", self._reply)
        app.router.add_post("/v2/bot/message/push", self._push)
        app.router.add_get("/v2/bot/profile/{userId}", self._profile)
        app.router.add_get("/v2/bot/info", self._info)
        app.router.add_post("/v2/bot/chat/markAsRead", self._mark_read)
        app.router.add_post("/v2/bot/chat/loading/start", self._loading)
        app.router.add_get("/v2/bot/message/quota", self._quota)
        app.router.add_get("/v2/bot/message/quota/consumption", self._quota_consumption)
        app.router.add_get("/_fake/stats", self._stats)
        # Do not let a pending delay_next() hold up stop().
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))  # a free port chosen by the OS
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLine:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- test controls -------------------------------------------------------------------
    def issue_reply_token(self, user_id: str) -> str:
        """A reply token for ``user_id``, valid for one reply (as in a webhook event)."""
        token = secrets.token_hex(16)
        self._tokens[token] = user_id
        return token

    def expire_reply_token(self, token: str) -> None:
        """Make ``token`` invalid, as LINE does after about a minute."""
        user = self._tokens.pop(token, None)
        if user is not None:
            self._used_tokens[token] = user

    def fail_next(self, endpoint: str, *statuses: int) -> None:
        """The next requests to ``endpoint`` answer these statuses (nothing delivered)."""
        self._fail.setdefault(endpoint, deque()).extend(statuses)

    def delay_next(self, endpoint: str, seconds: float) -> None:
        """The next request to ``endpoint`` hangs ``seconds`` first, then is handled normally
        (so it IS delivered even if the client has given up waiting)."""
        self._delay.setdefault(endpoint, deque()).append(seconds)

    def garble_next(self, endpoint: str) -> None:
        """The next request to ``endpoint`` is delivered, but answered 200 with a body that is
        not even UTF-8: the SDK raises, and the client cannot tell that it went through."""
        self._garble[endpoint] = self._garble.get(endpoint, 0) + 1

    def set_profile(self, user_id: str, **fields: Any) -> None:
        """Override fields of the profile returned for ``user_id``."""
        self._profiles.setdefault(user_id, {}).update(fields)

    def reset(self) -> None:
        """Forget calls, tokens, retry keys, queued failures and delays."""
        self.calls.clear()
        self._tokens.clear()
        self._used_tokens.clear()
        self._retry_keys.clear()
        self._fail.clear()
        self._delay.clear()
        self._profiles.clear()

    # -- inspection ----------------------------------------------------------------------
    @property
    def sends(self) -> list[Call]:
        """Reply/push calls, delivered or not (not the quota reads a push may bring)."""
        return [c for c in self.calls if c.endpoint in DELIVERY_ENDPOINTS]

    @property
    def delivered(self) -> list[Call]:
        """Reply/push calls that delivered messages (status 200), in order of handling."""
        return [c for c in self.calls if c.delivered]

    def delivered_messages(self, user_id: str | None = None) -> list[dict[str, Any]]:
        return [
            m for c in self.delivered if user_id is None or c.user_id == user_id for m in c.messages
        ]

    def delivered_texts(self, user_id: str | None = None) -> list[str]:
        return [
            t for c in self.delivered if user_id is None or c.user_id == user_id for t in c.texts
        ]

    def calls_to(self, endpoint: str) -> list[Call]:
        return [c for c in self.calls if c.endpoint == endpoint]

    def summary(self) -> str:
        if not self.calls:
            return "(no calls to FakeLine)"
        return "\n".join(f"  {i}: {c.summary()}" for i, c in enumerate(self.calls))

    async def wait_for(
        self,
        predicate: Callable[[FakeLine], object],
        timeout: float = 10.0,
    ) -> None:
        """Poll until ``predicate(self)`` is truthy; AssertionError with the calls if not."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            if loop.time() >= deadline:
                raise AssertionError(
                    f"FakeLine.wait_for timed out after {timeout}s; calls:\n{self.summary()}"
                )
            await asyncio.sleep(0.01)

    # -- handlers ------------------------------------------------------------------------
    def _auth_ok(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "") == f"Bearer {self.access_token}"

    async def _begin(self, endpoint: str, request: web.Request) -> Call:
        at = time.time()
        raw = await request.read()
        delays = self._delay.get(endpoint)
        if delays:
            self.in_flight += 1
            try:
                await asyncio.sleep(delays.popleft())
            finally:
                self.in_flight -= 1
        return Call(
            endpoint=endpoint,
            body={},
            headers={k.lower(): v for k, v in request.headers.items()},
            status=0,
            at=at,
            raw=raw,
        )

    def _finish(
        self,
        call: Call,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        call.status = status
        call.response = body
        self.calls.append(call)
        if status == 200:
            self._delivered_count += 1
        hdrs = {"x-line-request-id": str(uuid.uuid4())}
        hdrs.update(headers or {})
        return web.json_response(body, status=status, headers=hdrs)

    def _refused(self, call: Call, request: web.Request) -> web.Response | None:
        """The answer for a call without the channel's token, or with a failure injected."""
        if not self._auth_ok(request):
            return self._finish(call, 401, _error(401))
        injected = self._injected(call.endpoint)
        if injected is not None:
            return self._finish(call, injected, _error(injected))
        return None

    def _json_object(self, call: Call) -> dict[str, Any] | web.Response:
        """The call's body as a JSON object (kept on the call), or LINE's 400 if it is not."""
        try:
            parsed = json.loads(call.raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            parsed = None
        if not isinstance(parsed, dict):
            return self._finish(call, 400, _error(400, "The request body could not be parsed"))
        call.body = parsed
        return parsed

    def _injected(self, endpoint: str) -> int | None:
        queue = self._fail.get(endpoint)
        return queue.popleft() if queue else None

    async def _handle_send(self, endpoint: str, request: web.Request) -> web.Response:
        call = await self._begin(endpoint, request)
        push = endpoint == "push"
        try:
            parsed = json.loads(call.raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            parsed = None
        if isinstance(parsed, dict):
            call.body = parsed
            if push and isinstance(parsed.get("to"), str):
                call.user_id = parsed["to"]
            elif not push and isinstance(parsed.get("replyToken"), str):
                tok = parsed["replyToken"]
                call.user_id = self._tokens.get(tok) or self._used_tokens.get(tok)

        refused = self._refused(call, request)
        if refused is not None:
            return refused
        if not isinstance(parsed, dict):
            return self._finish(call, 400, _error(400, "The request body could not be parsed"))

        checker = _Checker()
        retry_key = request.headers.get("X-Line-Retry-Key")
        if push and retry_key is not None and not UUID_RE.match(retry_key):
            checker.fail("X-Line-Retry-Key", "The retry key must be a UUID")
        checker.request(parsed, push=push)
        if checker.details:
            return self._finish(call, 400, _error(400, details=checker.details))

        if push and retry_key is not None:
            key = retry_key.lower()
            if key in self._retry_keys:
                request_id, sent = self._retry_keys[key]
                return self._finish(
                    call,
                    409,
                    {"message": ERROR_MESSAGES[409], "sentMessages": sent},
                    {"x-line-accepted-request-id": request_id},
                )
        if push and self.quota_limit is not None and self._pushes_this_month() >= self.quota_limit:
            return self._finish(call, 429, _error(429, MONTHLY_LIMIT))
        if not push:
            token = parsed["replyToken"]
            if self.accept_unissued_tokens and token not in self._used_tokens:
                self._tokens.setdefault(token, "")
            if token not in self._tokens:
                return self._finish(call, 400, _error(400, INVALID_REPLY_TOKEN))
            self._used_tokens[token] = self._tokens.pop(token)

        sent = [
            {"id": str(secrets.randbelow(10**18)), "quoteToken": secrets.token_urlsafe(24)}
            for _ in parsed["messages"]
        ]
        request_id = str(uuid.uuid4())
        if push and retry_key is not None:
            self._retry_keys[retry_key.lower()] = (request_id, sent)
        if self._garble.get(endpoint):
            self._garble[endpoint] -= 1
            response = self._finish(call, 200, {"sentMessages": sent})
            response.body = b'{"sentMessages": "\xff\xfe'
            return response
        return self._finish(call, 200, {"sentMessages": sent}, {"x-line-request-id": request_id})

    async def _stats(self, request: web.Request) -> web.Response:
        """Counts for a benchmark that runs this fake in another process."""
        return web.json_response({"calls": len(self.calls), "delivered": self._delivered_count})

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._handle_send("reply", request)

    async def _push(self, request: web.Request) -> web.Response:
        return await self._handle_send("push", request)

    async def _profile(self, request: web.Request) -> web.Response:
        call = await self._begin("profile", request)
        user_id = request.match_info["userId"]
        call.user_id = user_id
        refused = self._refused(call, request)
        if refused is not None:
            return refused
        if not USER_ID_RE.match(user_id):
            return self._finish(call, 404, _error(404))
        profile: dict[str, Any] = {
            "displayName": "テスト 利用者",
            "userId": user_id,
            "pictureUrl": f"https://profile.line-scdn.net/{user_id[1:13]}",
            "statusMessage": "",
            "language": "ja",
        }
        profile.update(self._profiles.get(user_id, {}))
        return self._finish(call, 200, profile)

    async def _mark_read(self, request: web.Request) -> web.Response:
        """POST /v2/bot/chat/markAsRead (markMessagesAsReadByToken): a body of
        MarkMessagesAsReadByTokenRequest, {"markAsReadToken": string} required; 200 with an
        empty body."""
        call = await self._begin("mark_read", request)
        refused = self._refused(call, request)
        if refused is not None:
            return refused
        parsed = self._json_object(call)
        if isinstance(parsed, web.Response):
            return parsed
        checker = _Checker()
        checker.string(parsed, "markAsReadToken", "", required=True, min_len=1)
        if checker.details:
            return self._finish(call, 400, _error(400, details=checker.details))
        return self._finish(call, 200, {})

    async def _loading(self, request: web.Request) -> web.Response:
        """POST /v2/bot/chat/loading/start (showLoadingAnimation): a body of
        ShowLoadingAnimationRequest, {"chatId": string (required), "loadingSeconds": int32,
        5 to 60, a multiple of 5}; 202 with an empty object."""
        call = await self._begin("loading", request)
        refused = self._refused(call, request)
        if refused is not None:
            return refused
        parsed = self._json_object(call)
        if isinstance(parsed, web.Response):
            return parsed
        checker = _Checker()
        checker.string(parsed, "chatId", "", required=True, min_len=1)
        chat_id = parsed.get("chatId")
        if isinstance(chat_id, str) and not USER_ID_RE.match(chat_id):
            checker.fail("chatId", "Invalid chat ID")
        seconds = parsed.get("loadingSeconds")
        if seconds is not None:
            if not isinstance(seconds, int) or isinstance(seconds, bool):
                checker.fail("loadingSeconds", "Must be an integer")
            elif not 5 <= seconds <= 60 or seconds % 5:
                checker.fail("loadingSeconds", "Must be a multiple of 5 between 5 and 60")
        if checker.details:
            return self._finish(call, 400, _error(400, details=checker.details))
        return self._finish(call, 202, {})

    # The month's push allowance (getMessageQuota; None: no limit, as on a paid plan
    # without a target; a test sets 200 for the free plan) and what was used before this
    # fake started (getMessageQuotaConsumption adds every push it accepted). Over the
    # allowance a push is refused with 429 MONTHLY_LIMIT, as LINE does.
    quota_limit: int | None = None
    quota_used_before: int = 0

    def _pushes_this_month(self) -> int:
        return self.quota_used_before + len([c for c in self.calls_to("push") if c.delivered])

    async def _quota(self, request: web.Request) -> web.Response:
        """GET /v2/bot/message/quota: MessageQuotaResponse {"type": "none"|"limited",
        "value": int64 when limited}."""
        call = await self._begin("quota", request)
        refused = self._refused(call, request)
        if refused is not None:
            return refused
        if self.quota_limit is None:
            return self._finish(call, 200, {"type": "none"})
        return self._finish(call, 200, {"type": "limited", "value": self.quota_limit})

    async def _quota_consumption(self, request: web.Request) -> web.Response:
        """GET /v2/bot/message/quota/consumption: QuotaConsumptionResponse
        {"totalUsage": int64}, the pushes sent this month (replies are free)."""
        call = await self._begin("quota_consumption", request)
        refused = self._refused(call, request)
        if refused is not None:
            return refused
        return self._finish(call, 200, {"totalUsage": self._pushes_this_month()})

    def loading_shown(self) -> list[tuple[str, int | None]]:
        """(chatId, loadingSeconds) of every accepted loading-animation call, in order."""
        return [
            (c.body["chatId"], c.body.get("loadingSeconds"))
            for c in self.calls_to("loading")
            if c.status == 202
        ]

    def read_tokens_marked(self) -> list[str]:
        """The markAsReadToken of every accepted mark-as-read call, in order."""
        return [c.body["markAsReadToken"] for c in self.calls_to("mark_read") if c.status == 200]

    async def _info(self, request: web.Request) -> web.Response:
        call = await self._begin("info", request)
        refused = self._refused(call, request)
        if refused is not None:
            return refused
        return self._finish(
            call,
            200,
            {
                "userId": self.bot_user_id,
                "basicId": "@000tobira",
                "displayName": "tobira",
                "chatMode": "bot",
                "markAsReadMode": "auto",
            },
        )


async def _serve_forever(access_token: str) -> None:
    """`python -m tests.fakeline TOKEN`: run standalone and print the base URL."""
    fake = FakeLine(access_token, accept_unissued_tokens=True)
    await fake.start()
    print(fake.base_url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    asyncio.run(_serve_forever(sys.argv[1] if len(sys.argv) > 1 else "test-token"))
