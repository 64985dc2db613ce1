"""The detector's fast paths give what the plain ways give, on every row of the safety data.

Scoring was made faster (MeCab's output as one string, rules rejected by set tests, the model
skipped beside a hit in a message that is not Japanese, n-grams gathered in bulk); the plain
ways stay here as references, so that a faster path that answers differently fails on the row
where it does. The references read whatever model and rules are packaged: retraining the model
or adding rules needs no change here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import fugashi
import pytest

from bot.safety import Detection, Detector, Level, analyser
from bot.safety.detector import Pattern, _union, default_detector
from bot.safety.model import (
    CHILD_OVER_VIOLENCE,
    LEMMA,
    MODEL_ID,
    NGRAMS,
    NONE,
    VETO,
    Model,
    character_grams,
    features,
    lemma_grams,
    top_danger,
)
from bot.safety.normalise import SENTENCE_BREAK
from bot.safety.rules import Rule, RuleHit, Rules

DATA = Path(__file__).resolve().parents[1] / "data"


def _texts() -> Iterator[str]:
    """The text column of every row (comments and headers too: any text will do)."""
    for path in sorted(DATA.glob("safety_*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            columns = line.split("\t")
            yield columns[2] if len(columns) >= 3 else columns[-1]


TEXTS = list(_texts())
ODD = ["a\tb c", "x\u2028y", "\x1c\x1dz", "EOS", "EOS\tEOS", "\u3000全角 スペース", "絵文字😀です"]


def _plain_sentences(text: str, tagger: fugashi.Tagger) -> list[list[str]]:
    """The analyser as it was: fugashi's nodes walked one by one."""
    plain = analyser._LINE_BREAKS.sub("。", analyser.unicodedata.normalize("NFKC", text))
    found: list[list[str]] = []
    words: list[str] = []
    previous = ""
    for node in tagger(plain):
        surface = node.surface
        if surface in analyser._SENTENCE_ENDS:
            if words:
                found.append(words)
            words, previous = [], ""
            continue
        if surface in analyser._PILL_COUNTERS and analyser._MANY.match(previous):
            words.append(analyser.MANY_PILLS)
        fields = node.feature_raw.split(",")
        words.append(analyser.lemma(surface, fields[7] if len(fields) > 7 else None))
        previous = surface
    if words:
        found.append(words)
    return found


def _plain_has(words: Sequence[str], term: tuple[str, ...]) -> bool:
    n = len(term)
    return any(tuple(words[start : start + n]) == term for start in range(len(words)))


def _plain_matches(rule: Rule, words: Sequence[str]) -> bool:
    if any(_plain_has(words, term) for term in rule.unless):
        return False
    return all(any(_plain_has(words, term) for term in group) for group in rule.groups)


def _plain_rule(rules: Rules, sentences: list[list[str]]) -> RuleHit | None:
    whole = [word for sentence in sentences for word in sentence]
    weak = None
    for rule in rules._rules:
        scopes = [whole] if rule.scope == "message" else sentences
        if any(_plain_matches(rule, words) for words in scopes):
            if rule.certain:
                return RuleHit(rule.id, rule.level, True, rule.outranks_violence)
            weak = weak or RuleHit(rule.id, rule.level, False)
    return weak


def _plain_grams(plain: str, sentences: list[list[str]]) -> set[str]:
    """The n-grams as they were gathered: one slice, one pair at a time."""
    padded = SENTENCE_BREAK + plain + SENTENCE_BREAK
    grams = {padded[i : i + n] for n in NGRAMS for i in range(len(padded) - n + 1)}
    for words in sentences:
        if words:
            grams.update(LEMMA + word for word in words)
            ends = [SENTENCE_BREAK, *words, SENTENCE_BREAK]
            grams.update(f"{LEMMA}{a} {b}" for a, b in pairwise(ends))
    return grams


def _plain_probabilities(model: Model, plain: str, sentences: list[list[str]]) -> list[float]:
    """The features training uses, dotted with the weights one by one, then a softmax."""
    scores = list(model.intercepts)
    for gram, value in features(plain, sentences).items():
        for index, weight in enumerate(model.weights.get(gram, ())):
            scores[index] += value * weight
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    return [exp / sum(exps) for exp in exps]


def _always_scored(detector: Detector, text: str) -> Detection | None:
    """`Detector.detect` as it was: the model scored for every message, first."""
    masked, sentences = detector.model_input(text)
    japanese = bool(sentences)
    found = detector._hit(text, masked, sentences)
    model = detector._model
    assert model is not None
    probabilities = model.probabilities(masked, sentences)
    if found is not None:
        if not japanese:
            return found
        if probabilities[NONE] >= VETO:
            return None
        if (
            found.level is Level.VIOLENCE
            and probabilities[Level.CHILD.value] >= CHILD_OVER_VIOLENCE
        ):
            return replace(found, level=Level.CHILD)
        return found
    score = top_danger(probabilities)
    if score.probability >= model.certain:
        return detector._whole(masked, Level(score.level), MODEL_ID, certain=True)
    if japanese and score.probability >= model.possible:
        return detector._whole(masked, Level(score.level), MODEL_ID, certain=False)
    return None


@pytest.fixture(scope="module")
def detector() -> Detector:
    return default_detector()


def test_each_phrase_is_found_as_by_a_group_around_each(detector: Detector) -> None:
    """The levels' regexes name no phrase; the one found must be the one a named group around
    each phrase (as the detector had) would name, at the same place."""
    named = {
        level: (
            phrases,
            _union(
                [Pattern(f"(?P<p{i}>{p.regex})", p.first) for i, p in enumerate(phrases.patterns)]
            ),
        )
        for level, phrases in detector._levels.items()
    }
    differ = []
    for text in TEXTS:
        plain = detector.normalised(text)
        for level, (phrases, union) in named.items():
            assert union is not None
            fast = [
                phrases.match(level, plain, m) for m in detector._compiled[level].finditer(plain)
            ]
            plain_way = []
            for m in union.finditer(plain):
                group = m.lastgroup
                assert group is not None
                phrase_id, certain = phrases.phrases[int(group[1:])]
                plain_way.append((phrase_id, m.start(group), m.end(group), certain))
            if [(f.phrase_id, f.start, f.end, f.certain) for f in fast] != plain_way:
                differ.append(text)
    assert differ == []


def test_the_analyser_reads_as_walking_the_nodes() -> None:
    tagger = fugashi.Tagger()
    differ = [t for t in TEXTS + ODD if analyser.sentences(t) != _plain_sentences(t, tagger)]
    assert differ == []


def test_the_rules_match_as_comparing_every_position(detector: Detector) -> None:
    rules = detector._rules
    assert rules is not None
    differ = []
    for text in TEXTS:
        sentences = analyser.sentences(text)
        if rules.match(text, sentences) != _plain_rule(rules, sentences):
            differ.append(text)
    assert differ == []


def test_the_grams_are_gathered_as_one_by_one(detector: Detector) -> None:
    differ = []
    for text in TEXTS:
        masked, sentences = detector.model_input(text)
        if character_grams(masked) | lemma_grams(sentences) != _plain_grams(masked, sentences):
            differ.append(text)
    assert differ == []


def test_the_model_scores_as_the_training_features(detector: Detector) -> None:
    model = detector._model
    assert model is not None
    differ = []
    for text in TEXTS:
        masked, sentences = detector.model_input(text)
        fast = list(model.probabilities(masked, sentences).values())
        plain = _plain_probabilities(model, masked, sentences)
        if any(abs(a - b) > 1e-9 for a, b in zip(fast, plain, strict=True)):
            differ.append(text)
    assert differ == []


def test_skipping_the_model_changes_no_detection(detector: Detector) -> None:
    differ = [t for t in TEXTS if detector.detect(t) != _always_scored(detector, t)]
    assert differ == []
