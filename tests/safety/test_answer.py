"""The answer to a danger signal: warm words, the lines open now first, and the truth
about who answers when."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.config.errors import ConfigError
from bot.config.helplines import SafetySettings
from bot.config.loading import load_settings
from bot.messages.catalogue import Catalogue
from bot.promises.acks import Words
from bot.promises.safety import after_checkin, checkin, danger_answer
from bot.runtime.clock import TOKYO
from bot.safety import Detection, Level
from flows import FlowEvent, FlowState, load_flows, open_question, step
from tests.flows.conftest import VARIABLES

CRISIS = Detection(Level.CRISIS, about_other=False, matched="test")
FAMILY_CRISIS = Detection(Level.CRISIS, about_other=True, matched="test")
VIOLENCE = Detection(Level.VIOLENCE, about_other=False, matched="test")
CHILD = Detection(Level.CHILD, about_other=True, matched="test")
TUESDAY_NIGHT = datetime(2026, 12, 1, 23, 30, tzinfo=TOKYO)
TUESDAY_MORNING = datetime(2026, 12, 1, 11, 0, tzinfo=TOKYO)


@pytest.fixture(scope="module")
def window():
    return load_settings(None, env={}).handoff.organizations[0]  # weekdays 9 to 17


def answer(detection, at, window, language="ja", full=True):
    words = Words(Catalogue.load(), language)
    return danger_answer(words, detection, SafetySettings(), window, at, full=full)


def test_after_hours_says_nobody_is_here_and_lists_open_lines_first(window):
    texts = answer(CRISIS, TUESDAY_NIGHT, window)
    assert len(texts) == 3
    assert "相談員がいない時間です" in texts[0]
    lines = [line for line in texts[1].splitlines() if line.startswith("・")]
    assert lines[0].startswith("・よりそいホットライン") and "24時間" in lines[0]
    # Japan's Lifeline answers 10:00-22:00: at 23:30 it comes last, said to be closed.
    assert "日本いのちの電話" in lines[-1] and "受付時間外" in lines[-1]
    assert "明日（12月2日）9時以降" in texts[2]
    assert "119" in texts[1]


def test_no_line_is_said_to_answer_around_the_clock_unless_it_does(window):
    settings = SafetySettings()
    for at in (TUESDAY_NIGHT, TUESDAY_MORNING):
        for detection in (CRISIS, VIOLENCE, CHILD):
            listed = answer(detection, at, window)[1].splitlines()
            for line in settings.lines:
                said = [text for text in listed if line.number in text]
                if line.hours != "always" and said:
                    assert "24時間" not in said[0], said[0]


def test_in_hours_a_counselor_has_been_told(window):
    texts = answer(CRISIS, TUESDAY_MORNING, window)
    assert "相談員にも、すぐに伝えました" in texts[2]
    assert "いない時間" not in texts[0]


def test_words_for_a_worried_relative(window):
    assert "ご家族" in answer(FAMILY_CRISIS, TUESDAY_MORNING, window)[0]
    assert "ご家族" not in answer(CRISIS, TUESDAY_MORNING, window)[0]


def test_each_level_gets_its_own_lines(window):
    violence = answer(VIOLENCE, TUESDAY_MORNING, window)[1]
    assert "0120-279-889" in violence and "110" in violence and "0570-783-556" not in violence
    child = answer(CHILD, TUESDAY_MORNING, window)[1]
    assert "189" in child and "0120-279-889" not in child


def test_a_repeat_gets_one_short_message(window):
    texts = answer(CRISIS, TUESDAY_NIGHT, window, full=False)
    assert len(texts) == 1
    assert "相談員に伝えました" in texts[0] and "0120-279-338" in texts[0]


def test_english(window):
    texts = answer(CRISIS, TUESDAY_NIGHT, window, language="en")
    assert texts[0].startswith("Thank you for telling us")
    assert "Yorisoi Hotline" in texts[1] and "(24 hours)" in texts[1]
    assert "closed now" in texts[1]


def config(tmp_path, text):
    path = tmp_path / "tobira.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env={})


def test_configured_lines_replace_the_shipped_ones(tmp_path):
    settings = config(
        tmp_path,
        """
[[safety.lines]]
id = "ward"
name = "区の相談電話"
number = "03-0000-0000"
levels = ["crisis", "violence", "child"]
[safety.lines.hours]
mon = "09:00-17:00"
""",
    )
    assert [line.id for line in settings.safety.lines] == ["ward"]
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)
    assert settings.safety.lines[0].open_at(monday) is True


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            '[[safety.lines]]\nid = "a"\nname = "A"\nnumber = "1"\nlevels = ["crisis"]\n'
            'hours = "sometimes"\n',
            "safety.lines[0].hours",
        ),
        (
            '[[safety.lines]]\nid = "a"\nname = "A"\nnumber = "1"\nhours = "always"\n'
            'levels = ["danger"]\n',
            "safety.lines[0].levels",
        ),
        (
            '[safety]\nalert_webhook_url = "https://example.org/hook"\n',
            "safety.alert_webhook_secret",
        ),
    ],
)
def test_configuration_mistakes_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as caught:
        config(tmp_path, text)
    assert caught.value.key == key
    assert str(tmp_path / "tobira.toml") in str(caught.value)


def test_a_level_without_a_line_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="no line serves the level 'child'"):
        config(
            tmp_path,
            '[[safety.lines]]\nid = "a"\nname = "A"\nnumber = "1"\nhours = "always"\n'
            'levels = ["crisis", "violence"]\n',
        )


# -- the check-in: the gentle answer to a possible signal --------------------------------

POSSIBLE = Detection(Level.CRISIS, about_other=False, matched="test", certain=False)


def ask(detection, at, window, language="ja", safety=None):
    words = Words(Catalogue.load(), language)
    return checkin(words, detection, safety or SafetySettings(), window, at, 41)


def test_the_check_in_asks_how_they_are_and_names_the_lines_that_always_answer(window):
    first, question, choices = ask(POSSIBLE, TUESDAY_NIGHT, window)
    assert first.startswith("とてもつらい気持ちでいらっしゃるのですね。")
    assert "・よりそいホットライン　0120-279-338（24時間）" in first
    assert "119（救急）" in first
    assert question == "いま、命の危険を感じていますか？"
    # The data names the client's message asked about (41): a tap answers that check-in only.
    assert choices == (
        ("はい", "safety:yes:41"),
        ("いいえ", "safety:no:41"),
        ("答えたくない", "safety:skip:41"),
    )


@pytest.mark.parametrize("at", [TUESDAY_NIGHT, TUESDAY_MORNING])
@pytest.mark.parametrize("level", list(Level))
def test_the_check_in_never_names_a_line_that_does_not_answer_day_and_night(window, at, level):
    for about_other in (False, True):
        detection = Detection(level, about_other, "test", certain=False)
        first, _, _ = ask(detection, at, window)
        for line in SafetySettings().lines_for(level):
            assert (line.number in first) == (line.hours == "always"), (line.id, first)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("level", list(Level))
def test_every_level_has_its_words_and_short_labels(window, language, level):
    for about_other in (False, True):
        detection = Detection(level, about_other, "test", certain=False)
        first, question, choices = ask(detection, TUESDAY_MORNING, window, language)
        assert first and question.endswith(("？", "?"))
        assert all(len(label) <= 20 for label, _ in choices), "LINE: 20 characters at most"
    for answer in ("no", "skip", "other"):
        assert "{" not in after_checkin(
            Words(Catalogue.load(), language), answer, SafetySettings(), level
        )


def test_the_check_in_asks_a_relative_about_the_one_they_worry_for(window):
    first, question, _ = ask(Detection(Level.CRISIS, True, "t", False), TUESDAY_MORNING, window)
    # Supporters write too, not only families.
    assert "大切な方のことで" in first and "その方の命" in question


def test_english_check_in(window):
    first, question, choices = ask(POSSIBLE, TUESDAY_NIGHT, window, language="en")
    assert "Yorisoi Hotline (multilingual): 0120-279-338 (24 hours)" in first
    assert question == "Do you feel your life is in danger right now?"
    assert [label for label, _ in choices] == ["Yes", "No", "Rather not say"]


def test_without_lines_open_day_and_night_nothing_points_to_them(tmp_path, window):
    settings = config(
        tmp_path,
        '[[safety.lines]]\nid = "ward"\nname = "区の相談電話"\nnumber = "03-0000-0000"\n'
        'levels = ["crisis", "violence", "child"]\n[safety.lines.hours]\nmon = "09:00-17:00"\n',
    ).safety
    first, _, _ = ask(POSSIBLE, TUESDAY_MORNING, window, safety=settings)
    assert "03-0000-0000" not in first and "相談先" not in first
    words = Words(Catalogue.load(), "ja")
    assert "上の電話" not in after_checkin(words, "no", settings, Level.CRISIS)
    assert "上の電話" in after_checkin(words, "no", SafetySettings(), Level.CRISIS)


def test_the_open_question_is_asked_again_as_the_engine_asks_it():
    flows = load_flows(variables=VARIABLES)
    state, effects = step(
        flows, FlowState.initial(), FlowEvent("text", "こんにちは"), TUESDAY_MORNING
    )
    asked = [e for e in effects if hasattr(e, "messages")][-1].messages[-1]
    assert open_question(flows, state, TUESDAY_MORNING) == asked
    paused, _ = step(flows, state, FlowEvent("text", "やめる"), TUESDAY_MORNING)
    assert open_question(flows, paused, TUESDAY_MORNING) is None
    assert open_question(flows, FlowState.initial(), TUESDAY_MORNING) is None
