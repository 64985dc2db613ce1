"""`tobira safety eval FILE`: recall and precision of the detector on a labelled set.

The file has one sentence a line, ``label<TAB>text``, label one of crisis, violence, child or
none; ``#`` comments, blank lines and a ``label<TAB>text`` header line are skipped. A hit counts as
correct only when its level equals the label. Every miss is printed with its line number.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.safety.detector import Detector, Level, default_detector

NONE = "none"
LABELS = (*(level.value for level in Level), NONE)
TARGET_RECALL = {Level.CRISIS: 0.98, Level.VIOLENCE: 0.95, Level.CHILD: 0.95}
TARGET_PRECISION = 0.90


class EvalFileError(ValueError):
    """The evaluation file cannot be read; the message is ``FILE:LINE: what is wrong``."""


@dataclass(frozen=True, slots=True)
class Example:
    line: int
    label: str  # a Level value or "none"
    text: str


@dataclass(frozen=True, slots=True)
class Outcome:
    example: Example
    got: str  # a Level value or "none"
    matched: str | None  # the phrase id, when there was a hit


@dataclass(frozen=True)
class Report:
    path: str
    outcomes: tuple[Outcome, ...]
    recall: dict[Level, float] = field(default_factory=dict)
    precision: dict[Level, float] = field(default_factory=dict)
    overall_precision: float = 1.0

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
        return (
            all(self.recall[level] >= target for level, target in TARGET_RECALL.items())
            and self.overall_precision >= TARGET_PRECISION
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
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            if line.strip().split("\t") == ["label", "text"]:
                continue
        label, tab, text = line.partition("\t")
        if not tab:
            raise EvalFileError(f"{path}:{number}: expected label<TAB>text, found no tab")
        if label not in LABELS:
            raise EvalFileError(
                f"{path}:{number}: unknown label {label[:20]!r}; use one of {', '.join(LABELS)}"
            )
        if "\t" in text:
            raise EvalFileError(f"{path}:{number}: more than one tab; expected label<TAB>text")
        if not text.strip():
            raise EvalFileError(f"{path}:{number}: the text is empty")
        examples.append(Example(number, label, text))
    if not examples:
        raise EvalFileError(f"{path}: no labelled lines")
    return examples


def evaluate(path: str | Path, detector: Detector | None = None) -> Report:
    """Run the detector (the packaged one by default) over a labelled file."""
    path = Path(path)
    detector = detector or default_detector()
    outcomes: list[Outcome] = []
    for example in read_examples(path):
        detection = detector.detect(example.text)
        if detection is None:
            outcomes.append(Outcome(example, NONE, None))
        else:
            outcomes.append(Outcome(example, detection.level.value, detection.matched))
    recall: dict[Level, float] = {}
    precision: dict[Level, float] = {}
    for level in Level:
        positives = [o for o in outcomes if o.example.label == level.value]
        predicted = [o for o in outcomes if o.got == level.value]
        correct = sum(1 for o in positives if o.got == level.value)
        recall[level] = correct / len(positives) if positives else 1.0
        precision[level] = correct / len(predicted) if predicted else 1.0
    hits = [o for o in outcomes if o.got != NONE]
    overall = sum(1 for o in hits if o.got == o.example.label) / len(hits) if hits else 1.0
    return Report(str(path), tuple(outcomes), recall, precision, overall)


def format_report(report: Report) -> str:
    counts = {
        label: sum(1 for o in report.outcomes if o.example.label == label) for label in LABELS
    }
    summary = ", ".join(f"{counts[label]} {label}" for label in LABELS)
    lines = [f"{report.path}: {len(report.outcomes)} sentences ({summary})"]
    for level in Level:
        target = TARGET_RECALL[level]
        mark = "ok" if report.recall[level] >= target else "BELOW TARGET"
        lines.append(
            f"  {level.value:<9} recall {report.recall[level]:.3f} (target {target:.2f}, {mark})"
            f"  precision {report.precision[level]:.3f}"
        )
    mark = "ok" if report.overall_precision >= TARGET_PRECISION else "BELOW TARGET"
    lines.append(
        f"  overall   precision {report.overall_precision:.3f}"
        f" (target {TARGET_PRECISION:.2f}, {mark})"
    )
    lines.append(f"missed ({len(report.missed)}):")
    for o in report.missed:
        got = "no hit" if o.matched is None else f"{o.got} by {o.matched}"
        lines.append(
            f"  {report.path}:{o.example.line}: {o.example.label}, got {got}: {o.example.text}"
        )
    lines.append(f"false alarms ({len(report.false_alarms)}):")
    for o in report.false_alarms:
        lines.append(f"  {report.path}:{o.example.line}: {o.got} by {o.matched}: {o.example.text}")
    lines.append("targets met" if report.meets_targets else "targets NOT met")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; 0 when the targets are met, 1 when not, 2 when the file is unusable."""
    parser = argparse.ArgumentParser(
        prog="tobira safety eval", description="recall and precision of the danger detector"
    )
    parser.add_argument("file", type=Path, help="label<TAB>text lines")
    args = parser.parse_args(argv)
    try:
        report = evaluate(args.file)
    except EvalFileError as error:
        print(f"tobira safety eval: {error}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 0 if report.meets_targets else 1


if __name__ == "__main__":
    sys.exit(main())
