"""`tobira safety train`: the model, learned from labelled files and written to a small file.

Needs scikit-learn (the ``train`` extra: ``pip install -e '.[train]'``); the running service does
not, it scores with `bot.safety.model`. The same files give the same model file, byte for byte:
the features are sorted, the solver is deterministic and cross-validation folds have a fixed seed.

Thresholds are tuned on the training data only, by 5-fold cross-validation beside the phrase
lists and rules: ``possible`` is the lowest probability at which the hits the model adds to
theirs keep a precision of `POSSIBLE_PRECISION`, ``certain`` the lowest at which they reach
`CERTAIN_PRECISION`. A possible signal only asks the client how they are, so its floor is lower.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.safety.detector import Detector
from bot.safety.evaluate import NONE, EvalFileError, read_examples
from bot.safety.model import Model, features

C = 20.0  # inverse regularisation; chosen by cross-validation on train (see README)
# Each level weighs as much as "none" in training: recall on children and violence, the
# smaller levels, rises by 3 to 7 points in cross-validation for about 1 point of precision.
CLASS_WEIGHT = "balanced"
MIN_COUNT = 2  # an n-gram seen in fewer messages is noise, and weight in the file
ROUND = 4  # decimals kept in the file
SEED = 0
POSSIBLE_PRECISION = 0.80
CERTAIN_PRECISION = 0.95
GRID = [step / 100 for step in range(20, 100)]


def training_files() -> list[Path]:
    data = Path(__file__).resolve().parents[2] / "tests" / "data"
    return [data / "safety_train.tsv", data / "safety_none_extra.tsv"]


def _vectors(texts: Sequence[str], phrases: Detector) -> tuple[Any, list[str]]:
    from sklearn.feature_extraction import DictVectorizer

    # What the detector gives the model: normalised, harmless uses masked, and the lemmas.
    rows = [features(*phrases.model_input(text)) for text in texts]
    counts: Counter[str] = Counter(gram for row in rows for gram in row)
    kept = [{g: v for g, v in row.items() if counts[g] >= MIN_COUNT} for row in rows]
    vectoriser = DictVectorizer(sort=True)
    matrix = vectoriser.fit_transform(kept)
    return matrix, [str(name) for name in vectoriser.get_feature_names_out()]


def _pick(
    probabilities: Any, classes: list[str], labels: list[str], phrases: list[str], target: float
) -> float:
    """The lowest threshold at which the hits the model adds to the phrases' keep `target`
    precision (held-out probabilities, so this measures text the model did not learn from)."""
    best = GRID[-1]
    for threshold in reversed(GRID):
        right = wrong = 0
        for row, label, phrase in zip(probabilities, labels, phrases, strict=True):
            if phrase != NONE:
                continue
            index = max((i for i, c in enumerate(classes) if c != NONE), key=lambda i: row[i])
            if row[index] >= threshold:
                if classes[index] == label:
                    right += 1
                else:
                    wrong += 1
        if right + wrong == 0 or right / (right + wrong) >= target:
            best = threshold
        else:
            break
    return best


def train(paths: Sequence[Path], phrases: Detector) -> Model:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    examples = [example for path in paths for example in read_examples(path)]
    texts = [example.text for example in examples]
    labels = [example.label for example in examples]
    matrix, names = _vectors(texts, phrases)
    classifier = LogisticRegression(C=C, max_iter=5000, class_weight=CLASS_WEIGHT)
    folds = StratifiedKFold(5, shuffle=True, random_state=SEED)
    held_out = cross_val_predict(classifier, matrix, labels, cv=folds, method="predict_proba")
    classifier.fit(matrix, labels)
    classes = [str(c) for c in classifier.classes_]
    found = [phrases.detect(text) for text in texts]  # phrases and rules, no model
    # The model speaks alone only where no phrase or rule did, certain or weak.
    hits = [NONE if hit is None else hit.level.value for hit in found]
    possible = _pick(held_out, classes, labels, hits, POSSIBLE_PRECISION)
    certain = _pick(held_out, classes, labels, hits, CERTAIN_PRECISION)
    weights: dict[str, tuple[float, ...]] = {}
    for column, name in enumerate(names):
        row = tuple(round(float(w), ROUND) for w in classifier.coef_[:, column])
        if any(row):
            weights[name] = row
    intercepts = tuple(round(float(b), ROUND) for b in classifier.intercept_)
    return Model(tuple(classes), intercepts, weights, max(certain, possible), possible)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tobira safety train", description="learn the danger model from labelled files"
    )
    parser.add_argument(
        "files", nargs="*", type=Path, help="labelled files (default: the shipped training data)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "model.json.gz",
        help="where to write the model (default: the packaged file)",
    )
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("tobira safety train: needs scikit-learn: pip install -e '.[train]'", file=sys.stderr)
        return 2
    from bot.safety.detector import Detector, default_phrase_files, default_rules

    try:
        without_model = Detector.from_files(default_phrase_files(), rules=default_rules())
        model = train(args.files or training_files(), without_model)
    except EvalFileError as error:
        print(f"tobira safety train: {error}", file=sys.stderr)
        return 2
    model.write(args.out)
    print(
        f"{args.out}: {len(model.weights)} n-grams, levels {', '.join(model.levels)};"
        f" possible >= {model.possible:.2f}, certain >= {model.certain:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
