"""`tobira flows check [DIR]`: report every problem in a folder of flows (or one flow file).

The caller gives the limits the messages must fit (the service: its registered channels'
strictest, bot/app/channels.py); without them only the flows' own rules are checked."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from flows.limits import NO_LIMITS, FlowLimits
from flows.loader import Problem, load_with_problems


def check(directory: Path | str | None = None, limits: FlowLimits = NO_LIMITS) -> list[Problem]:
    """Problems found in the flows; placeholders need no configured values here."""
    _flowset, problems = load_with_problems(directory, limits=limits)
    return problems


def main(argv: Sequence[str] | None = None, limits: FlowLimits = NO_LIMITS) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    target = args[0] if args else None
    flowset, problems = load_with_problems(target, limits=limits)
    for problem in problems:
        print(problem)
    if problems or flowset is None:
        print(f"{len(problems)} problem(s) found; nothing was changed.", file=sys.stderr)
        return 1
    steps = sum(len(flow.steps) for flow in flowset.flows.values())
    where = target or "the shipped flows"
    print(f"OK: {len(flowset.flows)} flows, {steps} steps in {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
