"""What the invitation card shows (templates/card.html), as a pure function of the invitation
and the settings: the window's name, the code as XXXX-XXXX, the QR codes, the hours and the
last day. No client's name ever reaches it: it is handed from one member of a family to
another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from bot.config.settings import Settings
from bot.runtime.clock import TOKYO
from staff_console.i18n import LANGUAGES, fill, texts
from staff_console.qr import qr_svg

SIZES = ("a6", "a5")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def shown_code(code: str) -> str:
    """The stored code (8 characters) as people read and type it: XXXX-XXXX."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def card_date(when: datetime, language: str) -> str:
    """The card's last day, in Tokyo's calendar: 2027年2月23日 / 23 February 2027."""
    day = when.astimezone(TOKYO)
    return fill(
        texts(language)["card"]["date"],
        year=day.year,
        month=_MONTHS[day.month - 1] if language == "en" else day.month,
        day=day.day,
    )


@dataclass(frozen=True)
class CardRequest:
    """How the staff member asked for the card: its size and its language."""

    size: str = "a6"
    language: str = "ja"

    @classmethod
    def of(cls, query: Any) -> CardRequest:
        size, language = query.get("size", "a6"), query.get("lang", "ja")
        return cls(
            size=size if size in SIZES else "a6",
            language=language if language in LANGUAGES else "ja",
        )

    def query(self, **changes: str) -> str:
        values = {"size": self.size, "lang": self.language, **changes}
        return urlencode(values)


def card_context(
    settings: Settings,
    asked: CardRequest,
    *,
    invitation_id: int,
    household_id: int,
    code: str,
    web_url: str,
    web_has_token: bool,
    line_url: str | None,
    expires_at: datetime,
) -> dict[str, Any]:
    """The card's template values; `c` are the card's words in the card's language (the
    staff member's own language stays for the toolbar)."""
    english = asked.language == "en"
    other = next(code for code in LANGUAGES if code != asked.language)
    return {
        "card_lang": asked.language,
        "other_card_lang": other,
        "c": texts(asked.language)["card"],
        "size": asked.size,
        "query_a6": asked.query(size="a6"),
        "query_a5": asked.query(size="a5"),
        "query_other_lang": asked.query(lang=other),
        "invitation_id": invitation_id,
        "household_id": household_id,
        "window_name": settings.service_name_en if english else settings.service_name,
        "opening_hours": settings.opening_hours_en if english else settings.opening_hours,
        "code": shown_code(code),
        "web_qr": qr_svg(web_url),
        "web_has_token": web_has_token,
        "line_qr": qr_svg(line_url) if line_url else None,
        "until": card_date(expires_at, asked.language),
    }
