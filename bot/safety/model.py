"""The learned model: a logistic regression on the character n-grams of a normalised message.

Trained by `tobira safety train` (`bot.safety.training`, scikit-learn) and exported to a small
packaged file, ``model.json.gz``: the levels, one weight per level for each n-gram, the
intercepts and the two thresholds. Scoring here needs no scikit-learn: the features of a
message (`features`, the very function training uses) dotted with the weights, then a softmax.

A level's probability at or above ``certain`` is a certain signal; at or above ``possible`` a
possible one (the client is asked how they are).
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
from pathlib import Path

from bot.safety.normalise import SENTENCE_BREAK

NONE = "none"
NGRAMS = (1, 2, 3)
MODEL_ID = "model"


class ModelFileError(ValueError):
    """The model file cannot be used; the message names the file."""


def features(plain: str) -> dict[str, float]:
    """The n-grams of a normalised message, each once, scaled so a message's vector has length 1.

    Sentence breaks at both ends let an n-gram say "at the start (end) of a sentence".
    """
    padded = SENTENCE_BREAK + plain + SENTENCE_BREAK
    grams: set[str] = set()
    for n in NGRAMS:
        for start in range(len(padded) - n + 1):
            grams.add(padded[start : start + n])
    if not grams:
        return {}
    weight = 1.0 / math.sqrt(len(grams))
    return dict.fromkeys(grams, weight)


@dataclass(frozen=True, slots=True)
class Score:
    level: str  # the most likely danger level (never "none")
    probability: float  # of that level


@dataclass(frozen=True)
class Model:
    levels: tuple[str, ...]  # the classes, "none" among them
    intercepts: tuple[float, ...]
    weights: Mapping[str, Sequence[float]]  # n-gram → one weight per level
    certain: float
    possible: float

    def probabilities(self, plain: str) -> dict[str, float]:
        grams = features(plain)
        # Every feature of a message has the same value, so each level's score is its
        # intercept plus that value times the sum of the message's weights for the level.
        get = self.weights.get
        rows = [row for gram in grams if (row := get(gram)) is not None]
        value = next(iter(grams.values()), 0.0)
        scores = list(self.intercepts)
        if rows:
            columns = zip(*rows, strict=True)
            scores = [b + value * sum(c) for b, c in zip(scores, columns, strict=True)]
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return {level: exp / total for level, exp in zip(self.levels, exps, strict=True)}

    def score(self, plain: str) -> Score:
        """The most likely danger level and its probability."""
        probabilities = self.probabilities(plain)
        level = max((lv for lv in self.levels if lv != NONE), key=probabilities.__getitem__)
        return Score(level, probabilities[level])

    def to_json(self) -> dict[str, object]:
        return {
            "format": 1,
            "ngrams": list(NGRAMS),
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
        if data.get("format") != 1 or data.get("ngrams") != list(NGRAMS):
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
