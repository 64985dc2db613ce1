"""The detector: phrase lists compiled once into regexes, matched on normalised text, then the
word rules (`bot.safety.rules`) and the learned model (`bot.safety.model`); see `Detector.detect`
for the order and what makes a signal certain.

A message is normalised (`bot.safety.normalise`), harmless uses ("死ぬほど眠い", "kill the
process") are masked out, then each level's phrases are searched. The most severe level wins
(crisis, then violence, then child), except that a child phrase overlapping a violence phrase,
or within `NEAR` characters of one in the same sentence ("夫が子どもを殴る",
"子どもを叩いたり蹴ったり"), is about the child and answers `Level.CHILD`.

Phrase file format: see the comments at the top of ``phrases/ja.toml``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.safety import analyser
from bot.safety.levels import SEVERITY, Level
from bot.safety.model import (
    CHILD_OVER_VIOLENCE,
    MODEL_ID,
    NONE,
    VETO,
    Model,
    default_model,
    top_danger,
)
from bot.safety.normalise import (
    SENTENCE_BREAK,
    Normaliser,
    default_normaliser,
    load_spellings,
)
from bot.safety.phrase_files import (
    EDGE,
    MASK,
    Pattern,
    Phrase,
    PhraseFileError,
    compile_pattern,
    load_phrase_file,
)
from bot.safety.rules import Rules, default_rule_files

__all__ = [
    "SEVERITY",
    "Detection",
    "Detector",
    "Level",
    "Pattern",
    "Phrase",
    "PhraseFileError",
    "compile_pattern",
    "default_detector",
    "default_phrase_files",
    "detect",
]

NEAR = 6  # a violence phrase this close to a child phrase is about the child
_JAPANESE = re.compile("[\u3041-\u30ff\u3400-\u9fff]")  # kana or kanji


@dataclass(frozen=True, slots=True)
class Detection:
    level: Level
    about_other: bool
    matched: str  # the phrase id from the data file, never the client's words
    # False for a possible signal (a weak phrase, or a model in between): the client is asked
    # how they are rather than given the full answer, and staff are told it is "possible".
    certain: bool = True


@dataclass(frozen=True, slots=True)
class _Match:
    level: Level
    phrase_id: str
    start: int
    end: int
    certain: bool


class Detector:
    """Phrase lists compiled once. `detect` is safe to call from any thread."""

    def __init__(
        self,
        phrases: Sequence[Phrase],
        others: Sequence[Pattern],
        selves: Sequence[Pattern],
        normalise: Normaliser,
        model: Model | None = None,
        rules: Rules | None = None,
    ) -> None:
        self._normalise = normalise
        self._model = model
        self._rules = rules
        by_level: dict[Level, list[tuple[str, bool, Pattern]]] = {level: [] for level in Level}
        harmless: list[Pattern] = []
        for phrase in phrases:
            for pattern in phrase.patterns:
                if phrase.level is None:
                    harmless.append(pattern)
                else:
                    by_level[phrase.level].append((phrase.id, phrase.certain, pattern))
        self._harmless = _union(harmless)
        # One regex per level finds where a phrase matches; which phrase it is, is asked only
        # then (`_Phrases.which`). A group around each phrase would name it at once, but it
        # hides each phrase's first character from the regex engine, which then enters every
        # phrase at every position: five times slower on the crisis list.
        self._levels = {level: _Phrases(found) for level, found in by_level.items() if found}
        self._compiled = {
            level: union
            for level, found in by_level.items()
            if (union := _union([Pattern(f"(?:{p.regex})", p.first) for _, _, p in found]))
        }
        self._others = _union(others)
        self._selves = _union(selves)

    @classmethod
    def from_files(
        cls,
        paths: Iterable[str | Path | Traversable],
        spellings: str | Path | Traversable | None = None,
        model: Model | None = None,
        rules: Rules | None = None,
    ) -> Detector:
        """A detector from phrase files (the packaged ones, staff's own, or both).

        `spellings` is a spellings TOML file; the packaged ``spellings.toml`` when None. `model`
        is the learned model beside the phrases (`default_model()`), `rules` the word
        combinations (`default_rules()`); None: without them.
        """
        if spellings is None:
            normalise = default_normaliser()
        else:
            normalise = Normaliser(load_spellings(_as_path(spellings)))
        phrases: list[Phrase] = []
        others: list[Pattern] = []
        selves: list[Pattern] = []
        seen: dict[str, str] = {}
        for raw_path in paths:
            path = _as_path(raw_path)
            loaded = load_phrase_file(path, normalise)
            for phrase in loaded.phrases:
                if phrase.id in seen:
                    raise PhraseFileError(
                        f"{path}: phrase id {phrase.id!r} is already used in {seen[phrase.id]}"
                    )
                seen[phrase.id] = str(path)
            phrases.extend(loaded.phrases)
            others.extend(loaded.others)
            selves.extend(loaded.selves)
        if not any(phrase.level is not None for phrase in phrases):
            raise PhraseFileError(
                "no danger phrases in " + ", ".join(seen.values() or ["any file"])
            )
        return cls(phrases, others, selves, normalise, model, rules)

    def with_model(self, model: Model | None) -> Detector:
        """The same phrases and rules beside another model (cross-validation), compiled once."""
        other = copy.copy(self)
        other._model = model
        return other

    def normalised(self, text: str) -> str:
        """The form `detect` matches in, harmless uses masked (for staff checking a phrase)."""
        return self._mask(self._normalise(text))

    def detect(self, text: str) -> Detection | None:
        """A certain phrase, then a certain rule, then a weak phrase or rule (possible); else
        the model, certain when confident, possible in between (in Japanese only). Rules read
        only Japanese. The model reads harmless uses masked, as it was trained, and the lemmas
        of a Japanese message; beside a hit in Japanese it may say the message is ordinary
        (`VETO`) or about a child (`CHILD_OVER_VIOLENCE`)."""
        masked, sentences = self.model_input(text)
        japanese = bool(sentences)
        found = self._hit(text, masked, sentences)
        if self._model is None:
            return found
        if found is not None and not japanese:
            return found  # the model's two says beside a hit are for Japanese only
        probabilities = self._model.probabilities(masked, sentences)
        if found is not None:
            if probabilities[NONE] >= VETO:
                return None
            child = probabilities.get(Level.CHILD.value, 0.0)
            if found.level is Level.VIOLENCE and child >= CHILD_OVER_VIOLENCE:
                return replace(found, level=Level.CHILD)
            return found
        score = top_danger(probabilities)
        if score.probability >= self._model.certain:
            return self._whole(masked, Level(score.level), MODEL_ID, certain=True)
        # The model learnt from few English messages: in between, it only judges Japanese.
        if japanese and score.probability >= self._model.possible:
            return self._whole(masked, Level(score.level), MODEL_ID, certain=False)
        return None

    def model_input(self, text: str) -> tuple[str, list[list[str]]]:
        """What the model reads: the normalised text, harmless uses masked, and the lemmas of
        each sentence (none for a message without kana or kanji)."""
        masked = self.normalised(text)
        if _JAPANESE.search(masked) is None:
            return masked, []
        return masked, analyser.sentences(text)

    def _hit(self, text: str, masked: str, sentences: list[list[str]]) -> Detection | None:
        hit = self._phrases(masked)
        japanese = bool(sentences)
        if hit is not None and hit.certain:
            if hit.level is not Level.VIOLENCE or self._rules is None or not japanese:
                return hit
            # Violence against a child is child, a blade turned on oneself is crisis: a certain
            # child rule, or a crisis rule marked so, outranks the phrase.
            rule = self._rules.match(text, sentences)
            if rule is not None and rule.certain:
                if rule.level == Level.CHILD.value or rule.outranks_violence:
                    return self._whole(masked, Level(rule.level), rule.id, certain=True)
            return hit
        rule = self._rules.match(text, sentences) if self._rules is not None and japanese else None
        if rule is not None and rule.certain:
            return self._whole(masked, Level(rule.level), rule.id, certain=True)
        if hit is not None:
            return hit  # a weak phrase stays possible: staff wrote it so
        if rule is not None:
            return self._whole(masked, Level(rule.level), rule.id, certain=False)
        return None

    def detect_phrases(self, text: str) -> Detection | None:
        """The phrase lists alone, without the model (for training and for staff)."""
        return self._phrases(self.normalised(text))

    def _mask(self, plain: str) -> str:
        return plain if self._harmless is None else self._harmless.sub(MASK, plain)

    def _whole(self, masked: str, level: Level, matched: str, certain: bool) -> Detection:
        # The whole message is the signal: whoever was named last, with no "I" after them.
        end = _Match(level, matched, len(masked), len(masked), certain)
        return Detection(level, self._about_other(masked, end), matched, certain)

    def _phrases(self, plain: str) -> Detection | None:
        found: dict[Level, list[_Match]] = {}
        for level in SEVERITY:
            pattern = self._compiled.get(level)
            if pattern is None:
                continue
            # A certain phrase anywhere outranks a weak one before it.
            phrases = self._levels[level]
            matches = sorted(
                (phrases.match(level, plain, m) for m in pattern.finditer(plain)),
                key=lambda match: not match.certain,
            )
            if matches and level is Level.CRISIS:
                return self._detection(plain, matches[0])
            if matches:
                found[level] = matches
        violence, child = found.get(Level.VIOLENCE, []), found.get(Level.CHILD, [])
        for match in child:
            if any(_near(plain, match, hit) for hit in violence):
                return self._detection(plain, match)  # violence against a child is child
        if violence:
            return self._detection(plain, violence[0])
        if child:
            return self._detection(plain, child[0])
        return None

    def _detection(self, plain: str, match: _Match) -> Detection:
        return Detection(
            match.level, self._about_other(plain, match), match.phrase_id, match.certain
        )

    def _about_other(self, plain: str, match: _Match) -> bool:
        """Whether another person (息子, my son, 彼…) is the one the signal is about.

        Yes when one is named before the signal with no "I" (私は, I) after them, or inside the
        signal (子どもを叩いた), or after it in the same sentence when the writer has not said
        "I" before it (死にたいと息子に言われた).
        """
        others = self._others
        if others is None:
            return False
        selves = self._selves
        last_other_end = -1
        for other in others.finditer(plain, 0, match.start):
            last_other_end = other.end()
        if last_other_end >= 0:
            if selves is None or selves.search(plain, last_other_end, match.start) is None:
                return True
        if others.search(plain, match.start, match.end) is not None:
            return True
        sentence_start = plain.rfind(SENTENCE_BREAK, 0, match.start) + 1
        sentence_end = plain.find(SENTENCE_BREAK, match.end)
        if sentence_end < 0:
            sentence_end = len(plain)
        if others.search(plain, match.end, sentence_end) is None:
            return False
        return selves is None or selves.search(plain, sentence_start, match.start) is None


class _Phrases:
    """One level's phrases in their order, to say which one a match of the level's regex is:
    the first that matches where it starts, as in the regex's alternation."""

    def __init__(self, phrases: Sequence[tuple[str, bool, Pattern]]) -> None:
        self.phrases = [(phrase_id, certain) for phrase_id, certain, _ in phrases]
        self.patterns = [pattern for _, _, pattern in phrases]
        # Compiled when first needed: most phrases never match, and start-up stays as it was.
        self._regexes: list[re.Pattern[str] | None] = [None] * len(self.patterns)
        anywhere = [i for i, p in enumerate(self.patterns) if p.first is None]
        chars = {char for p in self.patterns for char in p.first or ()}
        # By the character a match starts with: the phrases that can start with it, in order.
        self._by_first = {
            char: sorted(
                {*anywhere, *(i for i, p in enumerate(self.patterns) if char in (p.first or ()))}
            )
            for char in chars
        }
        self._anywhere = anywhere
        self._all = list(range(len(self.patterns)))

    def match(self, level: Level, plain: str, found: re.Match[str]) -> _Match:
        start, end = found.span()
        index = self._which(plain, start, self._by_first.get(plain[start : start + 1]))
        phrase_id, certain = self.phrases[index]
        return _Match(level, phrase_id, start, end, certain)

    def _which(self, plain: str, start: int, candidates: list[int] | None) -> int:
        for index in self._anywhere if candidates is None else candidates:
            if self._regex(index).match(plain, start):
                return index
        # Unreachable while each phrase's first characters are right; kept exact regardless.
        return next(i for i in self._all if self._regex(i).match(plain, start))

    def _regex(self, index: int) -> re.Pattern[str]:
        regex = self._regexes[index]
        if regex is None:
            regex = self._regexes[index] = re.compile(self.patterns[index].regex)
        return regex


def _near(plain: str, one: _Match, other: _Match) -> bool:
    """Overlapping, or a few characters apart within one sentence."""
    if one.start - NEAR >= other.end or other.start >= one.end + NEAR:
        return False
    between = plain[min(one.end, other.end) : max(one.start, other.start)]
    return SENTENCE_BREAK not in between


def _union(patterns: Sequence[Pattern]) -> re.Pattern[str] | None:
    """One regex for many patterns, searched once.

    It starts with a look at the next character (one set test rejects most positions before any
    of the alternatives is tried), then the start-of-word edge every pattern shares. Patterns
    that start with ASCII (English, "od") and the others are two branches, each behind its own
    look: a kana or kanji never tries the English alternatives, nor a letter the Japanese ones.
    """
    if not patterns:
        return None
    firsts = [pattern.first for pattern in patterns]
    if any(first is None for first in firsts):
        return re.compile(f"{EDGE}(?:{'|'.join(pattern.regex for pattern in patterns)})")
    ascii_first = [p for p in patterns if all(c.isascii() for c in p.first or ())]
    others = [p for p in patterns if not all(c.isascii() for c in p.first or ())]
    branches = [
        f"{_look(group)}(?:{'|'.join(p.regex for p in group)})"
        for group in (others, ascii_first)
        if group
    ]
    return re.compile(f"{_look(patterns)}{EDGE}(?:{'|'.join(branches)})")


def _look(patterns: Sequence[Pattern]) -> str:
    """A look at the next character: one of the characters the patterns can start with."""
    union: set[str] = set()
    for pattern in patterns:
        union |= pattern.first or set()
    return "(?=[" + "".join(_class_char(char) for char in sorted(union)) + "])"


def _class_char(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _as_path(path: str | Path | Traversable) -> Path | Traversable:
    return Path(path) if isinstance(path, str) else path


def default_phrase_files() -> list[Traversable]:
    """The packaged phrase lists, for `Detector.from_files([*default_phrase_files(), mine])`."""
    folder = files("bot.safety").joinpath("phrases")
    return sorted(
        (item for item in folder.iterdir() if item.name.endswith(".toml")),
        key=lambda item: item.name,
    )


@cache
def default_detector() -> Detector:
    return Detector.from_files(default_phrase_files(), model=default_model(), rules=default_rules())


@cache
def default_rules() -> Rules:
    return Rules.from_files(default_rule_files())


@cache
def phrase_detector() -> Detector:
    """The packaged phrase lists without the model."""
    return Detector.from_files(default_phrase_files())


def detect(text: str) -> Detection | None:
    """The danger signal in `text` by the packaged phrase lists and model, or None."""
    return default_detector().detect(text)
