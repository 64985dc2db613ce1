"""Small text helpers shared by the loader and the engine: matching typed words, placeholders."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# Punctuation people add around a typed word: 「やめる。」 and "Stop!" mean the same as the word.
_EDGE_PUNCTUATION = " \t\r\n　。、．，.,!！?？「」『』\"'"


def normalize(text: str) -> str:
    """The form typed words and labels are compared in: width-folded, case-folded, trimmed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = " ".join(folded.split())
    return folded.strip(_EDGE_PUNCTUATION)


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace {name} for the names in values; leave other placeholders for a later pass."""
    if "{" not in text:
        return text
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def utf16_units(text: str) -> int:
    """LINE counts message length in UTF-16 code units, not characters."""
    return len(text.encode("utf-16-le")) // 2
