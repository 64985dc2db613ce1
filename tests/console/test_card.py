"""What the invitation card shows, as pure functions: the code as people type it, the last
day in each language, the size and language asked for (anything else falls back), and the
QR codes as inline SVG with nothing but the symbol in it."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.config.settings import Settings
from bot.runtime.clock import TOKYO
from staff_console.card import CardRequest, card_context, card_date, shown_code
from staff_console.qr import qr_svg

LAST_DAY = datetime(2027, 2, 23, 1, 30, tzinfo=TOKYO)


def test_the_code_reads_in_two_halves():
    assert shown_code("K7PQ3MXR") == "K7PQ-3MXR"


def test_the_last_day_is_tokyos_calendar_day_in_the_cards_language():
    assert card_date(LAST_DAY, "ja") == "2027年2月23日"
    assert card_date(LAST_DAY, "en") == "23 February 2027"
    # 00:30 in Tokyo is still the previous day in UTC: the card says Tokyo's day.
    assert card_date(datetime(2027, 2, 23, 0, 30, tzinfo=TOKYO), "ja") == "2027年2月23日"


def test_a_size_or_language_the_card_does_not_have_falls_back_to_a6_in_japanese():
    assert CardRequest.of({"size": "a4", "lang": "fr"}) == CardRequest("a6", "ja")
    assert CardRequest.of({"size": "a5", "lang": "en"}) == CardRequest("a5", "en")
    assert CardRequest("a5", "en").query(size="a6") == "size=a6&lang=en"


def test_a_qr_code_is_an_inline_svg_of_the_symbol_only():
    svg = str(qr_svg("https://tobira.example/chat#invite=" + "x" * 43))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "viewBox" in svg and "width=" not in svg.split(">")[0]  # sized by the page's CSS
    for never in ("<script", "<text", "<?xml", "href"):
        assert never not in svg
    with pytest.raises(ValueError):
        qr_svg("")


def test_the_card_without_a_line_link_has_one_qr_code_and_names_the_window():
    values = card_context(
        Settings(),
        CardRequest("a6", "en"),
        invitation_id=3,
        household_id=1,
        code="K7PQ3MXR",
        web_url="https://tobira.example/chat",
        web_has_token=False,
        line_url=None,
        expires_at=LAST_DAY,
    )
    assert values["line_qr"] is None and str(values["web_qr"]).startswith("<svg")
    assert values["code"] == "K7PQ-3MXR"
    assert values["window_name"] == Settings().service_name_en
    assert values["opening_hours"] == Settings().opening_hours_en
    assert values["c"]["promise"].startswith("Nothing you write")
    assert values["query_other_lang"] == "size=a6&lang=ja"
