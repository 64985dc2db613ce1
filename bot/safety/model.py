"""The learned model: a logistic regression on the character n-grams of a normalised message
and on the lemma unigrams and bigrams of its sentences (`bot.safety.analyser`).

Trained by `tobira safety train` (`bot.safety.training`, scikit-learn) and exported to a small
packaged file, ``model.json.gz``: the levels, one weight per level for each n-gram, the
intercepts and the two thresholds. Scoring here needs no scikit-learn: the features of a
message (`features`, the very function training uses) dotted with the weights, then a softmax.
Lemmas see past spelling (飲んだ/のんだ/呑みました → 飲む); characters see what the analyser
cuts badly (slang, ﾀﾋ, typos). Measured by 5-fold cross-validation on the training data, the two
together catch 3 to 8 points more of each level than characters alone at the same precision.

A level's probability at or above ``certain`` is a certain signal; at or above ``possible`` a
possible one (the client is asked how they are). Beside a phrase or rule hit the model has two
narrower says (`VETO`, `CHILD_OVER_VIOLENCE`), see `bot.safety.detector`.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path

from bot.safety.normalise import SENTENCE_BREAK

NONE = "none"
NGRAMS = (1, 2, 3)
LEMMA_NGRAMS = (1, 2)
FORMAT = 2
MODEL_ID = "model"
LEMMA = "\x01"  # starts a lemma feature: no character n-gram of a normalised message has it
# Chosen by 5-fold cross-validation on the training data (README): a phrase or rule hit in a
# message the model reads as ordinary with this probability is no signal (told of the past,
# quoted, a joke): +1.4 points of precision, no crisis message lost.
VETO = 0.95
# A violence hit the model reads as about a child at least this likely is child (a child
# writing of being hit): +4 points of child recall for 1.6 of violence.
CHILD_OVER_VIOLENCE = 0.5


class ModelFileError(ValueError):
    """The model file cannot be used; the message names the file."""


Sentences = Sequence[Sequence[str]]  # lemmas, sentence by sentence (`analyser.sentences`)


def character_grams(plain: str) -> set[str]:
    """The character n-grams of a normalised message, each once.

    Sentence breaks at both ends let an n-gram say "at the start (end) of a sentence".
    """
    padded = SENTENCE_BREAK + plain + SENTENCE_BREAK
    grams: set[str] = set()
    for n in NGRAMS:
        if n == 1:
            grams.update(padded)
        else:
            grams.update([padded[start : start + n] for start in range(len(padded) - n + 1)])
    return grams


def lemma_grams(sentences: Sentences) -> set[str]:
    """Each lemma, and each pair in a row within a sentence (its ends marked), once."""
    grams: set[str] = set()
    for words in sentences:
        if not words:
            continue
        grams.update([LEMMA + word for word in words])
        grams.add(f"{LEMMA}{SENTENCE_BREAK} {words[0]}")
        grams.update([f"{LEMMA}{a} {b}" for a, b in pairwise(words)])
        grams.add(f"{LEMMA}{words[-1]} {SENTENCE_BREAK}")
    return grams


def features(plain: str, sentences: Sentences = ()) -> dict[str, float]:
    """The character n-grams of a normalised message and the lemma n-grams of its sentences,
    each once; each kind scaled to length 1, so neither outweighs the other by its number."""
    found: dict[str, float] = {}
    for grams in (character_grams(plain), lemma_grams(sentences)):
        if grams:
            found.update(dict.fromkeys(grams, 1.0 / math.sqrt(len(grams))))
    return found


@dataclass(frozen=True, slots=True)
class Score:
    level: str  # the most likely danger level (never "none")
    probability: float  # of that level


def top_danger(probabilities: Mapping[str, float]) -> Score:
    """The most likely danger level (never "none") and its probability."""
    level = max((lv for lv in probabilities if lv != NONE), key=probabilities.__getitem__)
    return Score(level, probabilities[level])


@dataclass(frozen=True)
class Model:
    levels: tuple[str, ...]  # the classes, "none" among them
    intercepts: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]  # n-gram → one weight per level
    certain: float
    possible: float

    def probabilities(self, plain: str, sentences: Sentences = ()) -> dict[str, float]:
        scores: Sequence[float] = self.intercepts
        get = self.weights.get
        # Every feature of one kind has the same value, so each level's score is its
        # intercept plus, for each kind, that value times the sum of the kind's weights.
        for grams in (character_grams(plain), lemma_grams(sentences)):
            rows = list(filter(None, map(get, grams)))  # a row is never empty (`load_model`)
            if rows:
                value = 1.0 / math.sqrt(len(grams))
                totals = map(sum, zip(*rows, strict=True))
                scores = [b + value * total for b, total in zip(scores, totals, strict=True)]
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return {level: exp / total for level, exp in zip(self.levels, exps, strict=True)}

    def score(self, plain: str, sentences: Sentences = ()) -> Score:
        """The most likely danger level and its probability."""
        return top_danger(self.probabilities(plain, sentences))

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "ngrams": list(NGRAMS),
            "lemma_ngrams": list(LEMMA_NGRAMS),
            "levels": list(self.levels),
            "intercepts": list(self.intercepts),
            "certain": self.certain,
            "possible": self.possible,
            "weights": {gram: list(row) for gram, row in sorted(self.weights.items())},
        }

    def write(self, path: Path) -> None:
        """A gzip file that is byte for byte the same for the same model (no time stamp)."""
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
            out.write(text.encode("utf-8"))


def load_model(path: Path | Traversable) -> Model:
    try:
        data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        if (
            data.get("format") != FORMAT
            or data.get("ngrams") != list(NGRAMS)
            or data.get("lemma_ngrams") != list(LEMMA_NGRAMS)
        ):
            raise ModelFileError(f"{path}: not a model this version reads (format, n-grams)")
        levels = tuple(str(level) for level in data["levels"])
        weights = {str(gram): tuple(map(float, row)) for gram, row in data["weights"].items()}
        if NONE not in levels or any(len(row) != len(levels) for row in weights.values()):
            raise ModelFileError(f"{path}: levels and weights do not agree")
        return Model(
            levels,
            tuple(float(value) for value in data["intercepts"]),
            weights,
            float(data["certain"]),
            float(data["possible"]),
        )
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, ModelFileError):
            raise
        raise ModelFileError(f"{path}: {error}") from error


def packaged_model_file() -> Traversable:
    return files("bot.safety").joinpath("model.json.gz")


@cache
def default_model() -> Model:
    return load_model(packaged_model_file())
