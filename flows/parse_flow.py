"""A flow file's first pass: its name, topic, start and the nodes of its steps."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import Node

from flows.model import ENTRY_FLOW, Step
from flows.nodes import NAME, Entries, Reader
from flows.problems import Problem

# First contact's own top-level settings (see flows/model.py Flow).
ENTRY_SETTINGS = ("on_follow", "on_return")


@dataclass
class RawFlow:
    reader: Reader
    name: str
    topic: str
    start: str
    start_node: Node | None
    steps: Entries
    entry_nodes: dict[str, Node] = field(default_factory=dict)  # on_follow, on_return
    built: dict[str, Step] = field(default_factory=dict)
    entry_steps: dict[str, str] = field(default_factory=dict)  # the checked ones

    def roots(self) -> list[str]:
        """Where a conversation can enter this flow."""
        return [self.start, *self.entry_steps.values()]


def read_flow_file(path: Path, problems: list[Problem], raw: dict[str, RawFlow]) -> None:
    """First pass: the flow's name, topic, start and step nodes, kept in `raw` by name."""
    r = Reader(str(path), problems)
    root = r.parse(path)
    if root is None:
        return
    top = r.mapping(root, "the flow file")
    if top is None:
        return
    for key, (key_node, _) in top.items():
        if key not in ("flow", "topic", "start", "steps", *ENTRY_SETTINGS):
            r.problem(
                key_node,
                f"unknown setting '{key}' at the top of the file: use flow,"
                " topic, start and steps (first_contact also on_follow, on_return)",
            )
    if "flow" not in top:
        r.problem(root, "this file has no 'flow:' name: add 'flow: some_name' at the top")
        return
    name = r.name(top["flow"][1], "the flow name")
    if name is None:
        return
    if name in raw:
        r.problem(
            top["flow"][1],
            f"another file ({raw[name].reader.file}) is already"
            f" the flow '{name}': rename one of them",
        )
        return
    topic = "general"
    if "topic" in top:
        topic = r.name(top["topic"][1], "the topic") or topic
    if "steps" not in top:
        r.problem(root, "this flow has no 'steps:': add at least one step")
        return
    steps = r.mapping(top["steps"][1], "steps") or {}
    if not steps:
        return
    start_node = top["start"][1] if "start" in top else None
    start = next(iter(steps))
    if start_node is not None:
        start = r.scalar(start_node, "start") or start
    for step_name, (key_node, _) in steps.items():
        if not NAME.match(step_name):
            r.problem(
                key_node,
                f"step name '{step_name}' should use only a-z, 0-9 and '_', starting with a letter",
            )
    entry_nodes = {k: top[k][1] for k in ENTRY_SETTINGS if k in top}
    for key, node in entry_nodes.items():
        if name != ENTRY_FLOW:
            r.problem(node, f"'{key}' belongs in the {ENTRY_FLOW} flow only: delete it here")
    raw[name] = RawFlow(r, name, topic, start, start_node, steps, entry_nodes)


def unknown_target(flow: RawFlow, node: Node, value: str, broken_links: set[str]) -> None:
    """A target names no step of the flow: say so, with the closest name."""
    broken_links.add(flow.name)
    close = difflib.get_close_matches(value, list(flow.steps), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    flow.reader.problem(
        node,
        f"there is no step '{value}' in flow '{flow.name}'{hint}:"
        " write an existing step name, or 'flow:NAME' for another flow",
    )
