"""The console's words, one TOML file per language; Japanese first, English second.

Templates read them as `t.section.key`; the pages hand the same table to the browser as a
JSON data block, so static/js draws rows and messages in the counselor's language too.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
_HERE = Path(__file__).parent

Texts = dict[str, dict[str, str]]


@cache
def texts(language: str) -> Texts:
    """Every text of `language` (one of LANGUAGES), by section and key."""
    if language not in LANGUAGES:
        raise ValueError(f"the console has no texts in {language!r}")
    with (_HERE / f"{language}.toml").open("rb") as file:
        loaded: dict[str, Any] = tomllib.load(file)
    return {section: {k: str(v) for k, v in keys.items()} for section, keys in loaded.items()}


def fill(template: str, **values: object) -> str:
    """'{name} さん' with name filled in; a placeholder without a value stays as written."""
    return template.format_map(_Keep({k: str(v) for k, v in values.items()}))


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
