"""Webhook events as the LINE Platform sends them (webhook.yml), for the demo's simulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from typing import Any

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def sign(body: bytes, channel_secret: str) -> str:
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def _event_id(ms: int) -> str:
    n = ((ms & ((1 << 48) - 1)) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(26)))


def event(kind: str, user_id: str, reply_token: str | None, **content: Any) -> dict[str, Any]:
    """A follow, unfollow, text message or postback event."""
    ms = time.time_ns() // 1_000_000
    raw: dict[str, Any] = {
        "type": "message" if kind == "text" else kind,
        "mode": "active",
        "timestamp": ms,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": _event_id(ms),
        "deliveryContext": {"isRedelivery": False},
    }
    if kind != "unfollow":
        raw["replyToken"] = reply_token
    if kind == "follow":
        raw["follow"] = {"isUnblocked": False}
    elif kind == "text":
        raw["message"] = {
            "type": "text",
            "id": str(10**17 + secrets.randbelow(9 * 10**17)),
            "quoteToken": secrets.token_urlsafe(48),
            "text": content["text"],
        }
    elif kind == "postback":
        raw["postback"] = {"data": content["data"]}
    return raw


def body_of(*events: dict[str, Any]) -> bytes:
    document = {"destination": "U" + "0" * 32, "events": list(events)}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
