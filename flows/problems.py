"""What is wrong with the flows: one Problem per mistake, with file, line and what to change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        # Line 0: about the file (or folder) as a whole, not one of its lines.
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class FlowError(Exception):
    """The flows cannot be used; problems lists every mistake found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
