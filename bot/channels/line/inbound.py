"""Stored LINE events read into the neutral Inbound the dispatcher works with."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.channels.line.webhook import CHANNEL
from bot.delivery.channel import Inbound
from storage.events import StoredEvent


def to_inbound(stored: StoredEvent, *, keep_read_token: bool = False) -> Inbound:
    """Read a stored LINE event into the neutral Inbound.

    Only the handful of fields a turn needs are read, each checked for its type; anything
    else (a new event type, a sticker, a changed shape) becomes "other": kept, shown to
    staff, answered by nobody. The SDK's pydantic models did the same at a tenth of a
    millisecond per event, the largest single cost of a turn.

    `keep_read_token`: keep the message's markAsReadToken, to mark it read when a counselor
    opens the conversation (`[line] mark_as_read = "when_staff_open"`)."""
    raw = json.loads(stored.payload)
    kind = raw.get("type")
    # Anything not read below stays "other": kept, shown to staff, answered by nobody.
    other = Inbound(
        channel=CHANNEL,
        event_row_id=stored.id,
        user_key=stored.user_key or "",
        kind="other",
        occurred_at=datetime.fromtimestamp(stored.occurred_at_ms / 1000, UTC),
        reply_token=_text_field(raw, "replyToken"),
        platform_type=str(kind),
        contact_id=stored.contact_id,
    )
    if kind in ("follow", "unfollow"):
        return replace(other, kind=kind)
    if kind == "postback":
        data = _text_field(raw.get("postback"), "data")
        if data is not None:
            return replace(other, kind="postback", postback_data=data)
    if kind == "message" and isinstance(raw.get("message"), dict):
        message_type = str(raw["message"].get("type"))
        text = _text_field(raw["message"], "text")
        if keep_read_token:
            other = replace(other, read_token=_text_field(raw["message"], "markAsReadToken"))
        if message_type == "text" and text is not None:
            return replace(other, kind="text", text=text, platform_type="message/text")
        return replace(other, platform_type=f"message/{message_type}")
    return other


def _text_field(container: Any, name: str) -> str | None:
    value = container.get(name) if isinstance(container, dict) else None
    return value if isinstance(value, str) else None
