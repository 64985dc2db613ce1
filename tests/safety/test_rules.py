"""Rules on lemmas: conjugations and spellings match one word; combinations, not single words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.safety import Level, analyser, detect
from bot.safety.rules import RuleFileError, Rules, default_rule_files


@pytest.mark.parametrize("written", ["飲んだ", "のんだ", "呑んだ", "飲みました"])
def test_one_lemma_for_conjugations_and_spellings(written: str) -> None:
    assert "飲む" in analyser.words(written)


def test_tens_of_pills_are_one_word() -> None:
    assert analyser.MANY_PILLS in analyser.sentences("睡眠薬を30錠飲んだ")[0]
    assert analyser.MANY_PILLS not in analyser.sentences("毎朝1錠飲んでいます")[0]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules.from_files(default_rule_files())


@pytest.mark.parametrize(
    ("text", "rule", "certain"),
    [
        ("睡眠薬を三十錠ぐらい飲んだ", "ja.crisis.rule.pills_taken", True),
        ("練炭を用意しました", "ja.crisis.rule.method_prepared", True),
        ("七輪を買ってきた", "ja.crisis.rule.method_prepared", True),
        ("屋上から飛び降りる", "ja.crisis.rule.high_place", True),
        ("もう人生を終わらせたい", "ja.crisis.rule.end_life", True),
        ("希死念慮が強いです", "ja.crisis.rule.clinical", True),
        ("今までありがとう。さようなら", "ja.crisis.rule.farewell", False),
        ("ロープを買ってきた", "ja.crisis.rule.rope_prepared", False),
        ("子どもにもう三日ご飯をあげていない", "ja.child.rule.unfed_for_days", True),
        ("子どもの腕にあざがある", "ja.child.rule.marks_and_hitting", True),
        ("中1です。帰ると兄に蹴られる", "ja.child.rule.a_minor_is_hit", True),
        ("冷蔵庫に食べ物がないです。妹もおなかがすいてる", "ja.child.rule.no_food_at_home", True),
        ("2歳の子がまた夜に一人で泣いている", "ja.child.rule.young_child_alone", False),
        ("決行は明日と決めた", "ja.crisis.rule.the_day_decided", False),
        ("除草剤を買ってある", "ja.crisis.rule.method_prepared", True),
    ],
)
def test_a_combination_matches(rules: Rules, text: str, rule: str, certain: bool) -> None:
    hit = rules.match(text)
    assert hit is not None and hit.id == rule and hit.certain is certain


@pytest.mark.parametrize(
    "text",
    [
        "宿題を全部終わらせたい",
        "卒業式でみんなにさようならを言いました",
        "毎朝、血圧の薬を1錠飲んでいます",
        "キャンプ用にロープを買いました",
        "研修で希死念慮について学びました",
        "練炭",  # one word of a combination is not enough
        "子どもが転んでひざにあざができた",
        "中2の息子に殴られるのが怖いです",  # a parent hit by a child: violence, not child
        "中学の部活で先輩に叩かれたことがある",
        "息子は35歳で、ずっと一人で部屋にいます",
        "子どもがダイエット中で食べ物がないと文句を言う",
        "運動会は雨天決行です",
    ],
)
def test_no_rule_for_a_harmless_message(rules: Rules, text: str) -> None:
    assert rules.match(text) is None


def test_a_rule_hit_is_a_detection_by_its_id() -> None:
    found = detect("七輪を買ってきた")
    assert found is not None and found.matched == "ja.crisis.rule.method_prepared"
    assert found.certain


def test_a_broken_rule_file_is_refused_with_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "staff.toml"
    broken.write_text('[[rule]]\nid = "x"\nlevel = "danger"\nall = [["a"]]\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"staff\.toml.*level must be"):
        Rules.from_files([broken])
    broken.write_text('[[rule]]\nid = "x"\nlevel = "crisis"\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match="needs all"):
        Rules.from_files([broken])


def test_violence_against_a_child_named_by_a_child_word_is_child() -> None:
    text = "中学生の甥が父親に叩かれていると打ち明けてくれた"
    found = detect(text)
    assert found is not None and found.level is Level.CHILD
    assert found.matched == "ja.child.rule.marks_and_hitting"
    found = detect("夫に殴られる。子どもを家に置いて逃げてきた")  # the child is not the one hit
    assert found is not None and found.level is Level.VIOLENCE
