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
        ("カッターで手首を何度も切った", "ja.crisis.rule.cutting_the_body", True),
        ("壁に頭を打ちつけてしまう", "ja.crisis.rule.hurting_oneself", True),
        ("買ってきた睡眠薬を全部まとめて飲みました", "ja.crisis.rule.medicine_all_at_once", True),
        ("たぶん明日にはもうここにいません", "ja.crisis.rule.not_here_tomorrow", False),
        ("今まで本当にありがとう。家族をよろしく", "ja.crisis.rule.last_words", False),
        ("誰か私を殺してほしい", "ja.crisis.rule.asked_to_be_killed", True),
        ("死ぬ日を決めました", "ja.crisis.rule.the_day_of_dying", True),
        ("週末に消えます", "ja.crisis.rule.by_a_time", True),
        ("父のところへ逝きたい", "ja.crisis.rule.going_to_the_other_world", True),
        ("窓とドアに目張りをした", "ja.crisis.rule.sealing_the_room", True),
        ("ドアノブにタオルをかけてみた", "ja.crisis.rule.something_to_hang_from", False),
        ("屋上の柵を乗り越えた", "ja.crisis.rule.over_the_railing", False),
        ("死ぬ準備をしている", "ja.crisis.rule.dying_prepared", True),
        ("もういっそ餓死したい", "ja.crisis.rule.starving_oneself", True),
        ("母を看取ったら私も消えます", "ja.crisis.rule.i_too_will_vanish", True),
        ("ばいばい、この世", "ja.crisis.rule.goodbye_world", False),
        ("机に最後の手紙を置いた", "ja.crisis.rule.a_last_letter", False),
        ("包丁を自分に向けてしまう", "ja.crisis.rule.blade_on_oneself", True),
        ("3歳の息子を叩いてしまいました", "ja.child.rule.a_minor_is_hit", True),
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
        "料理中に包丁で指を切った",
        "明日は出張で家にいません",
        "今まで相談に乗ってくださってありがとうございました。また来週お願いします",
        "ゴキブリを殺してほしい",
        "今日は忙しくて死にそうでした",
        "死ぬまでに行きたい場所を計画しています",
        "遺言書の書き方を教えてください",
        "頭痛薬は一日何錠まで飲んでいいですか",
        "痣が消えますように",
        "昔、手首を切ったことがあると娘が話してくれた",
        "父が逝って三年になります",
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
    broken.write_text(
        '[[rule]]\nid = "x"\nlevel = "crisis"\nall = [["a"]]\noutranks_violence = "yes"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError, match="outranks_violence must be"):
        Rules.from_files([broken])


def test_violence_against_a_child_named_by_a_child_word_is_child() -> None:
    text = "中学生の甥が父親に叩かれていると打ち明けてくれた"
    found = detect(text)
    assert found is not None and found.level is Level.CHILD
    assert found.matched == "ja.child.rule.marks_and_hitting"
    found = detect("夫に殴られる。子どもを家に置いて逃げてきた")  # the child is not the one hit
    assert found is not None and found.level is Level.VIOLENCE


def test_a_blade_turned_on_oneself_is_crisis_not_violence() -> None:
    """A knife is violence; a crisis rule marked to outrank it (a blade on oneself) wins."""
    found = detect("息子が包丁を持って、自分に向けると言っています")
    assert found is not None and found.level is Level.CRISIS
    assert found.matched == "ja.crisis.rule.blade_on_oneself"
    found = detect("息子が包丁を持って私を脅します")
    assert found is not None and found.level is Level.VIOLENCE
    # A crisis rule not marked so (ending a life) leaves the violence phrase its level.
    found = detect("息子が「もう人生終わった」と叫んで父を殴った")
    assert found is not None and found.level is Level.VIOLENCE
