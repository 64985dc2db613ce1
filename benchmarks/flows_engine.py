"""Engine steps per second on the shipped flows, with the state through JSON every turn.

Walks every path of every shipped flow (each first-contact answer, then answering each question
by tap, typed label, skip or free text) again and again, as the dispatcher would: load the state
from JSON, step, store the state as JSON.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows import FlowEvent, FlowSet, FlowState, HandOff, OutMessage, Send, load_flows, step
from flows.effects import End

VARIABLES = {
    "service_name": "ひきこもり相談窓口",
    "opening_hours": "平日の9時から17時",
    "window_location": "区役所の3階",
}
MAX_TURNS = 20  # the information menu can loop; ask for a person after this many turns

Answer = Callable[[OutMessage, int], FlowEvent]


def _tap(index: int) -> Answer:
    def answer(question: OutMessage, turn: int) -> FlowEvent:
        buttons = [c for c in question.choices if not c.data.endswith(("_skip", "_lang"))]
        return FlowEvent("postback", postback_data=buttons[(index + turn) % len(buttons)].data)

    return answer


def _typed_label(question: OutMessage, turn: int) -> FlowEvent:
    return FlowEvent("text", text=question.choices[turn % len(question.choices)].label)


def _skip(question: OutMessage, turn: int) -> FlowEvent:
    return FlowEvent(
        "postback",
        postback_data=question.choices[-1].data
        if question.choices[-1].data.endswith("_skip")
        else question.choices[-2].data,
    )


def _free_text(question: OutMessage, turn: int) -> FlowEvent:
    return FlowEvent("text", text="母が心配で、少し話を聞いてほしいです。")


STRATEGIES: list[Answer] = [_tap(0), _tap(1), _tap(2), _typed_label, _skip, _free_text]


def _walk(flows: FlowSet, who_index: int, answer: Answer, now: datetime) -> int:
    """One conversation from follow to handoff or end; returns the number of steps."""
    stored = FlowState.initial().to_json()
    event = FlowEvent("follow")
    for turn in range(MAX_TURNS + 2):
        state, effects = step(flows, FlowState.from_json(stored), event, now)
        stored = state.to_json()
        if any(isinstance(e, HandOff | End) for e in effects):
            return turn + 1
        sends = [e for e in effects if isinstance(e, Send)]
        question = sends[-1].messages[-1]
        if turn == 0:
            event = _tap(who_index)(question, 0)
        elif turn >= MAX_TURNS:
            event = FlowEvent("text", text="人と話したい")
        else:
            event = answer(question, turn)
        now += timedelta(seconds=30)
    raise RuntimeError("walk did not finish")


def run(seconds: float = 2.0) -> dict[str, float]:
    started = time.perf_counter()
    flows = load_flows(variables=VARIABLES)
    load_ms = (time.perf_counter() - started) * 1000
    now = datetime(2026, 11, 25, 10, tzinfo=UTC)
    walks = [(who, answer) for who in range(4) for answer in STRATEGIES]
    steps = conversations = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for who, answer in walks:
            steps += _walk(flows, who, answer, now)
            conversations += 1
    elapsed = time.perf_counter() - started
    return {
        "load_ms": load_ms,
        "steps_per_s": steps / elapsed,
        "conversations_per_s": conversations / elapsed,
        "steps": float(steps),
        "seconds": elapsed,
    }


def main() -> None:
    figures = run()
    print(f"flows: loaded the shipped flows in {figures['load_ms']:.1f} ms")
    print(
        f"flows: {figures['steps_per_s']:,.0f} engine steps/s with a JSON state round trip"
        f" each step ({figures['conversations_per_s']:,.0f} conversations/s,"
        f" {figures['steps']:,.0f} steps in {figures['seconds']:.2f} s)"
    )


if __name__ == "__main__":
    main()
