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
from bot.safety.evaluate import (
    INDEPENDENT,
    NONE,
    EvalFileError,
    Example,
    Outcome,
    Report,
    figures,
    format_report,
    outcome,
    read_examples,
)
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


def _classifier() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000, class_weight=CLASS_WEIGHT)


def _thresholds(
    held_out: Any, classes: list[str], examples: Sequence[Example], phrases: Detector
) -> tuple[float, float]:
    """Possible and certain, picked on held-out probabilities where no phrase or rule hit."""
    found = [phrases.detect(example.text) for example in examples]  # phrases and rules, no model
    # The model speaks alone only where no phrase or rule did, certain or weak.
    hits = [NONE if hit is None else hit.level.value for hit in found]
    labels = [example.label for example in examples]
    possible = _pick(held_out, classes, labels, hits, POSSIBLE_PRECISION)
    certain = _pick(held_out, classes, labels, hits, CERTAIN_PRECISION)
    return possible, max(certain, possible)


def _model(classifier: Any, names: list[str], possible: float, certain: float) -> Model:
    weights: dict[str, tuple[float, ...]] = {}
    for column, name in enumerate(names):
        row = tuple(round(float(w), ROUND) for w in classifier.coef_[:, column])
        if any(row):
            weights[name] = row
    intercepts = tuple(round(float(b), ROUND) for b in classifier.intercept_)
    classes = tuple(str(c) for c in classifier.classes_)
    return Model(classes, intercepts, weights, certain, possible)


def _stratified_folds() -> Any:
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(5, shuffle=True, random_state=SEED)


def train(paths: Sequence[Path], phrases: Detector) -> Model:
    from sklearn.model_selection import cross_val_predict

    examples = [example for path in paths for example in read_examples(path)]
    texts = [example.text for example in examples]
    labels = [example.label for example in examples]
    matrix, names = _vectors(texts, phrases)
    classifier = _classifier()
    held_out = cross_val_predict(
        classifier, matrix, labels, cv=_stratified_folds(), method="predict_proba"
    )
    classifier.fit(matrix, labels)
    classes = [str(c) for c in classifier.classes_]
    possible, certain = _thresholds(held_out, classes, examples, phrases)
    return _model(classifier, names, possible, certain)


def cross_validate(paths: Sequence[Path], phrases: Detector, by_writer: bool) -> Report:
    """The whole detector (phrases, rules and a model) on training text its model did not learn
    from: 5 stratified folds, or each writer held out in turn (`by_writer`: the closer guess at
    a new writer). Thresholds are picked as `train` picks them, on the held-out probabilities.
    Figures count the messages that name a writer (our own ordinary messages only help train).
    """
    import numpy as np

    examples = [example for path in paths for example in read_examples(path)]
    labels = np.array([example.label for example in examples])
    matrix, names = _vectors([example.text for example in examples], phrases)
    if by_writer:
        writers = sorted({e.writer for e in examples if e.writer is not None})
        if len(writers) < 2:
            raise EvalFileError("cross-validation by writer needs two writers or more")
        splits = [
            (
                np.array([i for i, e in enumerate(examples) if e.writer != writer]),
                np.array([i for i, e in enumerate(examples) if e.writer == writer]),
            )
            for writer in writers
        ]
    else:
        splits = list(_stratified_folds().split(matrix, labels))
    folds = []
    held_out: Any = None
    for learn, test in splits:
        classifier = _classifier().fit(matrix[learn], labels[learn])
        probabilities = classifier.predict_proba(matrix[test])
        if held_out is None:
            held_out = np.zeros((len(examples), probabilities.shape[1]))
        held_out[test] = probabilities
        folds.append((classifier, test))
    classes = [str(c) for c in folds[0][0].classes_]
    scored = [i for _, test in folds for i in test]
    kept = [examples[i] for i in scored]
    possible, certain = _thresholds(held_out[scored], classes, kept, phrases)
    outcomes: list[Outcome] = []
    for classifier, test in folds:
        detector = phrases.with_model(_model(classifier, names, possible, certain))
        for index in test:
            example = examples[index]
            if example.writer is not None:
                outcomes.append(outcome(example, detector.detect(example.text)))
    outcomes.sort(key=lambda o: (o.example.writer or "", o.example.line))
    how = "each writer held out" if by_writer else "5 stratified folds"
    return Report(
        f"cross-validation, {how} (possible >= {possible:.2f}, certain >= {certain:.2f})",
        tuple(outcomes),
        INDEPENDENT,
        figures(outcomes),
        figures(outcomes, certain_only=True),
    )


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
    parser.add_argument(
        "--cv",
        action="store_true",
        help="print cross-validated figures (stratified and by writer) instead of writing a model",
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
        if args.cv:
            for by_writer in (False, True):
                report = cross_validate(args.files or training_files(), without_model, by_writer)
                print(format_report(report, summary=True))
            return 0
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
