"""Build webhook requests the way the LINE Platform sends them (shapes per webhook.yml).

token = line.issue_reply_token(uid)
body = payload(text(uid, "こんにちは", token))
status = await post_webhook(session, f"{app_url}/webhooks/line", body, secret)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from typing import Any

import aiohttp

BOT_USER_ID = "U" + "0" * 32
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def sign(body: bytes, channel_secret: str) -> str:
    """The X-Line-Signature value: base64(HMAC-SHA256(channel secret, raw body))."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def new_user_id() -> str:
    """A user ID like LINE's: "U" + 32 lower-case hex digits."""
    return "U" + secrets.token_hex(16)


def new_event_id(ts_ms: int | None = None) -> str:
    """A ULID-like webhookEventId: 26 Crockford base32 chars, 48-bit ms time + 80 random bits."""
    ms = now_ms() if ts_ms is None else ts_ms
    n = ((ms & ((1 << 48) - 1)) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(26)))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _message_id() -> str:
    return str(10**17 + secrets.randbelow(9 * 10**17))


def _base(event_type: str, user_id: str, ts_ms: int | None) -> dict[str, Any]:
    ts = now_ms() if ts_ms is None else ts_ms
    return {
        "type": event_type,
        "mode": "active",
        "timestamp": ts,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": new_event_id(ts),
        "deliveryContext": {"isRedelivery": False},
    }


def follow(
    user_id: str, reply_token: str, ts_ms: int | None = None, *, is_unblocked: bool = False
) -> dict[str, Any]:
    """A follow event (friend added, or unblocked when ``is_unblocked``)."""
    ev = _base("follow", user_id, ts_ms)
    ev["replyToken"] = reply_token
    ev["follow"] = {"isUnblocked": is_unblocked}
    return ev


def unfollow(user_id: str, ts_ms: int | None = None) -> dict[str, Any]:
    """An unfollow (block) event: no reply token."""
    return _base("unfollow", user_id, ts_ms)


def text(user_id: str, text: str, reply_token: str, ts_ms: int | None = None) -> dict[str, Any]:
    """A text message event."""
    ev = _base("message", user_id, ts_ms)
    ev["replyToken"] = reply_token
    ev["message"] = {
        "type": "text",
        "id": _message_id(),
        "quoteToken": secrets.token_urlsafe(48),
        # Sent when the account's chat feature is on (webhook.yml TextMessageContent).
        "markAsReadToken": secrets.token_urlsafe(32),
        "text": text,
    }
    return ev


def postback(
    user_id: str,
    data: str,
    reply_token: str,
    ts_ms: int | None = None,
    *,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A postback event (quick reply / rich menu button with a postback action)."""
    ev = _base("postback", user_id, ts_ms)
    ev["replyToken"] = reply_token
    ev["postback"] = {"data": data}
    if params is not None:
        ev["postback"]["params"] = params
    return ev


def sticker(
    user_id: str,
    reply_token: str,
    ts_ms: int | None = None,
    *,
    package_id: str = "446",
    sticker_id: str = "1988",
) -> dict[str, Any]:
    """A sticker message event: a message that is not text."""
    ev = _base("message", user_id, ts_ms)
    ev["replyToken"] = reply_token
    ev["message"] = {
        "type": "sticker",
        "id": _message_id(),
        "quoteToken": secrets.token_urlsafe(48),
        "packageId": package_id,
        "stickerId": sticker_id,
        "stickerResourceType": "STATIC",
        "keywords": ["Happy", "Smile"],
    }
    return ev


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    """The same event as LINE redelivers it: same webhookEventId, ``isRedelivery: true``."""
    return {**event, "deliveryContext": {"isRedelivery": True}}


def payload(*events: dict[str, Any], destination: str = BOT_USER_ID) -> bytes:
    """The webhook request body: compact UTF-8 JSON (non-ASCII not escaped), like LINE's."""
    body = {"destination": destination, "events": list(events)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def post_webhook(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    secret: str | None,
    signature: str | None = None,
) -> int:
    """POST ``body`` to the app's webhook like LINE does; returns the HTTP status.

    The signature is ``signature`` if given, else computed from ``secret``; with neither,
    no X-Line-Signature header is sent.
    """
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LineBotWebhook/2.0",
    }
    sig = signature if signature is not None else (sign(body, secret) if secret else None)
    if sig is not None:
        headers["X-Line-Signature"] = sig
    async with session.post(url, data=body, headers=headers) as resp:
        await resp.read()
        return resp.status
