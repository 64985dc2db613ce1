"""Rules: combinations of words, matched on lemmas (`bot.safety.analyser`), for meaning that no
single phrase carries: a method and its purchase, tens of pills and the taking, a child and
days without food. Data staff can read: ``rules/*.toml`` (format at the top of ``rules/ja.toml``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.safety import analyser
from bot.safety.model import NONE

LEVELS = ("crisis", "violence", "child")
SCOPES = ("sentence", "message")


class RuleFileError(ValueError):
    """A rule file cannot be used; the message names the file and the rule."""


Term = tuple[str, ...]  # lemmas in a row


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: str
    groups: tuple[tuple[Term, ...], ...]  # every group must match; one term of each
    unless: tuple[Term, ...]  # none of these may be in the same scope
    scope: str
    certain: bool
    # A certain crisis rule that outranks a violence phrase (a blade turned on oneself).
    outranks_violence: bool = False


@dataclass(frozen=True, slots=True)
class RuleHit:
    id: str
    level: str
    certain: bool
    outranks_violence: bool = False


def _has(words: Sequence[str], present: AbstractSet[str], term: Term) -> bool:
    first = term[0]
    if first not in present:  # one set test settles most terms
        return False
    n = len(term)
    if n == 1:
        return True
    start = -1
    try:
        while True:
            start = words.index(first, start + 1)
            if tuple(words[start : start + n]) == term:
                return True
    except ValueError:
        return False


def _matches(rule: Rule, words: Sequence[str], present: AbstractSet[str]) -> bool:
    # Groups first: they fail far more often than an `unless` hits (the answer is the same).
    if not all(any(_has(words, present, term) for term in group) for group in rule.groups):
        return False
    return not any(_has(words, present, term) for term in rule.unless)


class Rules:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = tuple(rules)
        # Set tests reject most rules before any sequence is compared: each group needs the
        # first word of one of its terms somewhere in the message.
        self._needs = [
            tuple(frozenset(term[0] for term in group) for group in rule.groups) for rule in rules
        ]

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, text: str, sentences: Sequence[Sequence[str]] | None = None) -> RuleHit | None:
        """The first certain rule that matches, else the first possible one, else None.

        `sentences`: the lemmas of `text` (`analyser.sentences`), when the caller has them.
        """
        if sentences is None:
            sentences = analyser.sentences(text)
        whole = [word for sentence in sentences for word in sentence]
        present = set(whole)
        by_sentence: list[tuple[Sequence[str], AbstractSet[str]]] | None = None
        weak: RuleHit | None = None
        for rule, needs in zip(self._rules, self._needs, strict=True):
            if any(present.isdisjoint(firsts) for firsts in needs):
                continue
            if rule.scope == "message":
                scopes: list[tuple[Sequence[str], AbstractSet[str]]] = [(whole, present)]
            else:
                if by_sentence is None:
                    by_sentence = [(words, set(words)) for words in sentences]
                scopes = by_sentence
            if any(_matches(rule, words, found) for words, found in scopes):
                if rule.certain:
                    return RuleHit(rule.id, rule.level, True, rule.outranks_violence)
                weak = weak or RuleHit(rule.id, rule.level, False)
        return weak

    @classmethod
    def from_files(cls, paths: Iterable[Path | Traversable]) -> Rules:
        rules: list[Rule] = []
        seen: set[str] = set()
        for path in paths:
            for rule in _load(path):
                if rule.id in seen:
                    raise RuleFileError(f"{path}: rule id {rule.id!r} is used twice")
                seen.add(rule.id)
                rules.append(rule)
        return cls(rules)


def _terms(where: str, raw: object) -> tuple[Term, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        raise RuleFileError(f"{where}: a group is a list of words")
    terms = []
    for text in raw:
        term = analyser.words(str(text))
        if not term:
            raise RuleFileError(f"{where}: {text!r} has no words in it")
        terms.append(term)
    return tuple(terms)


def _load(path: Path | Traversable) -> list[Rule]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RuleFileError(f"{path}: {error}") from error
    rules = []
    for index, entry in enumerate(data.get("rule", []), 1):
        where = f"{path}: rule {index}"
        if not isinstance(entry, dict):
            raise RuleFileError(f"{where}: must be a table")
        known = {"id", "level", "all", "unless", "scope", "certain", "outranks_violence", "note"}
        unknown = set(entry) - known
        if unknown:
            raise RuleFileError(f"{where}: unknown keys {sorted(unknown)}")
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleFileError(f"{where}: needs an id")
        where = f"{where} ({rule_id})"
        level = entry.get("level")
        if level not in LEVELS or level == NONE:
            raise RuleFileError(f"{where}: level must be one of {', '.join(LEVELS)}")
        groups = entry.get("all")
        if not isinstance(groups, list) or not groups:
            raise RuleFileError(f"{where}: needs all = [[words], [words], ...]")
        scope = entry.get("scope", "sentence")
        if scope not in SCOPES:
            raise RuleFileError(f"{where}: scope must be sentence or message")
        certain = entry.get("certain", True)
        if not isinstance(certain, bool):
            raise RuleFileError(f"{where}: certain must be true or false")
        outranks = entry.get("outranks_violence", False)
        if not isinstance(outranks, bool):
            raise RuleFileError(f"{where}: outranks_violence must be true or false")
        unless = entry.get("unless")
        rules.append(
            Rule(
                rule_id,
                str(level),
                tuple(_terms(where, group) for group in groups),
                _terms(where, unless) if unless is not None else (),
                str(scope),
                certain,
                outranks,
            )
        )
    return rules


def default_rule_files() -> list[Traversable]:
    folder = files("bot.safety").joinpath("rules")
    return sorted(
        (item for item in folder.iterdir() if item.name.endswith(".toml")),
        key=lambda item: item.name,
    )
