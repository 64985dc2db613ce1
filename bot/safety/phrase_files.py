"""The phrase lists staff write (bot/safety/phrases/*.toml): their pattern syntax compiled to
regexes on normalised text, and the files read into phrases, every mistake named with its
file and entry (format: the comments at the top of ``phrases/ja.toml``)."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.safety.levels import Level
from bot.safety.normalise import SENTENCE_BREAK, Normaliser

MASK = "\x00"  # what a harmless use is replaced with; no phrase and no gap crosses it
DEFAULT_GAP = 6

# A phrase that starts (or ends) with an ASCII letter or digit must not start (or end) inside an
# ASCII word; one that starts with kana or kanji may touch anything. The same lookaround says both.
EDGE = r"(?:(?<![a-z0-9])|(?![a-z0-9]))"
_SYNTAX = re.compile(r"\.\.\.|\(([^()]*)\)")


class PhraseFileError(ValueError):
    """A phrase file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: str  # on normalised text; the start-of-word edge is added by the union it joins
    first: frozenset[str] | None  # the characters a match can start with; None: any


@dataclass(frozen=True, slots=True)
class Phrase:
    id: str
    level: Level | None  # None: a harmless use, masked before matching
    patterns: tuple[Pattern, ...]
    certain: bool = True  # False: a weak phrase, a possible signal only


def compile_pattern(source: str, gap: int, normalise: Normaliser) -> Pattern:
    """One phrase pattern in the staff syntax → a regex on normalised text.

    ``…`` (or ``...``) is a gap of up to `gap` characters within a sentence; ``(a|b|)`` is one of
    the alternatives, an empty one making the group optional; ``^`` first means the start of a
    sentence; ``*`` last means the last word may go on (``suicid*``). Everything else is literal
    and normalised like a message.
    """
    text = unicodedata.normalize("NFKC", source).strip()  # … → ..., （｜） → (|)
    anchored = text.startswith("^")
    open_end = text.endswith("*")
    text = text.removeprefix("^").removesuffix("*")
    parts: list[str] = []
    # Each element's possible texts, for the first characters; None for a gap.
    elements: list[list[str] | None] = []
    position = 0
    for token in _SYNTAX.finditer(text):
        literal = _literal(text[position : token.start()], normalise)
        parts.append(_regex(literal))
        elements.append([literal])
        if token.group(1) is None:
            parts.append(f"[^{SENTENCE_BREAK}{MASK}]{{0,{gap}}}?")
            elements.append(None)
        else:
            choices = [_literal(choice, normalise) for choice in token.group(1).split("|")]
            parts.append("(?:" + "|".join(_regex(choice) for choice in choices) + ")")
            elements.append(choices)
        position = token.end()
    literal = _literal(text[position:], normalise)
    parts.append(_regex(literal))
    elements.append([literal])
    body = "".join(parts)
    if not any(choice.strip() for choices in elements if choices for choice in choices):
        raise ValueError(f"pattern {source!r} has no words in it")
    if any(mark in text for mark in "()|"):
        leftover = _SYNTAX.sub("", text)
        if any(mark in leftover for mark in "()|"):
            raise ValueError(f"pattern {source!r}: unbalanced ( | )")
    start = rf"(?:^|(?<={SENTENCE_BREAK}))" if anchored else ""
    return Pattern(start + body + ("" if open_end else EDGE), _first_characters(elements))


_OPTIONAL_SPACE = " ?"


def _literal(raw: str, normalise: Normaliser) -> str:
    """`raw` normalised; kept unescaped so its first character can be read."""
    plain = normalise(raw)
    if not plain:
        # A space between two groups, "(hit|hits) (me|us)", separates English words; Japanese
        # text has none left after normalisation.
        return _OPTIONAL_SPACE if raw and raw.isspace() else ""
    # "kill (myself|my self)": the space before the group is part of the phrase.
    if raw[:1].isspace() and plain[0].isascii() and plain[0].isalnum():
        plain = " " + plain
    if raw[-1:].isspace() and plain[-1].isascii() and plain[-1].isalnum():
        plain += " "
    return plain


def _regex(literal: str) -> str:
    return literal if literal == _OPTIONAL_SPACE else re.escape(literal)


def _first_characters(elements: list[list[str] | None]) -> frozenset[str] | None:
    first: set[str] = set()
    for choices in elements:
        if choices is None:
            return None  # a gap first: could start anywhere
        may_be_empty = False
        for choice in choices:
            if choice == _OPTIONAL_SPACE:
                first.add(" ")
                may_be_empty = True
            elif choice:
                first.add(choice[0])
            else:
                may_be_empty = True
        if not may_be_empty:
            return frozenset(first)
    return None


@dataclass(frozen=True, slots=True)
class _PhraseFile:
    phrases: list[Phrase]
    others: list[Pattern]
    selves: list[Pattern]


def load_phrase_file(path: Path | Traversable, normalise: Normaliser) -> _PhraseFile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PhraseFileError(f"{path}: {error}") from error
    default_gap = data.get("gap", DEFAULT_GAP)
    if not isinstance(default_gap, int) or not 0 <= default_gap <= 40:
        raise PhraseFileError(f"{path}: gap must be a whole number from 0 to 40")
    unknown = set(data) - {"gap", "subjects", "phrase", "harmless"}
    if unknown:
        raise PhraseFileError(f"{path}: unknown keys {sorted(unknown)}")
    phrases: list[Phrase] = []
    for section, has_level in (("phrase", True), ("harmless", False)):
        entries = data.get(section, [])
        if not isinstance(entries, list):
            raise PhraseFileError(f"{path}: [[{section}]] must be a list of tables")
        for number, entry in enumerate(entries, 1):
            where = f"{path}: [[{section}]] number {number}"
            phrases.append(_phrase(entry, has_level, default_gap, normalise, where))
    subjects = data.get("subjects", {})
    if not isinstance(subjects, dict) or set(subjects) - {"other", "self"}:
        raise PhraseFileError(f"{path}: [subjects] takes only other = [...] and self = [...]")
    lists: dict[str, list[Pattern]] = {}
    for key in ("other", "self"):
        words = subjects.get(key, [])
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise PhraseFileError(f"{path}: [subjects] {key} must be a list of strings")
        try:
            lists[key] = [compile_pattern(w, default_gap, normalise) for w in words]
        except ValueError as error:
            raise PhraseFileError(f"{path}: [subjects] {key}: {error}") from error
    return _PhraseFile(phrases, lists["other"], lists["self"])


def _phrase(
    entry: object, has_level: bool, default_gap: int, normalise: Normaliser, where: str
) -> Phrase:
    if not isinstance(entry, dict):
        raise PhraseFileError(f"{where}: must be a table")
    allowed = {"id", "patterns", "gap", "note"} | ({"level", "certain"} if has_level else set())
    if set(entry) - allowed:
        raise PhraseFileError(f"{where}: unknown keys {sorted(set(entry) - allowed)}")
    phrase_id = entry.get("id")
    if not isinstance(phrase_id, str) or not phrase_id:
        raise PhraseFileError(f"{where}: needs an id")
    where = f"{where} ({phrase_id})"
    level: Level | None = None
    if has_level:
        try:
            level = Level(str(entry.get("level")))
        except ValueError:
            names = ", ".join(level.value for level in Level)
            raise PhraseFileError(f"{where}: level must be one of {names}") from None
    gap = entry.get("gap", default_gap)
    if not isinstance(gap, int) or not 0 <= gap <= 40:
        raise PhraseFileError(f"{where}: gap must be a whole number from 0 to 40")
    patterns = entry.get("patterns")
    if not isinstance(patterns, list) or not patterns:
        raise PhraseFileError(f"{where}: needs patterns = [...]")
    compiled: list[Pattern] = []
    for source in patterns:
        if not isinstance(source, str):
            raise PhraseFileError(f"{where}: patterns must be strings")
        try:
            pattern = compile_pattern(source, gap, normalise)
            re.compile(pattern.regex)
        except (ValueError, re.error) as error:
            raise PhraseFileError(f"{where}: {error}") from error
        compiled.append(pattern)
    certain = entry.get("certain", True)
    if not isinstance(certain, bool):
        raise PhraseFileError(f"{where}: certain must be true or false")
    return Phrase(phrase_id, level, tuple(compiled), certain)
