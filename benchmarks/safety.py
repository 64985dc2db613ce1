"""Danger-signal detection per message, against the cost of NFKC alone (issue: safety).

Runs `bot.safety.detect` over the sentences of the evaluation set, repeated to 20,000 messages,
timing each call, and in the same process times ``unicodedata.normalize("NFKC", text)`` on the
same messages as the baseline. Target: the detector adds under 0.2 ms per message at p99.
"""

from __future__ import annotations

import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.safety import default_detector
from bot.safety.evaluate import read_examples

EVAL_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "safety_eval.tsv"
MESSAGES = 20_000
TARGET_P99_ADDED_US = 200.0


def _timings(function: Callable[[str], object], texts: list[str]) -> list[float]:
    clock = time.perf_counter_ns
    timings: list[float] = []
    for text in texts:
        start = clock()
        function(text)
        timings.append((clock() - start) / 1000)
    return timings


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def main() -> None:
    sentences = [example.text for example in read_examples(EVAL_SET)]
    texts = (sentences * (MESSAGES // len(sentences) + 1))[:MESSAGES]
    started = time.perf_counter()
    detector = default_detector()
    print(
        f"loading and compiling the phrase lists: {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    detect = detector.detect
    nfkc: Callable[[str], object] = lambda text: unicodedata.normalize("NFKC", text)  # noqa: E731
    _timings(detect, texts[:1000])  # warm up
    _timings(nfkc, texts[:1000])
    base = sorted(_timings(nfkc, texts))
    full = sorted(_timings(detect, texts))
    print(f"{len(texts):,} messages ({len(sentences)} distinct sentences from the eval set)")
    print(f"{'':<28}{'p50 µs':>9}{'p99 µs':>9}{'max µs':>10}{'mean µs':>9}")
    rows = (("NFKC only (baseline)", base), ("detect", full))
    for name, values in rows:
        print(
            f"{name:<28}{_percentile(values, 0.5):>9.1f}{_percentile(values, 0.99):>9.1f}"
            f"{values[-1]:>10.1f}{statistics.fmean(values):>9.1f}"
        )
    p50_ratio = _percentile(full, 0.5) / max(_percentile(base, 0.5), 1e-9)
    p99_ratio = _percentile(full, 0.99) / max(_percentile(base, 0.99), 1e-9)
    added_p99 = _percentile(full, 0.99) - _percentile(base, 0.99)
    print(f"ratio detect / NFKC: p50 {p50_ratio:.0f}x, p99 {p99_ratio:.0f}x")
    verdict = "ok" if added_p99 < TARGET_P99_ADDED_US else "OVER TARGET"
    print(
        f"added by the detector at p99: {added_p99:.1f} µs"
        f" (target < {TARGET_P99_ADDED_US:.0f} µs, {verdict})"
    )


if __name__ == "__main__":
    main()
