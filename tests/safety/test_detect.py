"""detect(): each level, the idioms that must not fire, who the message is about, staff files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.safety import (
    Detection,
    Detector,
    Level,
    PhraseFileError,
    default_phrase_files,
    detect,
)


@pytest.mark.parametrize(
    "text",
    [
        "死にたい",
        "もう消えてしまいたい",
        "生きていたくない",
        "首を吊ろうと思って",
        "ODしちゃった",
        "昨日またリスカした",
        "遺書を書きました",
        "タヒにたい",
        "I want to kill myself",
        "kms",
        "I want to unalive myself",
        "thinking about sewerslide",
        "took like 30 pills and my head is spinning",
        "I found a noose in his closet",
        "this is my last message, thank you",
        "he said he won't need his things where he's going",
        "I've decided on the date",
        "I don't want to wake up tomorrow",
        "everyone would be better off without me",
    ],
)
def test_crisis(text: str) -> None:
    found = detect(text)
    assert found is not None and found.level is Level.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "夫に殴られる",
        "息子に包丁を向けられた",
        "殺すと脅された",
        "ＤＶがひどい",
        "My husband hits me",
    ],
)
def test_violence(text: str) -> None:
    found = detect(text)
    assert found is not None and found.level is Level.VIOLENCE


@pytest.mark.parametrize(
    "text",
    [
        "子どもにご飯を食べさせていない",
        "子供が何日も食べていない",
        "子どもを置いて出かけてしまう",
        "子どもを叩いてしまった",
        "She left the kids alone all weekend",
    ],
)
def test_child(text: str) -> None:
    found = detect(text)
    assert found is not None and found.level is Level.CHILD


@pytest.mark.parametrize(
    "text",
    [
        "死ぬほど眠い",
        "死ぬかと思った（笑）",
        "首を長くして待っています",
        "今日はここで終わりにします",
        "死ぬほど笑った",
        "笑い死にしそう",
        "消えたいくらい恥ずかしかった（笑）",
        "ゲームで殴られた",
        "殺す気か（笑）",
        "I'm dying to see it",
        "this traffic is killing me",
        "kill the process",
        "I taught the skill myself",
        "DVDを借りた",
        "that's odd",
        "Beats me, I have no idea",
        "I ran 5 kms today",
        "I took my pills this morning",
        "I'm tired of waiting for the bus",
        "my dad gave away his old books to the library",
    ],
)
def test_harmless_uses_do_not_fire(text: str) -> None:
    assert detect(text) is None


def test_an_idiom_does_not_hide_a_wish_in_the_same_message() -> None:
    found = detect("死ぬほど眠い。でも本当は死にたい")
    assert found is not None and found.level is Level.CRISIS


def test_the_match_is_the_phrase_id_not_the_text() -> None:
    assert detect("もう死にたいです") == Detection(Level.CRISIS, False, "ja.crisis.want_to_die")


@pytest.mark.parametrize(
    ("text", "about_other"),
    [
        ("死にたい", False),
        ("息子が死にたいと言っています", True),
        ("娘がリストカットしている", True),
        ("夫に殴られる", True),
        ("死にたいと息子に言われました", True),
        ("私が死にたいと言ったら母が泣いた", False),
        ("息子のことで相談です。私ももう死にたいです", False),
        ("大丈夫じゃない、死にたい", False),
        ("My son says he wants to die", True),
        ("I want to die", False),
    ],
)
def test_about_other(text: str, about_other: bool) -> None:
    found = detect(text)
    assert found is not None
    assert found.about_other is about_other


def test_the_most_severe_level_wins() -> None:
    found = detect("夫に殴られて、もう死にたい")
    assert found is not None and found.level is Level.CRISIS
    found = detect("夫に殴られる。子どもを家に置いて逃げてきた")
    assert found is not None and found.level is Level.VIOLENCE


def test_a_child_being_hit_is_child_not_violence() -> None:
    for text in ("夫が子どもを殴る", "子どもが殴られている", "子どもを叩いたり蹴ったりしてしまう"):
        found = detect(text)
        assert found is not None and found.level is Level.CHILD, text


def test_nothing_in_an_empty_or_ordinary_message() -> None:
    assert detect("") is None
    assert detect("相談の予約をしたいです") is None


STAFF_FILE = """
[[phrase]]
id = "staff.crisis.gone_for_good"
level = "crisis"
patterns = ["遠くへ…行ってしまいたい"]

[[harmless]]
id = "staff.harmless.travel"
patterns = ["旅行で遠くへ"]
"""


def test_a_staff_phrase_file_adds_a_hit(tmp_path: Path) -> None:
    extra = tmp_path / "staff.toml"
    extra.write_text(STAFF_FILE, encoding="utf-8")
    text = "どこか遠くへ、もう行ってしまいたい"
    assert Detector.from_files(default_phrase_files()).detect(text) is None  # no packaged phrase
    detector = Detector.from_files([*default_phrase_files(), extra])
    assert detector.detect(text) == Detection(Level.CRISIS, False, "staff.crisis.gone_for_good")
    assert detector.detect("旅行で遠くへ行ってしまいたい") is None  # its harmless entry
    assert detector.detect("死にたい") is not None  # the packaged phrases are still there


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ('[[phrase]]\nid = "x"\nlevel = "danger"\npatterns = ["a"]\n', "level must be one of"),
        ('[[phrase]]\nid = "x"\nlevel = "crisis"\npatterns = ["(a|b"]\n', "unbalanced"),
        ('[[phrase]]\nid = "x"\nlevel = "crisis"\npatterns = ["(a|(b|c))"]\n', "unbalanced"),
        ('[[phrase]]\nid = "x"\nlevel = "crisis"\npatterns = ["…"]\n', "no words"),
        ('[[phrase]]\nid = "x"\nlevel = "crisis"\n', "needs patterns"),
        (
            '[[phrase]]\nid = "ja.crisis.want_to_die"\nlevel = "crisis"\npatterns = ["a"]\n',
            "already",
        ),
        ('[[phrase]\nid = "x"\n', "staff.toml"),
    ],
)
def test_a_broken_staff_file_is_refused_with_its_name(
    tmp_path: Path, content: str, complaint: str
) -> None:
    extra = tmp_path / "staff.toml"
    extra.write_text(content, encoding="utf-8")
    with pytest.raises(PhraseFileError, match=complaint) as raised:
        Detector.from_files([*default_phrase_files(), extra])
    assert "staff.toml" in str(raised.value)


def test_the_packaged_files_are_found() -> None:
    assert [item.name for item in default_phrase_files()] == ["en.toml", "ja.toml"]


def test_a_weak_phrase_is_a_possible_signal_and_a_certain_one_outranks_it() -> None:
    weak = detect("もう何もかも嫌になった")
    assert weak is not None and weak.level is Level.CRISIS and not weak.certain
    both = detect("もう何もかも嫌になった。死にたい")
    assert both is not None and both.certain


@pytest.mark.parametrize(
    "text",
    [
        "さっき睡眠薬を30錠ぐらい飲みました。ふらふらします",
        "ODした。いま頭がぼーっとしてる",
        "親の薬を全部のんじゃった",
    ],
)
def test_an_overdose_in_progress_is_a_certain_crisis(text: str) -> None:
    """Other engineers' end-to-end tests rely on these three being certain."""
    found = detect(text)
    assert found is not None and found.level is Level.CRISIS and found.certain
    assert found.matched.startswith("ja.crisis.")  # a phrase, readable by staff


@pytest.mark.parametrize(
    "text",
    [
        "sorry for everything. please look after mom",
        "I can't do this anymore",
        "goodbye everyone",
        "I bought a rope yesterday",
    ],
)
def test_an_english_farewell_is_a_possible_crisis(text: str) -> None:
    """Often ordinary ("thanks for everything today"), so only the gentle question."""
    found = detect(text)
    assert found is not None and found.level is Level.CRISIS and not found.certain


def test_being_fed_up_with_everything_is_a_possible_crisis() -> None:
    """Other engineers' end-to-end tests rely on this one being possible, not certain."""
    found = detect("もう何もかも嫌になった")
    assert found is not None and found.level is Level.CRISIS and not found.certain
