"""Neutral messages to the web chat's wire form: one JSON list per turn, shown as bubbles."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.channels.web.texts import texts
from bot.delivery.channel import Outgoing


def worded(text: str) -> str:
    """A neutral text in the web chat's own words (texts/*.toml, [reworded])."""
    for line, instead in texts("ja").get("reworded", {}).items():
        text = text.replace(line, instead)
    return text


def render(messages: Sequence[Outgoing]) -> list[str]:
    """One payload (one outbox row, one page event) for all the messages of a turn."""
    if not messages:
        return []
    parts = [
        {"text": worded(m.text), "choices": [list(choice) for choice in m.choices]}
        for m in messages
    ]
    return [json.dumps(parts, ensure_ascii=False, separators=(",", ":"))]


def parts_of(payload: str) -> list[dict[str, object]]:
    """What the page shows of one of our payloads: texts, and buttons as label and data."""
    shown: list[dict[str, object]] = []
    for part in json.loads(payload):
        choices = [{"label": label, "data": data} for label, data in part.get("choices", [])]
        shown.append({"text": part.get("text", ""), "choices": choices})
    return shown
