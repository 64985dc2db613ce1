"""Read flows/*.yaml into a FlowSet, or explain every problem with file, line and what to change.

Parsing reads each file's YAML nodes into steps (nodes.py, texts.py, parse_common.py,
parse_flow.py, parse_steps.py); validation then checks the whole set (validate.py). Every
mistake becomes a Problem (problems.py), all of them reported at once, never just the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flows.limits import NO_LIMITS, FlowLimits
from flows.model import ENTRY_FLOW, Common, Flow, FlowSet
from flows.parse_common import read_common
from flows.parse_flow import RawFlow, read_flow_file, unknown_target
from flows.parse_steps import StepParser
from flows.problems import FlowError, Problem
from flows.texts import Texts
from flows.validate import answer_labels, check_entry_steps, check_loops, check_reachable

__all__ = ["FlowError", "Problem", "load_flows", "load_with_problems"]

SHIPPED_DIR = Path(__file__).parent
COMMON_FILE = "common.yaml"


def load_flows(
    directory: Path | str | None = None,
    variables: Mapping[str, str] | None = None,
    limits: FlowLimits = NO_LIMITS,
) -> FlowSet:
    """Load and check flows; configuration values fill placeholders such as {opening_hours};
    every message must fit `limits` (the registered channels' strictest)."""
    flowset, problems = load_with_problems(
        directory, variables or {}, require_values=True, limits=limits
    )
    if problems or flowset is None:
        raise FlowError(problems)
    return flowset


def load_with_problems(
    path: Path | str | None = None,
    variables: Mapping[str, str] | None = None,
    *,
    require_values: bool = False,
    limits: FlowLimits = NO_LIMITS,
) -> tuple[FlowSet | None, list[Problem]]:
    """A directory of flows, or one flow file checked alone against the shipped common.yaml."""
    path = Path(path) if path is not None else SHIPPED_DIR
    if path.is_dir():
        files = sorted(p for p in path.glob("*.yaml") if p.name != COMMON_FILE)
        common_file = path / COMMON_FILE
        if not common_file.exists():
            common_file = SHIPPED_DIR / COMMON_FILE
        need_entry = True
    elif path.is_file():
        files, common_file, need_entry = [path], SHIPPED_DIR / COMMON_FILE, False
    else:
        return None, [Problem(str(path), 0, "no such file or folder")]
    builder = _Builder(Texts(dict(variables or {}), require_values, limits))
    builder.common = read_common(common_file, builder.problems, builder.texts)
    for file in files:
        read_flow_file(file, builder.problems, builder.raw)
    flowset = builder.build(need_entry)
    return (None if builder.problems else flowset), builder.problems


@dataclass
class _Builder:
    texts: Texts
    problems: list[Problem] = field(default_factory=list)
    common: Common | None = None
    raw: dict[str, RawFlow] = field(default_factory=dict)
    broken_links: set[str] = field(default_factory=set)  # flows with a target that failed

    def build(self, need_entry: bool) -> FlowSet | None:
        """Second pass (every flow's name is known now): steps, then the whole-set checks."""
        self._build_steps()
        if need_entry and ENTRY_FLOW not in self.raw and self.raw:
            first = next(iter(self.raw.values()))
            first.reader.problem(
                0,
                f"no flow is named '{ENTRY_FLOW}': the first message needs"
                " it (add 'flow: first_contact' to one file)",
            )
        for flow in self.raw.values():
            check_entry_steps(flow, self.common, self.broken_links)
            check_reachable(flow, self.broken_links)
        check_loops(self.raw)
        if self.common is None:
            return None
        flows = {
            name: Flow(
                name,
                raw.topic,
                raw.start,
                raw.built,
                on_follow=raw.entry_steps.get("on_follow"),
                on_return=raw.entry_steps.get("on_return"),
            )
            for name, raw in self.raw.items()
        }
        return FlowSet(flows=flows, common=self.common, answer_labels=answer_labels(self.raw))

    def _build_steps(self) -> None:
        steps = StepParser(self.raw, self.texts, self.broken_links)
        for flow in self.raw.values():
            if flow.start not in flow.steps and flow.start_node is not None:
                unknown_target(flow, flow.start_node, flow.start, self.broken_links)
            for step_name, (key_node, node) in flow.steps.items():
                step = steps.step(flow, step_name, key_node, node)
                if step is None:
                    self.broken_links.add(flow.name)
                else:
                    flow.built[step_name] = step
