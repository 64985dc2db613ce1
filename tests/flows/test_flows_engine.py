"""The engine's behaviour around the script: words that work everywhere, returns, odd input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows import (
    FlowEvent,
    FlowState,
    HandOff,
    Paused,
    Resumed,
    Send,
    StoreAnswer,
    load_flows,
    step,
)
from tests.flows.conftest import VARIABLES, Conversation

AGE_QUESTION = "ご本人は、いま何歳くらいですか？"


def at_age_question(talk: Conversation) -> Conversation:
    talk.follow()
    talk.tap("family")
    talk.tap("mother")
    assert talk.last_question().text == AGE_QUESTION
    return talk


def test_follow_sends_first_contact_in_three_messages(talk: Conversation) -> None:
    talk.follow()
    messages = talk.messages()
    assert len(messages) == 3
    assert "ひきこもり相談窓口です" in messages[0].text
    assert messages[1].text.count("\n") == 1, "the privacy note is two lines"
    labels = [c.label for c in messages[2].choices]
    assert labels == [
        "自分のこと",
        "家族のこと",
        "支援者・関係機関として",
        "まだ決めていない",
        "答えたくない",
        "English",
    ]
    assert messages[2].choices[1].data == "t1:first_contact:who:family"
    assert not messages[0].choices and not messages[1].choices


@pytest.mark.parametrize("word", ["やめる", "やめる。", "ストップ", "STOP", " stop "])
def test_pause_then_any_message_resumes_at_the_same_question(talk: Conversation, word: str) -> None:
    at_age_question(talk)
    effects = talk.type(word)
    assert Paused() in effects
    assert talk.state.paused
    assert "ここで止めます" in talk.texts()
    assert not any(m.choices for m in talk.messages()), "no question while paused"
    talk.wait(24 * 14)
    effects = talk.type("また来ました")
    assert effects[0] == Resumed()
    assert not talk.state.paused
    messages = talk.messages()
    assert "止めたところから" in messages[0].text
    assert messages[-1].text == AGE_QUESTION
    assert len(messages) == 2, "resumed text replaces the welcome back, not both"
    # What they wrote is kept for staff, not taken as the age.
    assert talk.state.answers["note"] == "また来ました"
    assert "age_band" not in talk.state.answers


def test_pause_twice_answers_once_more_and_stays_paused(talk: Conversation) -> None:
    at_age_question(talk)
    talk.type("やめる")
    effects = talk.type("やめる")
    assert talk.state.paused
    assert Paused() not in effects and "ここで止めます" in talk.texts()


def test_tap_after_pause_resumes_and_answers(talk: Conversation) -> None:
    at_age_question(talk)
    talk.type("やめる")
    effects = talk.tap("20s")
    assert effects[0] == Resumed()
    assert talk.state.answers["age_band"] == "20s"
    assert talk.last_question().text.startswith("今のような様子は")


@pytest.mark.parametrize("word", ["はじめから", "最初から", "Start over"])
def test_restart_forgets_answers_and_asks_who_again(talk: Conversation, word: str) -> None:
    at_age_question(talk)
    talk.type(word)
    assert talk.state.answers == {}
    assert (talk.state.flow, talk.state.step) == ("first_contact", "who")
    assert talk.last_question().text.startswith("どなたのことでのご相談ですか")


def test_restart_while_paused(talk: Conversation) -> None:
    at_age_question(talk)
    talk.type("やめる")
    effects = talk.type("はじめから")
    assert Resumed() in effects and talk.state.step == "who" and not talk.state.paused


@pytest.mark.parametrize("word", ["人と話したい", "相談員と話したい", "Talk to a person"])
def test_talk_to_a_person_hands_off_now(talk: Conversation, word: str) -> None:
    at_age_question(talk)
    effects = talk.type(word)
    handoff = effects[-1]
    assert isinstance(handoff, HandOff) and handoff.topic == "family"
    assert "続柄（相談者から見たご本人との関係）: 母" in handoff.summary
    assert "相談員におつなぎします" in talk.texts()
    assert talk.state.mode == "handed_off"


def test_talk_to_a_person_after_reading_uses_the_first_answer(talk: Conversation) -> None:
    talk.follow()
    talk.tap("looking")
    talk.tap("_skip")  # 今はここまで: the conversation ends
    assert talk.ended()
    talk.type("人と話したい")
    assert talk.handoff().topic == "information"


@pytest.mark.parametrize(
    "event",
    [
        FlowEvent("postback", postback_data="garbage"),
        FlowEvent("postback", postback_data="t1:family:relationship:mother"),  # an old button
        FlowEvent("postback", postback_data="t1:family:age_band:nope"),
        FlowEvent("postback", postback_data=None),
        FlowEvent("text", text=None),
        FlowEvent("text", text="   "),
    ],
    ids=["garbage", "stale-button", "unknown-choice", "no-data", "no-text", "blank"],
)
def test_unknown_input_repeats_the_question_and_changes_nothing(
    talk: Conversation, event: FlowEvent
) -> None:
    at_age_question(talk)
    before = talk.state
    effects = talk.send(event)
    assert not any(isinstance(e, StoreAnswer | HandOff) for e in effects)
    assert talk.messages()[-1].text == AGE_QUESTION
    assert (talk.state.flow, talk.state.step, talk.state.answers) == (
        before.flow,
        before.step,
        before.answers,
    )


def test_restart_of_the_service_continues_from_stored_json(flowset) -> None:
    """The stored JSON and a freshly loaded FlowSet are all a new process has."""
    talk = at_age_question(Conversation(flowset))
    stored = talk.state.to_json()
    fresh = load_flows(variables=VARIABLES)
    state, effects = step(
        fresh,
        FlowState.from_json(stored),
        FlowEvent("postback", postback_data="t1:family:age_band:30s"),
        talk.now + timedelta(minutes=5),
    )
    assert state.answers["age_band"] == "30s"
    assert state.step == "duration"
    assert StoreAnswer("age_band", "30s", "30代") in effects


def test_welcome_back_after_a_long_gap_before_the_question(talk: Conversation) -> None:
    at_age_question(talk)
    talk.wait(25)
    talk.type("こんばんは")
    messages = talk.messages()
    assert "また来てくださって" in messages[0].text
    assert messages[-1].text == AGE_QUESTION
    assert talk.state.answers["note"] == "こんばんは"
    for word in ("遅", "早く", "必ず", "なぜ"):
        assert word not in messages[0].text


def test_no_welcome_back_after_a_short_gap(talk: Conversation) -> None:
    at_age_question(talk)
    talk.wait(3)
    talk.type("30代")
    assert "また来てくださって" not in talk.texts()
    assert talk.state.answers["age_band"] == "30s"


def test_follow_again_mid_flow_welcomes_back(talk: Conversation) -> None:
    at_age_question(talk)
    talk.follow()
    assert "また来てくださって" in talk.messages()[0].text
    assert talk.messages()[-1].text == AGE_QUESTION


def test_after_handoff_the_engine_stays_silent(talk: Conversation) -> None:
    at_age_question(talk)
    talk.type("人と話したい")
    before = talk.state
    for event in (
        FlowEvent("text", text="よろしくお願いします"),
        FlowEvent("follow"),
        FlowEvent("text", text="はじめから"),
        FlowEvent("postback", postback_data="t1:family:age_band:30s"),
    ):
        assert talk.send(event) == []
        assert talk.state == before


def test_after_resolution_next_message_starts_again_keeping_language_and_answers(
    talk: Conversation,
) -> None:
    talk.type("English")
    talk.tap("family")
    talk.type("talk to a person")
    talk.state = talk.state.after_resolution()
    assert talk.state.mode == "bot" and talk.state.flow is None
    talk.wait(24 * 30)
    talk.type("Hello again")
    texts = talk.texts()
    assert "Thank you for coming back" in texts
    assert talk.last_question().text.startswith("Who would you like to talk about?")
    assert talk.state.answers["who"] == "family"
    assert len(talk.messages()) == 3, "four messages are joined into three"


def test_english_switch_mid_question_and_back(talk: Conversation) -> None:
    at_age_question(talk)
    talk.type("english")
    assert talk.last_question().text == "About how old is the person now?"
    assert talk.last_question().choices[-1].label == "Skip"
    talk.type("日本語")
    assert talk.last_question().text == AGE_QUESTION
    assert talk.state.language == "ja"


def test_language_button_toggles(talk: Conversation) -> None:
    talk.follow()
    talk.tap("_lang")
    question = talk.last_question()
    assert question.text.startswith("Who would you like")
    assert question.choices[-1].label == "日本語"
    talk.tap("_lang")
    assert talk.last_question().text.startswith("どなたのことで")


def test_english_placeholders_use_english_configuration(talk: Conversation) -> None:
    talk.type("English")
    talk.tap("looking")
    talk.tap("hours")
    assert "open on weekdays, 9:00 to 17:00" in talk.texts()
    talk.tap("place")
    assert "the ward office, 3rd floor" in talk.texts()


def test_free_text_is_stored_exactly_as_written(talk: Conversation) -> None:
    talk.follow()
    talk.tap("family")
    written = "  うちの子は、もう十年\n部屋から出ていません。  "
    talk.type(written)
    assert talk.state.answers["relationship"] == written
    assert StoreAnswer("relationship", written, None) in talk.turns[-1]


def test_engine_is_deterministic(flowset) -> None:
    a, b = Conversation(flowset), Conversation(flowset)
    for talk in (a, b):
        at_age_question(talk)
        talk.type("40代")
    assert a.turns == b.turns and a.state == b.state


def test_state_json_fields(talk: Conversation) -> None:
    at_age_question(talk)
    import json

    data = json.loads(talk.state.to_json())
    assert set(data) == {
        "version",
        "flow",
        "step",
        "answers",
        "language",
        "paused",
        "mode",
        "variables",
        "last_active",
        "ended_at",
    }
    assert data["answers"] == {"who": "family", "relationship": "mother"}
    assert FlowState.from_json("{}") == FlowState.initial()


def test_counselor_name_comes_from_state(tmp_path) -> None:
    (tmp_path / "first_contact.yaml").write_text(
        "flow: first_contact\nsteps:\n  ask:\n    ask:\n      ja: '{counselor_name}です。'\n"
        "      en: 'This is {counselor_name}.'\n    key: k\n    next: bye\n"
        "  bye:\n    end: true\n",
        encoding="utf-8",
    )
    flows = load_flows(tmp_path, VARIABLES)
    now = Conversation(flows).now
    _, effects = step(flows, FlowState.initial(), FlowEvent("follow"), now)
    assert effects[0].messages[0].text == "担当の相談員です。"
    named = FlowState(variables={"counselor_name": "田中"})
    _, effects = step(flows, named, FlowEvent("follow"), now)
    assert effects[0].messages[0].text == "田中です。"
    assert isinstance(effects[0], Send)
