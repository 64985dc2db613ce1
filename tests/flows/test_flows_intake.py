"""The intake record and the stored state: both must survive storage unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flows import SKIPPED, FlowState, Intake, intake_from_answers

ANSWERS = {
    "first_message": "はじめまして",
    "who": "family",
    "relationship": "叔母です",
    "age_band": "40s",
    "duration": SKIPPED,
    "wish": "home_visit",
    "contact": "chat",
    "contact_time": "evening",
    "note": "また来ました",
    "note_2": "弟のことです",
}


def test_intake_from_answers() -> None:
    intake = intake_from_answers(ANSWERS)
    assert intake == Intake(
        who="family",
        relationship="叔母です",
        age_band="40s",
        duration=SKIPPED,
        wishes=("home_visit",),
        contact_preference="chat",
        contact_time="evening",
        notes=("はじめまして", "また来ました", "弟のことです"),
    )


def test_intake_for_a_supporter_and_an_empty_conversation() -> None:
    intake = intake_from_answers({"who": "supporter", "organisation": "care", "need": "case"})
    assert (intake.organisation, intake.wishes, intake.relationship) == ("care", ("case",), None)
    assert intake_from_answers({}) == Intake()


def test_intake_dict_round_trip_through_json() -> None:
    intake = intake_from_answers(ANSWERS)
    data = json.loads(json.dumps(intake.to_dict(), ensure_ascii=False))
    assert Intake.from_dict(data) == intake
    assert data["wishes"] == ["home_visit"]


def test_state_round_trip_keeps_everything() -> None:
    state = FlowState(
        flow="family",
        step="wish",
        answers=dict(ANSWERS),
        language="en",
        paused=True,
        mode="bot",
        variables={"counselor_name": "田中"},
        last_active=datetime(2026, 11, 25, 10, 30, tzinfo=UTC),
    )
    text = state.to_json()
    assert "田中" in text, "Japanese stays readable in storage"
    again = FlowState.from_json(text)
    assert again == state
    assert list(again.answers) == list(ANSWERS), "answer order is kept for the summary"


def test_after_resolution_keeps_language_answers_and_variables() -> None:
    state = FlowState(
        flow="family",
        step="thanks",
        answers={"who": "family"},
        language="en",
        mode="handed_off",
        variables={"counselor_name": "田中"},
    )
    fresh = state.after_resolution()
    assert (fresh.flow, fresh.step, fresh.mode, fresh.paused) == (None, None, "bot", False)
    assert (fresh.language, fresh.answers, fresh.variables) == (
        "en",
        {"who": "family"},
        {"counselor_name": "田中"},
    )


def test_unknown_values_in_stored_json_fall_back_safely() -> None:
    state = FlowState.from_json('{"language": "fr", "mode": "??", "answers": {"a": 1}}')
    assert (state.language, state.mode, state.answers) == ("ja", "bot", {"a": "1"})
