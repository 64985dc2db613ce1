"""Fixtures for the flow tests: the shipped flows with test configuration, and a conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from flows import FlowEvent, FlowSet, FlowState, load_flows, step
from flows.effects import Effect, End, HandOff, OutMessage, Send

VARIABLES = {
    "service_name": "ひきこもり相談窓口",
    "opening_hours": "平日の9時から17時",
    "opening_hours_en": "on weekdays, 9:00 to 17:00",
    "window_location": "区役所の3階",
    "window_location_en": "the ward office, 3rd floor",
}
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def flowset() -> FlowSet:
    return load_flows(variables=VARIABLES)


@dataclass
class Conversation:
    """One person talking to the engine; the state goes through JSON every turn, as stored."""

    flows: FlowSet
    state: FlowState = field(default_factory=FlowState.initial)
    now: datetime = START
    turns: list[list[Effect]] = field(default_factory=list)

    def send(self, event: FlowEvent) -> list[Effect]:
        self.now += timedelta(minutes=1)
        state, effects = step(self.flows, self.state, event, self.now)
        self.state = FlowState.from_json(state.to_json())
        assert self.state == state, "state must survive a JSON round trip unchanged"
        self.turns.append(effects)
        return effects

    def follow(self) -> list[Effect]:
        return self.send(FlowEvent("follow"))

    def type(self, text: str) -> list[Effect]:
        return self.send(FlowEvent("text", text=text))

    def tap(self, choice_id: str) -> list[Effect]:
        """Tap the button of the open question whose data ends with the choice id."""
        buttons = self.last_question().choices
        data = [c.data for c in buttons if c.data.rsplit(":", 1)[1] == choice_id]
        assert data, f"no button '{choice_id}' in {[c.data for c in buttons]}"
        return self.send(FlowEvent("postback", postback_data=data[0]))

    def wait(self, hours: float) -> None:
        self.now += timedelta(hours=hours)

    def messages(self, effects: list[Effect] | None = None) -> list[OutMessage]:
        effects = self.turns[-1] if effects is None else effects
        return [m for e in effects if isinstance(e, Send) for m in e.messages]

    def texts(self, effects: list[Effect] | None = None) -> str:
        return "\n".join(m.text for m in self.messages(effects))

    def last_question(self) -> OutMessage:
        for effects in reversed(self.turns):
            asked = [m for m in self.messages(effects) if m.choices]
            if asked:
                return asked[-1]
        raise AssertionError("no question was asked")

    def handoff(self) -> HandOff | None:
        found = [e for e in self.turns[-1] if isinstance(e, HandOff)]
        return found[0] if found else None

    def ended(self) -> bool:
        return any(isinstance(e, End) for e in self.turns[-1])


@pytest.fixture
def talk(flowset: FlowSet) -> Conversation:
    return Conversation(flowset)
