"""How a conversation begins: a follow, a first message, and writing again soon after an end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows import load_flows
from flows.loader import load_with_problems
from tests.flows.conftest import VARIABLES, Conversation

SHIPPED = Path(__file__).parents[2] / "flows"
WHO_LABELS = [
    "自分のこと",
    "家族のこと",
    "支援者・関係機関として",
    "まだ決めていない",
    "答えたくない",
    "English",
]
AGAIN = (
    "また書いてくださって、ありがとうございます。\n"
    "続けて相談するときは、下から選ぶか、そのまま書いてください。"
)


def ended_information_path(talk: Conversation) -> Conversation:
    talk.follow()
    talk.tap("looking")  # まだ決めていない -> the information path
    talk.tap("_skip")  # 今はここまで
    assert talk.ended()
    return talk


def test_a_follow_is_greeted_as_a_follow(talk: Conversation) -> None:
    talk.follow()
    first = talk.messages()[0].text
    assert first.startswith("友だち追加ありがとうございます。ひきこもり相談窓口です。")
    assert "メッセージありがとうございます" not in talk.texts()
    assert [c.label for c in talk.messages()[-1].choices] == WHO_LABELS


def test_a_first_message_keeps_the_words_for_a_message(talk: Conversation) -> None:
    talk.type("こんにちは")
    assert talk.messages()[0].text.startswith("メッセージありがとうございます。")
    assert len(talk.messages()) == 3
    assert talk.state.answers == {"first_message": "こんにちは"}


def test_writing_soon_after_an_end_gets_one_short_answer_and_the_way_back(
    talk: Conversation,
) -> None:
    ended_information_path(talk)
    talk.wait(0.01)
    talk.type("ありがとうございました")
    messages = talk.messages()
    assert len(messages) == 1, talk.texts()
    assert messages[0].text == AGAIN
    assert [c.label for c in messages[0].choices] == WHO_LABELS
    assert messages[0].choices[1].data == "t1:first_contact:who:family"
    assert (talk.state.flow, talk.state.step, talk.state.ended_at) == ("first_contact", "who", None)
    assert "ありがとうございました" in talk.state.answers.values()  # kept for staff
    talk.tap("family")  # the way back in works
    assert "ご本人から見てどなたにあたりますか" in talk.texts()


def test_writing_again_in_english_gets_the_english_answer(talk: Conversation) -> None:
    talk.follow()
    talk.type("English")
    talk.tap("looking")
    talk.tap("_skip")
    talk.type("thanks")
    assert (
        talk.texts()
        == "Thank you for writing again.\nTo talk with us, choose below or simply write."
    )
    assert [c.label for c in talk.messages()[0].choices][:2] == ["Myself", "A family member"]


def test_coming_back_after_the_window_gets_the_opening_with_a_welcome_back(
    talk: Conversation,
) -> None:
    ended_information_path(talk)
    talk.wait(25)
    talk.type("また相談したいです")
    texts = talk.texts()
    assert texts.startswith("また来てくださって、ありがとうございます。")
    assert "記録は決まった期間のあとに消します" in texts  # the privacy note, as for a newcomer
    assert talk.state.step == "who"


def test_soon_is_a_flow_setting(tmp_path: Path) -> None:
    flows_dir = tmp_path / "flows"
    shutil.copytree(SHIPPED, flows_dir, ignore=shutil.ignore_patterns("*.py", "*.md"))
    common = flows_dir / "common.yaml"
    text = common.read_text(encoding="utf-8")
    common.write_text(
        text.replace("return_within_hours: 24", "return_within_hours: 0.5"), encoding="utf-8"
    )
    talk = ended_information_path(Conversation(load_flows(flows_dir, VARIABLES)))
    talk.wait(1)
    talk.type("ありがとうございました")
    assert len(talk.messages()) == 3 and talk.messages()[0].text != AGAIN


def test_after_pause_word_following_an_end_it_still_offers_the_way_back(
    talk: Conversation,
) -> None:
    ended_information_path(talk)
    talk.type("やめる")
    talk.type("こんばんは")
    assert talk.messages()[-1].text == AGAIN


def write_entry(tmp_path: Path, head: str, steps: str) -> Path:
    (tmp_path / "first_contact.yaml").write_text(
        f"flow: first_contact\n{head}steps:\n{steps}", encoding="utf-8"
    )
    return tmp_path


ASK_AND_END = (
    "  hello:\n    say: {ja: こんにちは}\n    next: q\n"
    "  q:\n    ask: {ja: どうですか}\n    key: k\n    next: bye\n"
    "  bye:\n    end: true\n"
)


def test_an_on_follow_step_counts_as_reached(tmp_path: Path) -> None:
    steps = "  followed:\n    say: {ja: 追加ありがとう}\n    next: q\n" + ASK_AND_END
    _, problems = load_with_problems(
        write_entry(tmp_path, "start: hello\non_follow: followed\n", steps)
    )
    assert problems == []


@pytest.mark.parametrize(
    ("head", "line", "words"),
    [
        ("on_return: hello\n", 2, "on_return 'hello' is not a question"),
        ("on_follow: nowhere\n", 2, "there is no step 'nowhere'"),
    ],
)
def test_entry_settings_are_checked_on_their_line(
    tmp_path: Path, head: str, line: int, words: str
) -> None:
    _, problems = load_with_problems(write_entry(tmp_path, head, ASK_AND_END))
    assert [(p.line, words in p.message) for p in problems] == [(line, True)], problems


def test_entry_settings_belong_to_first_contact_only(tmp_path: Path) -> None:
    write_entry(tmp_path, "", ASK_AND_END)
    (tmp_path / "other.yaml").write_text(
        "flow: other\non_follow: a\nsteps:\n  a:\n    end: true\n", encoding="utf-8"
    )
    _, problems = load_with_problems(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [("other.yaml", 2)]
    assert "first_contact flow only" in problems[0].message
