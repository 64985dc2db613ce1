"""`tobira safety eval FILE`: recall and precision of the detector on a labelled set.

Two formats, one sentence a line; ``#`` comments and blank lines are skipped:

- our own set, ``label<TAB>text`` (an optional ``label<TAB>text`` header line);
- an independent set, with the header ``label<TAB>about<TAB>text`` (a fourth column,
  ``writer``, may follow): ``about`` is ``self``, ``other``, ``unknown`` (staff marks) or
  ``-`` (for ``none``).

A label is crisis, violence, child or none. A hit counts as correct only when its level equals
the label. Figures are printed for any signal (certain or possible) and for certain signals only,
and recall is split by ``about`` when the file says it. Our own set is held to the first round's
targets; an independent set to issue 17's (`TARGETS`). Every miss is printed with its line
number unless ``--summary``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.safety.detector import Detection, Detector, Level, default_detector

NONE = "none"
LABELS = (*(level.value for level in Level), NONE)
ABOUTS = ("self", "other")
UNKNOWN_ABOUT = "unknown"  # staff's marks (`tobira safety export-feedback`) do not say
OWN_HEADER = ["label", "text"]
INDEPENDENT_HEADER = ["label", "about", "text"]


@dataclass(frozen=True, slots=True)
class Targets:
    name: str
    recall: dict[Level, float]
    precision: float


OWN = Targets("our own set", {Level.CRISIS: 0.98, Level.VIOLENCE: 0.95, Level.CHILD: 0.95}, 0.90)
INDEPENDENT = Targets(
    "an independent set", {Level.CRISIS: 0.95, Level.VIOLENCE: 0.90, Level.CHILD: 0.90}, 0.92
)
TARGET_RECALL = OWN.recall
TARGET_PRECISION = OWN.precision


class EvalFileError(ValueError):
    """The evaluation file cannot be read; the message is ``FILE:LINE: what is wrong``."""


@dataclass(frozen=True, slots=True)
class Example:
    line: int
    label: str  # a Level value or "none"
    text: str
    about: str | None = None  # "self" or "other" in an independent set; None when not said
    writer: str | None = None  # the fourth column of an independent set, when there is one


@dataclass(frozen=True, slots=True)
class Outcome:
    example: Example
    got: str  # a Level value or "none"
    matched: str | None  # the phrase, rule or model id, when there was a hit
    certain: bool = False
    about_other: bool = False


@dataclass(frozen=True, slots=True)
class Figures:
    """Recall per level and precision, counting either every signal or certain ones only."""

    recall: dict[Level, float]
    precision: dict[Level, float]
    overall_precision: float


def figures(outcomes: Sequence[Outcome], certain_only: bool = False) -> Figures:
    def got(o: Outcome) -> str:
        return NONE if certain_only and not o.certain else o.got

    recall: dict[Level, float] = {}
    precision: dict[Level, float] = {}
    for level in Level:
        positives = [o for o in outcomes if o.example.label == level.value]
        predicted = [o for o in outcomes if got(o) == level.value]
        correct = sum(1 for o in positives if got(o) == level.value)
        recall[level] = correct / len(positives) if positives else 1.0
        precision[level] = correct / len(predicted) if predicted else 1.0
    hits = [o for o in outcomes if got(o) != NONE]
    overall = sum(1 for o in hits if got(o) == o.example.label) / len(hits) if hits else 1.0
    return Figures(recall, precision, overall)


@dataclass(frozen=True)
class Report:
    path: str
    outcomes: tuple[Outcome, ...]
    targets: Targets
    any_signal: Figures
    certain_only: Figures

    @property
    def recall(self) -> dict[Level, float]:
        return self.any_signal.recall

    @property
    def precision(self) -> dict[Level, float]:
        return self.any_signal.precision

    @property
    def overall_precision(self) -> float:
        return self.any_signal.overall_precision

    @property
    def missed(self) -> list[Outcome]:
        """False negatives: a danger sentence with no hit, or a hit at another level."""
        return [o for o in self.outcomes if o.example.label != NONE and o.got != o.example.label]

    @property
    def false_alarms(self) -> list[Outcome]:
        """False positives: a harmless sentence with a hit."""
        return [o for o in self.outcomes if o.example.label == NONE and o.got != NONE]

    @property
    def meets_targets(self) -> bool:
        """Judged on every signal: a possible one is still answered and shown to staff."""
        return (
            all(self.recall[level] >= target for level, target in self.targets.recall.items())
            and self.overall_precision >= self.targets.precision
        )


def read_examples(path: Path) -> list[Example]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"{path}: cannot read: {error}") from None
    examples: list[Example] = []
    header_seen = False
    independent = False
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            columns = line.strip().split("\t")
            if columns == OWN_HEADER:
                continue
            if columns[:3] == INDEPENDENT_HEADER and len(columns) <= 4:
                independent = True
                continue
        if independent:
            examples.append(_independent_line(path, number, line))
        else:
            examples.append(_own_line(path, number, line))
    if not examples:
        raise EvalFileError(f"{path}: no labelled lines")
    return examples


def _check_label(path: Path, number: int, label: str) -> None:
    if label not in LABELS:
        raise EvalFileError(
            f"{path}:{number}: unknown label {label[:20]!r}; use one of {', '.join(LABELS)}"
        )


def _own_line(path: Path, number: int, line: str) -> Example:
    label, tab, text = line.partition("\t")
    if not tab:
        raise EvalFileError(f"{path}:{number}: expected label<TAB>text, found no tab")
    _check_label(path, number, label)
    if "\t" in text:
        raise EvalFileError(f"{path}:{number}: more than one tab; expected label<TAB>text")
    if not text.strip():
        raise EvalFileError(f"{path}:{number}: the text is empty")
    return Example(number, label, text)


def _independent_line(path: Path, number: int, line: str) -> Example:
    columns = line.split("\t")
    if len(columns) not in (3, 4):
        raise EvalFileError(
            f"{path}:{number}: expected label<TAB>about<TAB>text[<TAB>writer],"
            f" found {len(columns)} columns"
        )
    label, about, text = columns[:3]
    _check_label(path, number, label)
    if label == NONE and about != "-":
        raise EvalFileError(f"{path}:{number}: about must be '-' for none, not {about[:20]!r}")
    if label != NONE and about not in (*ABOUTS, UNKNOWN_ABOUT):
        raise EvalFileError(
            f"{path}:{number}: about must be self, other or {UNKNOWN_ABOUT}, not {about[:20]!r}"
        )
    if not text.strip():
        raise EvalFileError(f"{path}:{number}: the text is empty")
    writer = columns[3] if len(columns) == 4 and columns[3] else None
    return Example(
        number, label, text, about if label != NONE and about in ABOUTS else None, writer
    )


def outcome(example: Example, detection: Detection | None) -> Outcome:
    if detection is None:
        return Outcome(example, NONE, None)
    return Outcome(
        example,
        detection.level.value,
        detection.matched,
        detection.certain,
        detection.about_other,
    )


def evaluate(path: str | Path, detector: Detector | None = None) -> Report:
    """Run the detector (the packaged one by default) over a labelled file."""
    path = Path(path)
    detector = detector or default_detector()
    examples = read_examples(path)
    outcomes = [outcome(example, detector.detect(example.text)) for example in examples]
    independent = any(example.about is not None for example in examples)
    return Report(
        str(path),
        tuple(outcomes),
        INDEPENDENT if independent else OWN,
        figures(outcomes),
        figures(outcomes, certain_only=True),
    )


def format_report(report: Report, summary: bool = False) -> str:
    outcomes = report.outcomes
    counts = {label: sum(1 for o in outcomes if o.example.label == label) for label in LABELS}
    unique = len({(o.example.label, o.example.text) for o in outcomes})
    listed = ", ".join(f"{counts[label]} {label}" for label in LABELS)
    lines = [f"{report.path}: {len(outcomes)} sentences ({listed}; {unique} unique)"]
    lines.append(f"targets for {report.targets.name}; figures for any signal | certain only")
    anyone, certain = report.any_signal, report.certain_only
    for level in Level:
        target = report.targets.recall[level]
        mark = "ok" if anyone.recall[level] >= target else "BELOW TARGET"
        lines.append(
            f"  {level.value:<9} recall {anyone.recall[level]:.3f} | {certain.recall[level]:.3f}"
            f" (target {target:.2f}, {mark})"
            f"  precision {anyone.precision[level]:.3f} | {certain.precision[level]:.3f}"
        )
    mark = "ok" if anyone.overall_precision >= report.targets.precision else "BELOW TARGET"
    lines.append(
        f"  overall   precision {anyone.overall_precision:.3f} | {certain.overall_precision:.3f}"
        f" (target {report.targets.precision:.2f}, {mark})"
    )
    lines.extend(_by_about(report))
    lines.append(f"missed ({len(report.missed)}):")
    if not summary:
        for o in report.missed:
            got = "no hit" if o.matched is None else f"{o.got} by {o.matched}"
            lines.append(
                f"  {report.path}:{o.example.line}: {o.example.label}, got {got}: {o.example.text}"
            )
    lines.append(f"false alarms ({len(report.false_alarms)}):")
    if not summary:
        for o in report.false_alarms:
            lines.append(
                f"  {report.path}:{o.example.line}: {o.got} by {o.matched}: {o.example.text}"
            )
    lines.append("targets met" if report.meets_targets else "targets NOT met")
    return "\n".join(lines)


def _by_about(report: Report) -> list[str]:
    """Recall split by who the danger is about, and how often `about_other` agrees."""
    if not any(o.example.about for o in report.outcomes):
        return []
    lines = ["  by about (recall, any signal | certain only):"]
    for about in ABOUTS:
        subset = [o for o in report.outcomes if o.example.about == about]
        anyone, certain = figures(subset), figures(subset, certain_only=True)
        parts = []
        for level in Level:
            n = sum(1 for o in subset if o.example.label == level.value)
            parts.append(
                f"{level.value} {anyone.recall[level]:.3f} | {certain.recall[level]:.3f} ({n})"
            )
        lines.append(f"    {about:<6} " + ", ".join(parts))
    caught = [o for o in report.outcomes if o.example.about and o.got == o.example.label]
    agree = sum(1 for o in caught if o.about_other == (o.example.about == "other"))
    share = agree / len(caught) if caught else 1.0
    lines.append(f"  about_other agrees with the label on {share:.3f} of {len(caught)} caught")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; 0 when the targets are met, 1 when not, 2 when the file is unusable."""
    parser = argparse.ArgumentParser(
        prog="tobira safety eval", description="recall and precision of the danger detector"
    )
    parser.add_argument("file", type=Path, help="label<TAB>text or label<TAB>about<TAB>text")
    parser.add_argument("--summary", action="store_true", help="figures only, no sentences")
    args = parser.parse_args(argv)
    try:
        report = evaluate(args.file)
    except EvalFileError as error:
        print(f"tobira safety eval: {error}", file=sys.stderr)
        return 2
    print(format_report(report, summary=args.summary))
    return 0 if report.meets_targets else 1


if __name__ == "__main__":
    sys.exit(main())
