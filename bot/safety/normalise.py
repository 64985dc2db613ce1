"""One comparable form for messages and for the phrase lists.

`Normaliser` turns text into the form every phrase is matched in. The phrase lists go through the
same normaliser when they are loaded, so staff write phrases in ordinary Japanese or English and
never in this form. The steps, in order:

1. NFKC (full-width letters and digits become ASCII, half-width katakana become full-width) and
   lower case.
2. Katakana become hiragana (シニタイ → しにたい).
3. Sentence ends (。 ! ? a line break, a full stop before a space) become one ``SENTENCE_BREAK``;
   phrase gaps never cross one.
4. Long vowel marks (ー) go.
5. Every run of spaces, punctuation and symbols goes when it touches a non-ASCII character
   (死 に た い, し.に.た.い, 死＿に＿た＿い → 死にたい) and becomes one space between ASCII words;
   single letters spaced out (d i e) are joined.
6. A small vowel that only lengthens the kana before it goes (たぁい → たい); other small kana
   become full size (しにたぃ → しにたい, っ → つ).
7. A character repeated is kept once (しにたーーい, 死にたいいいい, diiiie → …たい, die). Digits
   are kept as they are. "kill" becomes "kil" here, in messages and in phrases alike.
8. Net and variant spellings from ``spellings.toml`` (タヒに → 死に, kms → kill myself, 子供 →
   子ども) are replaced. Their keys and values are normalised by steps 1 to 7 first.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import jaconv

SENTENCE_BREAK = "\n"

_SENTENCE_END = re.compile(r"[。!?\r\n]+|\.(?=\s|$)")
_LONG_VOWEL = str.maketrans("", "", "ー")
_SEPARATORS = re.compile(r"(?:[^\w\n]|_)+")
# A space goes unless it sits between two ASCII letters or digits.
_LONE_SPACE = re.compile(r" (?![a-z0-9])|(?<![a-z0-9]) ")
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z0-9](?: [a-z0-9]){2,}(?![a-z0-9])")
_SMALL_VOWEL_AFTER_KANA = re.compile(r"([ぁ-ゖ])([ぁぃぅぇぉ])")
_SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
_REPEATED = re.compile(r"(\D)\1+")

_ROWS = {
    "a": "あかさたなはまやらわがざだばぱぁゃゎ",
    "i": "いきしちにひみりぎじぢびぴぃ",
    "u": "うくすつぬふむゆるぐずづぶぷぅっゅ",
    "e": "えけせてねへめれげぜでべぺぇ",
    "o": "おこそとのほもよろをごぞどぼぽぉょ",
}
_VOWEL = {kana: vowel for vowel, row in _ROWS.items() for kana in row}
_SMALL_VOWEL = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o"}


def _join_letters(match: re.Match[str]) -> str:
    return match.group().replace(" ", "")


def _drop_lengthening(match: re.Match[str]) -> str:
    kana, small = match.group(1), match.group(2)
    return kana if _VOWEL.get(kana) == _SMALL_VOWEL[small] else match.group()


def _base(text: str) -> str:
    """Steps 1 to 7: everything but the spellings table."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = jaconv.kata2hira(text)
    text = _SENTENCE_END.sub(SENTENCE_BREAK, text)
    text = text.translate(_LONG_VOWEL)
    text = _SEPARATORS.sub(" ", text)
    text = _LONE_SPACE.sub("", text)
    if " " in text:
        text = _SPACED_LETTERS.sub(_join_letters, text)
    text = _SMALL_VOWEL_AFTER_KANA.sub(_drop_lengthening, text)
    text = text.translate(_SMALL_KANA)
    return _REPEATED.sub(r"\1", text)


class SpellingsError(ValueError):
    """The spellings file cannot be used; the message names the file and the entry."""


class Normaliser:
    """Normalises text; built once from a spellings table (net spelling → plain spelling)."""

    def __init__(self, spellings: Mapping[str, str]) -> None:
        table: dict[str, str] = {}
        for key, value in spellings.items():
            plain_key, plain_value = _base(key), _base(value)
            if plain_key and plain_key != plain_value:
                table[plain_key] = plain_value
        self._table = table
        self._pattern: re.Pattern[str] | None = None
        if table:
            # Longest first, so タヒに wins over タヒ. An ASCII key is a whole word and does not
            # follow a number ("5 kms" is a distance).
            # The look at the next character first rejects most positions with one set test.
            alternatives = [_spelling_regex(key) for key in sorted(table, key=len, reverse=True)]
            firsts = "".join(sorted({re.escape(key[0]) for key in table}))
            self._pattern = re.compile(f"(?=[{firsts}])(?:" + "|".join(alternatives) + ")")

    def __call__(self, text: str) -> str:
        text = _base(text)
        if self._pattern is not None:
            text = self._pattern.sub(self._replace, text)
        return text

    def _replace(self, match: re.Match[str]) -> str:
        return self._table[match.group()]


def _spelling_regex(key: str) -> str:
    escaped = re.escape(key)
    if key[0].isascii() and key[0].isalpha():
        escaped = r"(?<![a-z0-9])(?<![0-9] )" + escaped
    if key[-1].isascii() and key[-1].isalnum():
        escaped += r"(?![a-z0-9])"
    return escaped


def load_spellings(path: Path | Traversable) -> dict[str, str]:
    """The ``[spellings]`` table of a TOML file, checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SpellingsError(f"{path}: {error}") from error
    table = data.get("spellings")
    if not isinstance(table, dict):
        raise SpellingsError(f"{path}: needs a [spellings] table")
    for key, value in table.items():
        if not isinstance(value, str) or not key.strip():
            raise SpellingsError(f"{path}: spelling {key!r}: the value must be a string")
    return {str(key): str(value) for key, value in table.items()}


def packaged_spellings() -> Traversable:
    return files("bot.safety").joinpath("spellings.toml")


@cache
def default_normaliser() -> Normaliser:
    return Normaliser(load_spellings(packaged_spellings()))


def normalise(text: str) -> str:
    """`text` in the comparable form, with the packaged spellings table."""
    return default_normaliser()(text)
