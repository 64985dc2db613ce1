"""Where a key is written in a TOML file, so that an error can name the value's own line.

tomllib gives values without positions, and errors name a dotted key such as
`organizations[1].hours.mon`. This reads the text once more (only after tomllib accepted
it) and records the line of every table, key, inline-table key and array item by that
dotted path. A key it cannot place falls back to its nearest written parent.
"""

from __future__ import annotations

import re

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_INDEX = re.compile(r"\[\d+\]$")


def line_of(text: str, dotted: str) -> int | None:
    """The 1-based line where `dotted` (or its nearest written parent) is written."""
    lines = _Scanner(text).scan()
    path = dotted
    while path:
        if path in lines:
            return lines[path]
        path = _parent(path)
    return None


def _parent(path: str) -> str:
    if _INDEX.search(path):
        return _INDEX.sub("", path)
    return path.rpartition(".")[0]


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.found: dict[str, int] = {}
        self.arrays: dict[str, int] = {}  # array-of-tables path -> index of its last table

    # -- characters

    def peek(self, ahead: int = 0) -> str:
        at = self.pos + ahead
        return self.text[at] if at < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        for _ in range(count):
            if self.peek() == "\n":
                self.line += 1
            self.pos += 1

    def skip_blank(self, *, newlines: bool) -> None:
        """Spaces, comments and (when `newlines`) line ends."""
        while self.pos < len(self.text):
            char = self.peek()
            if char in " \t\r" or (newlines and char == "\n"):
                self.advance()
            elif char == "#":
                while self.peek() not in ("\n", ""):
                    self.advance()
            else:
                return

    # -- the file

    def scan(self) -> dict[str, int]:
        current = ""
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return self.found
            if self.text.startswith("[[", self.pos):
                self.advance(2)
                current = self.array_table(self.key_parts())
                self.advance(2)
            elif self.peek() == "[":
                self.advance()
                current = self.resolve(self.key_parts())
                self.found.setdefault(current, self.line)
                self.advance()
            else:
                self.key_value(current)

    def array_table(self, parts: list[str]) -> str:
        parent = self.resolve(parts[:-1])
        name = _join(parent, parts[-1])
        self.arrays[name] = self.arrays.get(name, -1) + 1
        self.found.setdefault(name, self.line)
        path = f"{name}[{self.arrays[name]}]"
        self.found[path] = self.line
        return path

    def resolve(self, parts: list[str]) -> str:
        """A header's path; a name that is an array of tables means its latest table."""
        path = ""
        for part in parts:
            path = _join(path, part)
            if path in self.arrays:
                path = f"{path}[{self.arrays[path]}]"
        return path

    def key_value(self, prefix: str) -> None:
        line = self.line
        path = prefix
        for part in self.key_parts():
            path = _join(path, part)
            self.found.setdefault(path, line)
        self.advance()  # '='
        self.value(path)

    def key_parts(self) -> list[str]:
        """A dotted key, bare or quoted parts, up to (not past) what follows it."""
        parts: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            char = self.peek()
            if char in ('"', "'"):
                start = self.pos + 1
                self.string()
                parts.append(self.text[start : self.pos - 1])
            else:
                match = _BARE.match(self.text, self.pos)
                if not match:
                    break
                parts.append(match.group())
                self.advance(len(match.group()))
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                break
            self.advance()
        return parts

    # -- values

    def value(self, path: str) -> None:
        self.skip_blank(newlines=False)
        char = self.peek()
        if char in ('"', "'"):
            self.string()
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        else:
            while self.peek() not in (",", "]", "}", "\n", "#", ""):
                self.advance()

    def string(self) -> None:
        quote = self.peek()
        triple = self.text.startswith(quote * 3, self.pos)
        self.advance(3 if triple else 1)
        while self.pos < len(self.text):
            if quote == '"' and self.peek() == "\\":
                self.advance(2)
            elif triple and self.text.startswith(quote * 3, self.pos):
                self.advance(3)
                while self.peek() == quote:  # up to two quotes may end the content
                    self.advance()
                return
            elif not triple and self.peek() == quote:
                self.advance()
                return
            else:
                self.advance()

    def array(self, path: str) -> None:
        self.advance()  # '['
        index = 0
        while True:
            self.skip_blank(newlines=True)
            if self.peek() in ("]", ""):
                self.advance()
                return
            item = f"{path}[{index}]"
            self.found.setdefault(item, self.line)
            self.value(item)
            index += 1
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.advance()

    def inline_table(self, path: str) -> None:
        self.advance()  # '{'
        while True:
            self.skip_blank(newlines=True)
            if self.peek() in ("}", ""):
                self.advance()
                return
            self.key_value(path)
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.advance()
