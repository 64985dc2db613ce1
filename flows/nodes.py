"""Typed access to a flow file's YAML node tree (yaml.compose keeps line numbers and shows
duplicate keys, which PyYAML's ordinary loading silently overwrites)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flows.problems import Problem

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Choice ids may start with a digit ("20s"); none may start with '_' (kept for skip, language).
CHOICE_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
# A mapping's entries by name: (the name's node, the value's node).
Entries = dict[str, tuple[ScalarNode, Node]]


class Reader:
    """Typed access to one file's node tree, turning every surprise into a Problem."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self.had_duplicates = False  # then "never reached" would only repeat the same mistake

    def problem(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        self.problems.append(Problem(self.file, line, message))

    def parse(self, path: Path) -> Node | None:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(0, f"cannot read the file ({exc.__class__.__name__}): save it as UTF-8")
            return None
        try:
            return yaml.compose(source, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            what = exc.problem or exc.context or "unreadable"
            self.problem(line, f"YAML syntax: {what}; check indentation, colons and quotes here")
        except yaml.YAMLError as exc:
            self.problem(0, f"YAML syntax: {exc}")
        return None

    def mapping(self, node: Node, what: str) -> dict[str, tuple[ScalarNode, Node]] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} should be a set of 'name: value' lines")
            return None
        found: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.problem(key, f"a name in {what} must be plain text")
                continue
            if key.value in found:
                self.had_duplicates = True
                first = found[key.value][0].start_mark.line + 1
                self.problem(
                    key,
                    f"'{key.value}' appears twice in {what} (first on line {first}):"
                    " keep one and delete or rename the other",
                )
                continue
            found[key.value] = (key, value)
        return found

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} should be a list (lines starting with '- ')")
            return None
        return list(node.value)

    def scalar(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} should be a single value, not a list or a block")
            return None
        if node.tag.endswith(":null"):
            self.problem(node, f"{what} is empty: write a value after the colon")
            return None
        return str(node.value)

    def name(self, node: Node, what: str, pattern: re.Pattern[str] = NAME) -> str | None:
        value = self.scalar(node, what)
        if value is not None and not pattern.match(value):
            first = "a letter" if pattern is NAME else "a letter or digit"
            self.problem(
                node, f"{what} '{value}' should use only a-z, 0-9 and '_', starting with {first}"
            )
            return None
        return value

    def flag(self, node: Node, what: str) -> bool:
        if isinstance(node, ScalarNode) and node.tag.endswith(":bool"):
            return node.value.lower() in ("true", "yes", "on")
        self.problem(node, f"{what} should be true or false")
        return False
