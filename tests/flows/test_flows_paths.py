"""Every shipped path end to end: follow (or a first message) → questions → handoff or end."""

from __future__ import annotations

import pytest

from flows import SKIPPED, HandOff, StoreAnswer
from tests.flows.conftest import Conversation

# (name, script, expected ending, answers the state must hold at the end)
# Script: "follow", "tap:<choice id>", "type:<text>", "wait:<hours>".
PATHS = [
    (
        "family, every choice",
        [
            "follow",
            "tap:family",
            "tap:mother",
            "tap:40s",
            "tap:over_10y",
            "tap:home_visit",
            "tap:chat",
            "tap:evening",
        ],
        "family",
        {
            "who": "family",
            "relationship": "mother",
            "age_band": "40s",
            "duration": "over_10y",
            "wish": "home_visit",
            "contact": "chat",
            "contact_time": "evening",
        },
    ),
    (
        "family, every question skipped",
        ["follow", "tap:family"] + ["tap:_skip"] * 6,
        "family",
        {
            "relationship": SKIPPED,
            "age_band": SKIPPED,
            "duration": SKIPPED,
            "wish": SKIPPED,
            "contact": SKIPPED,
            "contact_time": SKIPPED,
        },
    ),
    (
        "family, typed labels and free text",
        [
            "follow",
            "type:家族のこと",
            "type:叔母です",
            "type:30代",
            "type:もう15年になります",
            "type:答えたくない",
            "type:スキップ",
            "type:いつでも",
        ],
        "family",
        {
            "who": "family",
            "relationship": "叔母です",
            "age_band": "30s",
            "duration": "もう15年になります",
            "wish": SKIPPED,
            "contact": SKIPPED,
            "contact_time": "any",
        },
    ),
    (
        "self, reads about the window first, text only",
        ["follow", "tap:self", "tap:read", "tap:listen", "tap:text_only"],
        "self",
        {"who": "self", "read_first": "read", "wish": "listen", "contact": "text_only"},
    ),
    (
        "self, skips everything",
        ["follow", "tap:self", "tap:_skip", "tap:_skip", "tap:_skip"],
        "self",
        {"who": "self", "read_first": SKIPPED, "wish": SKIPPED, "contact": SKIPPED},
    ),
    (
        "self, writes instead of choosing",
        [
            "follow",
            "tap:self",
            "tap:continue",
            "type:誰かと少し話してみたい",
            "type:文字だけがいいです",
        ],
        "self",
        {"wish": "誰かと少し話してみたい", "contact": "文字だけがいいです"},
    ),
    (
        "supporter",
        ["follow", "tap:supporter", "tap:care", "tap:coordination"],
        "supporter",
        {"who": "supporter", "organisation": "care", "need": "coordination"},
    ),
    (
        "just looking, reads, then stops for now",
        [
            "follow",
            "tap:looking",
            "tap:hours",
            "tap:place",
            "tap:first_time",
            "tap:cost",
            "tap:privacy",
            "tap:_skip",
        ],
        "end",
        {"who": "looking", "info_topic": SKIPPED},
    ),
    (
        "just looking, then asks for a counselor",
        ["follow", "tap:looking", "tap:cost", "tap:talk"],
        "information",
        {"who": "looking", "info_topic": "talk"},
    ),
    (
        "just looking, then writes",
        ["follow", "tap:looking", "type:息子のことで相談したいです"],
        "information",
        {"info_topic": "息子のことで相談したいです"},
    ),
    (
        "who skipped leads to information",
        ["follow", "tap:_skip", "tap:_skip"],
        "end",
        {"who": SKIPPED},
    ),
    (
        "who answered in free text goes to a counselor",
        ["follow", "type:兄が30年部屋から出てきません"],
        "general",
        {"who": "兄が30年部屋から出てきません"},
    ),
    (
        "first message without follow is kept",
        ["type:こんにちは。相談できますか", "tap:family", "type:人と話したい"],
        "family",
        {"first_message": "こんにちは。相談できますか", "who": "family"},
    ),
    ("talk to a person at once", ["type:相談員と話したい"], "general", {}),
    (
        "talk to a person mid-way keeps what is known",
        ["follow", "tap:family", "tap:father", "type:人と話したい"],
        "family",
        {"relationship": "father"},
    ),
    (
        "English, typed first",
        [
            "type:English",
            "tap:family",
            "tap:sibling",
            "type:20s",
            "tap:_skip",
            "tap:listen",
            "type:In this chat",
            "type:Skip",
        ],
        "family",
        {"relationship": "sibling", "age_band": "20s", "contact": "chat", "contact_time": SKIPPED},
    ),
    (
        "English button, supporter",
        ["follow", "tap:_lang", "tap:supporter", "tap:medical", "tap:case"],
        "supporter",
        {"organisation": "medical", "need": "case"},
    ),
    (
        "comes back after a week and taps",
        [
            "follow",
            "tap:family",
            "tap:mother",
            "wait:170",
            "tap:50s",
            "tap:_skip",
            "tap:_skip",
            "tap:_skip",
            "tap:_skip",
        ],
        "family",
        {"relationship": "mother", "age_band": "50s"},
    ),
]


def run(talk: Conversation, script: list[str]) -> None:
    for item in script:
        verb, _, arg = item.partition(":")
        if verb == "follow":
            talk.follow()
        elif verb == "tap":
            talk.tap(arg)
        elif verb == "type":
            talk.type(arg)
        elif verb == "wait":
            talk.wait(float(arg))
        else:
            raise ValueError(item)


@pytest.mark.parametrize(
    ("script", "ending", "answers"), [p[1:] for p in PATHS], ids=[p[0] for p in PATHS]
)
def test_path(talk: Conversation, script: list[str], ending: str, answers: dict[str, str]) -> None:
    run(talk, script)
    for key, value in answers.items():
        assert talk.state.answers.get(key) == value, key
    if ending == "end":
        assert talk.ended()
        assert talk.handoff() is None
        assert talk.state.flow is None and talk.state.mode == "bot"
        return
    handoff = talk.handoff()
    assert handoff is not None, talk.texts()
    assert handoff.topic == ending
    assert talk.state.mode == "handed_off"
    assert handoff.summary.startswith("チャットでの聞き取り")
    # Each stored answer is in the staff summary, a skip as 答えなし/スキップ.
    assert handoff.summary.count("答えなし/スキップ") == list(talk.state.answers.values()).count(
        SKIPPED
    )
    # Every answer was announced once as a StoreAnswer effect, with the same value.
    stored = {e.key: e.value for turn in talk.turns for e in turn if isinstance(e, StoreAnswer)}
    assert stored == talk.state.answers


def test_every_path_of_every_flow_is_covered(flowset) -> None:
    """The table above reaches every step of every shipped flow."""
    from tests.flows.conftest import Conversation as Talk

    visited: set[tuple[str, str]] = set()
    for _name, script, _ending, _answers in PATHS:
        talk = Talk(flowset)
        for item in script:
            run(talk, [item])
            if talk.state.step:
                visited.add((talk.state.flow, talk.state.step))
    # Say steps are passed through, not rested on: count the steps a path went into.
    resting = {
        (f.name, s.name)
        for f in flowset.flows.values()
        for s in f.steps.values()
        if s.kind in ("ask", "handoff")
    }
    assert resting <= visited, sorted(resting - visited)


def test_family_summary_reads_well_for_staff(talk: Conversation) -> None:
    run(talk, PATHS[2][1])
    summary = talk.handoff().summary
    assert summary.splitlines() == [
        "チャットでの聞き取り（ご家族から）",
        "どなたのことか: 家族のこと",
        "続柄（相談者から見たご本人との関係）: 「叔母です」（自由記述）",
        "ご本人の年代: 30代",
        "今の状態が続いている期間: 「もう15年になります」（自由記述）",
        "望んでいること: 答えなし/スキップ",
        "希望する連絡方法: 答えなし/スキップ",
        "連絡がつきやすい時間帯: いつでも",
    ]
    intake = talk.handoff().intake
    assert intake.who == "family" and intake.relationship == "叔母です"
    assert intake.age_band == "30s" and intake.wishes == ()


def test_handoff_carries_intake(talk: Conversation) -> None:
    run(talk, PATHS[0][1])
    intake = talk.handoff().intake
    assert (intake.who, intake.relationship, intake.age_band, intake.duration) == (
        "family",
        "mother",
        "40s",
        "over_10y",
    )
    assert intake.wishes == ("home_visit",)
    assert (intake.contact_preference, intake.contact_time) == ("chat", "evening")
    assert isinstance(talk.handoff(), HandOff)
