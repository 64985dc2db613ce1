"""Reading stored LINE events into the neutral Inbound: what a turn sees of each shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.channels.line.inbound import to_inbound
from storage.events import StoredEvent
from tests import line_events as ev

USER = ev.new_user_id()


def stored(event: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        id=7,
        channel="line",
        event_id=str(event.get("webhookEventId", "x")),
        user_key=USER,
        kind=str(event.get("type")),
        occurred_at_ms=1_764_000_000_000,
        payload=json.dumps(event, ensure_ascii=False),
    )


def with_changes(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**event, **changes}


TEXT = ev.text(USER, "こんにちは", "token-1")
POSTBACK = ev.postback(USER, "topic=family", "token-2")


@pytest.mark.parametrize(
    ("event", "kind", "platform_type", "text", "data"),
    [
        (ev.follow(USER, "token-0"), "follow", "follow", None, None),
        (ev.unfollow(USER), "unfollow", "unfollow", None, None),
        (TEXT, "text", "message/text", "こんにちは", None),
        (POSTBACK, "postback", "postback", None, "topic=family"),
        (ev.sticker(USER, "token-3"), "other", "message/sticker", None, None),
        # Shapes the platform might send one day, or a broken one: kept, answered by nobody.
        (
            with_changes(TEXT, message={"type": "text", "text": 42}),
            "other",
            "message/text",
            None,
            None,
        ),
        (with_changes(TEXT, message="text"), "other", "message", None, None),
        (with_changes(POSTBACK, postback={"params": {}}), "other", "postback", None, None),
        (with_changes(TEXT, type="membered"), "other", "membered", None, None),
    ],
)
def test_each_shape_becomes_the_inbound_a_turn_expects(event, kind, platform_type, text, data):
    inbound = to_inbound(stored(event))
    assert (inbound.kind, inbound.platform_type) == (kind, platform_type)
    assert (inbound.text, inbound.postback_data) == (text, data)
    assert inbound.event_row_id == 7 and inbound.user_key == USER
    assert inbound.occurred_at.timestamp() == 1_764_000_000


def test_the_reply_token_is_kept_only_when_it_is_text():
    assert to_inbound(stored(TEXT)).reply_token == "token-1"
    assert to_inbound(stored(with_changes(TEXT, replyToken=None))).reply_token is None
    assert to_inbound(stored(ev.unfollow(USER))).reply_token is None
