"""The message catalogue: service texts kept outside code, Japanese required, English second."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bot.config.errors import ConfigError


@dataclass(frozen=True)
class Catalogue:
    texts: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls) -> Catalogue:
        data: dict[str, Any] = {}
        # catalogue.toml, and the texts of one concern each in their own file (safety.toml).
        for source in sorted(resources.files("bot.messages").iterdir(), key=lambda f: f.name):
            if not source.name.endswith(".toml"):
                continue
            texts = tomllib.loads(source.read_text(encoding="utf-8"))
            for key in texts:
                if key in data:
                    raise ConfigError(key, f"catalogue text defined twice ({source.name})")
            data.update(texts)
        for key, entry in data.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("ja"), str):
                raise ConfigError(key, "every catalogue entry needs a Japanese text (ja = ...)")
        return cls(data)

    def text(self, key: str, language: str = "ja", **values: str) -> str:
        entry = self.texts[key]
        template = entry.get(language) or entry["ja"]
        return template.format_map(_Strict(values, key))


class _Strict(dict[str, str]):
    def __init__(self, values: Mapping[str, str], key: str) -> None:
        super().__init__(values)
        self._key = key

    def __missing__(self, name: str) -> str:
        raise KeyError(f"catalogue text '{self._key}' needs a value for {{{name}}}")
