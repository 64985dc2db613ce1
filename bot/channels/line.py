"""LINE webhooks: verify, check the shape, and turn events into rows and neutral Inbounds."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from linebot.v3 import SignatureValidator

from bot.inbound import Inbound
from storage.events import NewEvent, StoredEvent

CHANNEL = "line"
log = logging.getLogger("tobira.webhook")


class WebhookRejected(Exception):
    """The request is not a webhook we accept. `reason` is safe to log (no body content)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class LineWebhook:
    def __init__(self, channel_secret: str) -> None:
        self._validator = SignatureValidator(channel_secret)

    def parse(self, body: bytes, signature: str | None) -> list[NewEvent]:
        """Verify the signature on the raw bytes first, then read the events."""
        if not signature:
            raise WebhookRejected(400, "missing X-Line-Signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookRejected(400, "body is not UTF-8") from None
        if not self._validator.validate(text, signature):
            raise WebhookRejected(400, "signature does not match")
        try:
            document = json.loads(text)
        except ValueError:
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("events"), list):
            raise WebhookRejected(400, "body has no events list")
        return [_new_event(raw, index, body) for index, raw in enumerate(document["events"])]


def _problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return "not an object"
    if not isinstance(raw.get("webhookEventId"), str) or not raw["webhookEventId"]:
        return "webhookEventId is missing"
    if not isinstance(raw.get("type"), str) or not raw["type"]:
        return "type is missing"
    timestamp = raw.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        return "timestamp is not a number"
    return None


def _new_event(raw: Any, index: int, body: bytes) -> NewEvent:
    problem = _problem(raw)
    if problem is not None:
        # Signed by LINE, so genuinely theirs: keep it (under an id a redelivery of the same
        # body repeats) rather than refuse the whole body and lose its other events.
        log.warning("malformed event kept", extra={"index": index, "problem": problem})
        digest = hashlib.sha256(body).hexdigest()[:20]
        return NewEvent(
            channel=CHANNEL,
            event_id=f"malformed:{digest}:{index}",
            user_key=None,
            kind="malformed",
            occurred_at_ms=0,
            payload=json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
        )
    event_id, kind, timestamp = raw["webhookEventId"], raw["type"], raw["timestamp"]
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    user_id = source.get("userId") if isinstance(source.get("userId"), str) else None
    return NewEvent(
        channel=CHANNEL,
        event_id=event_id,
        user_key=user_id,
        kind=kind,
        occurred_at_ms=timestamp,
        payload=json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
    )


def to_inbound(stored: StoredEvent) -> Inbound:
    """Read a stored LINE event into the neutral Inbound.

    Only the handful of fields a turn needs are read, each checked for its type; anything
    else (a new event type, a sticker, a changed shape) becomes "other": kept, shown to
    staff, answered by nobody. The SDK's pydantic models did the same at a tenth of a
    millisecond per event, the largest single cost of a turn."""
    raw = json.loads(stored.payload)
    kind = raw.get("type")
    common = {
        "channel": CHANNEL,
        "event_row_id": stored.id,
        "user_key": stored.user_key or "",
        "occurred_at": datetime.fromtimestamp(stored.occurred_at_ms / 1000, UTC),
        "reply_token": _text_field(raw, "replyToken"),
    }
    if kind in ("follow", "unfollow"):
        return Inbound(kind=kind, platform_type=kind, **common)
    if kind == "postback":
        data = _text_field(raw.get("postback"), "data")
        if data is not None:
            return Inbound(kind="postback", postback_data=data, platform_type=kind, **common)
    if kind == "message" and isinstance(raw.get("message"), dict):
        message_type = str(raw["message"].get("type"))
        text = _text_field(raw["message"], "text")
        if message_type == "text" and text is not None:
            return Inbound(kind="text", text=text, platform_type="message/text", **common)
        return Inbound(kind="other", platform_type=f"message/{message_type}", **common)
    return Inbound(kind="other", platform_type=str(kind), **common)


def _text_field(container: Any, name: str) -> str | None:
    value = container.get(name) if isinstance(container, dict) else None
    return value if isinstance(value, str) else None
