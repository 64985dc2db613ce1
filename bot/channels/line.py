"""LINE webhooks: verify, check the shape, and turn events into rows and neutral Inbounds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from linebot.v3 import SignatureValidator
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot.inbound import Inbound
from storage.events import NewEvent, StoredEvent

CHANNEL = "line"


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
        return [_new_event(raw, index) for index, raw in enumerate(document["events"])]


def _new_event(raw: Any, index: int) -> NewEvent:
    if not isinstance(raw, dict):
        raise WebhookRejected(400, f"events[{index}] is not an object")
    event_id, kind, timestamp = raw.get("webhookEventId"), raw.get("type"), raw.get("timestamp")
    if not isinstance(event_id, str) or not event_id:
        raise WebhookRejected(400, f"events[{index}].webhookEventId is missing")
    if not isinstance(kind, str) or not kind:
        raise WebhookRejected(400, f"events[{index}].type is missing")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise WebhookRejected(400, f"events[{index}].timestamp is not a number")
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
    """Read a stored LINE event with the SDK's models into the neutral Inbound."""
    raw = json.loads(stored.payload)
    occurred_at = datetime.fromtimestamp(stored.occurred_at_ms / 1000, UTC)
    common = {
        "channel": CHANNEL,
        "event_row_id": stored.id,
        "user_key": stored.user_key or "",
        "occurred_at": occurred_at,
        "reply_token": raw.get("replyToken"),
    }
    try:
        event = Event.from_dict(raw)
    except (ValueError, TypeError, KeyError):
        # An event type or shape this SDK does not know: stored, answered by nobody.
        return Inbound(kind="other", platform_type=str(raw.get("type")), **common)
    if isinstance(event, FollowEvent):
        return Inbound(kind="follow", platform_type="follow", **common)
    if isinstance(event, UnfollowEvent):
        return Inbound(kind="unfollow", platform_type="unfollow", **common)
    if isinstance(event, PostbackEvent):
        return Inbound(
            kind="postback", postback_data=event.postback.data, platform_type="postback", **common
        )
    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            return Inbound(
                kind="text", text=event.message.text, platform_type="message/text", **common
            )
        return Inbound(kind="other", platform_type=f"message/{event.message.type}", **common)
    return Inbound(kind="other", platform_type=str(raw.get("type")), **common)
