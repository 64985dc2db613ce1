"""Neutral messages to LINE message objects, within LINE's limits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from linebot.v3.messaging import Message

from bot.channels.line.limits import MAX_LABEL_CHARS, MAX_MESSAGES_PER_CALL, MAX_TEXT_UTF16
from bot.delivery.channel import Outgoing
from flows.text import utf16_units

__all__ = ["combine", "render", "split_text", "utf16_units"]


def split_text(text: str, limit: int = MAX_TEXT_UTF16) -> list[str]:
    """Split a long text at line breaks (or, for one huge line, at the limit itself)."""
    if utf16_units(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while utf16_units(line) > limit:
            if current:
                parts.append(current)
                current = ""
            head, line = _cut(line, limit)
            parts.append(head)
        if utf16_units(current + line) > limit:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return [part.rstrip("\n") or part for part in parts]


def _cut(line: str, limit: int) -> tuple[str, str]:
    units = 0
    for index, char in enumerate(line):
        units += utf16_units(char)
        if units > limit:
            return line[:index], line[index:]
    return line, ""


def render(messages: list[Outgoing], *, reusable: bool = True) -> list[str]:
    """LINE message objects as JSON arrays, one per API call of at most 5 messages: the
    outbox keeps them and the sender sends them as they are. Words written for one person
    (`reusable=False`: a counselor's answer) are not kept in the cache."""
    render_one = _objects if reusable else _objects.__wrapped__
    objects = [obj for message in messages for obj in render_one(message)]
    return [
        "[" + ",".join(objects[i : i + MAX_MESSAGES_PER_CALL]) + "]"
        for i in range(0, len(objects), MAX_MESSAGES_PER_CALL)
    ]


# Flows say the same questions to everyone: each distinct message is rendered, checked and
# serialised once.
@lru_cache(maxsize=2048)
def _objects(message: Outgoing) -> tuple[str, ...]:
    pieces = split_text(message.text)
    objects = []
    for index, piece in enumerate(pieces):
        obj: dict[str, Any] = {"type": "text", "text": piece}
        # Answer buttons belong under the last piece, where the question is read.
        if message.choices and index == len(pieces) - 1:
            obj["quickReply"] = _checked_quick_reply(message.choices)
        # A plain text object ({"type": "text", "text": a str}) is one the SDK's model always
        # accepts: checked only when it carries answer buttons. Personal words (a counselor's
        # name and time) are rendered on every turn, and the check was most of that cost.
        objects.append(json.dumps(obj, ensure_ascii=False))
    return tuple(objects)


@lru_cache(maxsize=2048)
def _checked_quick_reply(choices: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The answer buttons, once the SDK's model has accepted them under a text. The model
    reads the text as any string, so the buttons alone decide: checked once per set of
    buttons, also under personal words (which are not kept: only the buttons are)."""
    quick_reply = {"items": [_quick_reply(*choice) for choice in choices]}
    checked({"type": "text", "text": "", "quickReply": quick_reply})
    return quick_reply


def _quick_reply(label: str, data: str) -> dict[str, Any]:
    if len(label) > MAX_LABEL_CHARS:
        raise ValueError(f"quick reply label over {MAX_LABEL_CHARS} characters")
    return {
        "type": "action",
        "action": {"type": "postback", "label": label, "data": data, "displayText": label},
    }


def combine(payloads: Sequence[str]) -> str | None:
    """Several rendered calls as one, if they fit: at most five messages, and answer
    buttons only on the last one (LINE shows a quick reply only under the last message)."""
    objects: list[Any] = []
    for payload in payloads:
        parsed = json.loads(payload)
        if not isinstance(parsed, list):
            return None
        objects += parsed
    if len(objects) > MAX_MESSAGES_PER_CALL:
        return None
    if any(isinstance(obj, dict) and "quickReply" in obj for obj in objects[:-1]):
        return None
    return json.dumps(objects, ensure_ascii=False)


def checked(obj: dict[str, Any]) -> dict[str, Any]:
    """The message object, once the SDK's model of LINE's schema has accepted it."""
    Message.from_dict(obj)
    return obj
