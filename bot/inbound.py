"""The one neutral shape every channel's events take before the dispatcher sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

InboundKind = Literal["follow", "unfollow", "text", "postback", "other"]


@dataclass(frozen=True)
class Inbound:
    channel: str
    event_row_id: int
    user_key: str
    kind: InboundKind
    occurred_at: datetime
    text: str | None = None
    postback_data: str | None = None
    reply_token: str | None = None
    # What the platform called it (e.g. "message/sticker"), kept for staff and metrics.
    platform_type: str = ""


@dataclass(frozen=True)
class Outgoing:
    """A message to send, before a channel renders it: text and optional answer buttons."""

    text: str
    choices: tuple[tuple[str, str], ...] = ()  # (label, postback data)
