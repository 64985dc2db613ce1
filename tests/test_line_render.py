"""LINE's limits: 5 messages per call, 5,000 UTF-16 units per text."""

from __future__ import annotations

import json
import uuid

from bot.channels.line.render import combine, render, split_text, utf16_units
from bot.delivery.channel import Outgoing


def test_long_text_is_split_at_line_breaks_within_the_limit():
    text = "\n".join(f"{i:04d} " + "あ" * 95 for i in range(200))  # about 20,000 units
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf16_units(p) <= 5000 for p in parts)
    assert "\n".join(parts) == text


def test_surrogate_pairs_count_twice():
    emoji = "🙂" * 3000  # 6,000 UTF-16 units on one line
    parts = split_text(emoji)
    assert [utf16_units(p) for p in parts] == [5000, 1000]
    assert "".join(parts) == emoji


def test_more_than_five_messages_make_several_calls_with_choices_last():
    messages = [Outgoing(f"m{i}") for i in range(6)] + [
        Outgoing("質問です", (("はい", "a=1"), ("スキップ", "a=skip")))
    ]
    calls = [json.loads(call) for call in render(messages)]
    assert [len(c) for c in calls] == [5, 2]
    assert calls[1][1]["quickReply"]["items"][1]["action"] == {
        "type": "postback",
        "label": "スキップ",
        "data": "a=skip",
        "displayText": "スキップ",
    }


def test_a_counselors_words_are_not_kept_in_the_render_cache():
    from bot.channels.line.render import _objects

    before = _objects.cache_info().currsize
    render([Outgoing("佐藤です。お母さまのこと、続けて聞かせてください。")], reusable=False)
    assert _objects.cache_info().currsize == before
    render([Outgoing(f"どなたのことでのご相談ですか？ {uuid.uuid4()}")])  # new to the cache
    assert _objects.cache_info().currsize == before + 1


def test_combine_joins_calls_only_while_they_fit_in_one():
    one = render([Outgoing("ひとつめ")])[0]
    question = render([Outgoing("どちらですか", (("はい", "yes"), ("いいえ", "no")))])[0]
    assert json.loads(combine([one, one])) == json.loads(one) * 2
    # Buttons stay under the last message, or the calls are not joined.
    assert combine([one, question]) is not None
    assert combine([question, one]) is None
    assert combine([one] * 5) is not None and combine([one] * 6) is None
