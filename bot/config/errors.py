"""Errors that stop start-up with one clear sentence instead of a traceback."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem, naming the key (dotted path) and, when known, the file line.

    Without a key (the file cannot be read at all) it is just `FILE[:LINE]: message`.
    """

    def __init__(
        self, key: str | None, message: str, *, source: str | None = None, line: int | None = None
    ) -> None:
        self.key = key
        self.message = message
        self.source = source
        self.line = line
        super().__init__(str(self))

    def located(self, source: str, line: int | None) -> ConfigError:
        return ConfigError(self.key, self.message, source=source, line=line)

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = f"{self.source}:{self.line}: " if self.line else f"{self.source}: "
        if self.key is None:
            return f"{where}{self.message}"
        return f"{where}configuration key '{self.key}': {self.message}"
