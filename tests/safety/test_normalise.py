"""Normalisation: the variants people type all reach the same form."""

from __future__ import annotations

import pytest

from bot.safety.normalise import Normaliser, normalise


@pytest.mark.parametrize(
    "text",
    [
        "死にたい",
        "死にたーーい",
        "死にたいいいい",
        "死 に た い",
        "し.に.た.い",
        "死＿に＿た＿い",
        "しにたぃ",
        "死にたぁい",
        "氏にたい",
        "タヒにたい",
        "4にたい",
        "シニタイ",
        "ｼﾆﾀｲ",
        "死　に　た　い",
    ],
)
def test_variants_of_shinitai_become_one_form(text: str) -> None:
    assert normalise(text) == "死にたい"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("diiiie", "die"),
        ("I WANT TO DIE", "i want to die"),
        ("ｉ ｗａｎｔ ｔｏ ｄｉｅ", "i want to die"),
        ("i want to d i e", "i want to die"),
        ("i want to d.i.e", "i want to die"),
        ("kms", "kil myself"),  # repeated letters count once, in phrases too
        ("thinking about sewer slide", "thinking about suicide"),
        ("I don't want to live", "i don t want to live"),
        ("ＤＶ", "dv"),
        ("オーバードーズ", "おばどず"),
        ("子供を叩いた", "子どもを叩いた"),
        ("ナグラレタ", "殴られた"),
    ],
)
def test_normalised_form(text: str, plain: str) -> None:
    assert normalise(text) == plain


def test_a_net_spelling_after_a_number_is_left_alone() -> None:
    assert normalise("I ran 5 kms today") == "i ran 5 kms today"
    assert "kil myself" in normalise("honestly kms")


def test_an_english_spelling_replaces_whole_words_only() -> None:
    assert normalise("unaliveness") == "unalivenes"  # not "killness"


def test_sentences_stay_apart_and_ascii_words_keep_one_space() -> None:
    assert normalise("I am sad.  I want to die!") == "i am sad\ni want to die\n"
    assert normalise("今日は疲れた。死にたい") == "今日は疲れた\n死にたい"
    assert normalise("田中さん ok です") == "田中さんokです"


def test_the_spellings_table_is_data() -> None:
    plain = Normaliser({"ぴえん": "つらい"})
    assert plain("ぴえーん") == "つらい"
    assert plain("タヒにたい") == "たひにたい"  # not in this table
