"""Property-style: explore every place a conversation can rest, with every kind of input, and
check every message the shipped flows can send against LINE's limits and TONE.md."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.channels.line.limits import (
    MAX_CHOICES,
    MAX_DATA_CHARS,
    MAX_LABEL_CHARS,
    MAX_TEXT_UTF16,
)
from flows import FlowEvent, FlowSet, FlowState, HandOff, Send, step
from flows.effects import MAX_MESSAGES_PER_TURN
from flows.text import utf16_units
from tests.flows.conftest import START

WORDS = [
    "やめる",
    "はじめから",
    "人と話したい",
    "English",
    "日本語",
    "stop",
    "start over",
    "talk to a person",
    "スキップ",
]
OTHER_INPUT = [
    FlowEvent("follow"),
    FlowEvent("text", text="自由に書いたこと"),
    FlowEvent("text", text=None),
    FlowEvent("postback", postback_data="t1:x:y:z"),
]
PRESSURE_WORDS = ["早く", "必ず", "社会復帰", "なぜ", "!!", "！！"]


def inputs(state: FlowState, last: Send | None) -> list[FlowEvent]:
    events = [FlowEvent("text", text=w) for w in WORDS] + OTHER_INPUT
    if last is not None:
        for message in last.messages:
            for choice in message.choices:
                events.append(FlowEvent("postback", postback_data=choice.data))
                events.append(FlowEvent("text", text=choice.label))
    return events


def explore(flows: FlowSet) -> tuple[list[list], int]:
    """Breadth-first over resting places (flow, step, language, paused, mode)."""
    start = FlowState.initial()
    todo: deque[tuple[FlowState, Send | None]] = deque([(start, None)])
    seen: set[tuple] = set()
    turns: list[list] = []
    while todo:
        state, last = todo.popleft()
        for event in inputs(state, last):
            for gap in (timedelta(minutes=1), timedelta(days=8)):
                new, effects = step(flows, state, event, START + gap)
                new = FlowState.from_json(new.to_json())
                turns.append(effects)
                key = (new.flow, new.step, new.language, new.paused, new.mode)
                sends = [e for e in effects if isinstance(e, Send)]
                if key not in seen and new.mode == "bot":
                    seen.add(key)
                    # Set the clock back to START so both gaps are tried from here too.
                    todo.append((replace(new, last_active=START), sends[-1] if sends else last))
    return turns, len(seen)


@pytest.fixture(scope="module")
def explored(flowset: FlowSet) -> tuple[list[list], int]:
    return explore(flowset)


def test_exploration_reaches_every_question(explored, flowset: FlowSet) -> None:
    turns, places = explored
    asked = {
        m.text for t in turns for e in t if isinstance(e, Send) for m in e.messages if m.choices
    }
    for flow in flowset.flows.values():
        for s in flow.steps.values():
            if s.kind == "ask":
                assert s.question.ja in asked and s.question.get("en") in asked, s.name
    assert places > 40 and len(turns) > 2000


def test_every_message_respects_line_limits_and_tone(explored) -> None:
    turns, _ = explored
    for effects in turns:
        sends = [e for e in effects if isinstance(e, Send)]
        assert len(sends) <= 1
        messages = [m for s in sends for m in s.messages]
        assert len(messages) <= MAX_MESSAGES_PER_TURN
        if any(isinstance(e, HandOff) for e in effects):
            # Leaves room for the dispatcher's promise of who answers and when.
            assert len(messages) <= MAX_MESSAGES_PER_TURN - 1
        asked = [m for m in messages if m.choices]
        assert len(asked) <= 1, "one question per turn"
        if asked:
            assert messages[-1] is asked[0], "buttons ride on the last message"
        for message in messages:
            assert 0 < utf16_units(message.text) <= MAX_TEXT_UTF16
            assert "{" not in message.text, f"placeholder left in: {message.text}"
            assert not any(word in message.text for word in PRESSURE_WORDS), message.text
            assert len(message.choices) <= MAX_CHOICES
            for choice in message.choices:
                assert 0 < len(choice.label) <= MAX_LABEL_CHARS
                assert 0 < len(choice.data) <= MAX_DATA_CHARS
            assert len({c.data for c in message.choices}) == len(message.choices)


def test_every_question_offers_a_skip(explored) -> None:
    turns, _ = explored
    for effects in turns:
        for e in effects:
            if isinstance(e, Send) and e.messages[-1].choices:
                assert any(c.data.endswith(":_skip") for c in e.messages[-1].choices)
