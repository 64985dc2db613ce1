"""What an invitation code looks like, and how a loosely typed one is read."""

from __future__ import annotations

import pytest

from bot.households import codes
from bot.households.invitations import line_url


def test_a_new_code_has_no_look_alikes_a_digit_and_a_letter():
    for _ in range(500):
        code = codes.new_code()
        assert len(code) == 8 and codes.is_code(code)
        assert not set(code) & set("01OIL")
        assert any(c.isdigit() for c in code) and any(c.isalpha() for c in code)
    assert codes.shown("ABCD2345") == "ABCD-2345"


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-2345",
        "abcd-2345",
        "abcd2345",
        " ab cd 23 45 ",
        "ａｂｃｄ－２３４５",  # full width, with a full-width hyphen
        "ＡＢＣＤ　２３４５",  # an ideographic space
        "ＡＢＣＤー２３４５",  # the long-vowel mark an IME gives for a hyphen
        "abcd‐2345",  # a Unicode hyphen
    ],
)
def test_a_code_typed_loosely_is_read(typed):
    assert codes.normalise(typed) == "ABCD2345"


@pytest.mark.parametrize(
    "typed",
    [
        "whatever",  # letters only: an ordinary word
        "12345678",  # digits only: a phone number, a date
        "ABCD-234",  # seven
        "ABCD-23456",  # nine
        "ABCD-2340",  # a 0 is never in a code
        "ABCD 2345 です",
        "こんにちは",
        "",
        "A" * 200,
    ],
)
def test_other_messages_are_not_codes(typed):
    assert codes.normalise(typed) is None


def test_the_line_link_carries_the_code_when_a_basic_id_is_set():
    assert line_url(None, "ABCD2345") is None
    assert line_url("@123abcde", "ABCD2345") == "https://line.me/R/oaMessage/@123abcde/?ABCD-2345"


def test_a_token_is_long_and_stored_only_as_its_hash():
    token = codes.new_token()
    assert len(token) >= 40 and codes.token_hash(token) != token
    assert len(codes.token_hash(token)) == 64
