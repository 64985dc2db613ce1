"""The figures' names and one-sentence definitions (definitions.toml), Japanese first."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

_PATH = Path(__file__).with_name("definitions.toml")


@cache
def definitions() -> dict[str, Any]:
    with _PATH.open("rb") as f:
        return tomllib.load(f)


def _entry(key: str) -> dict[str, Any]:
    found: Any = definitions()
    for part in key.split("."):
        found = found[part]
    return dict(found)


def label(key: str, language: str) -> str:
    entry = _entry(key)
    return str(entry.get(f"label_{language}", entry["label_ja"]))


def definition(key: str, language: str) -> str:
    entry = _entry(key)
    return str(entry.get(f"definition_{language}", entry.get("definition_ja", "")))


def under_text(below: int, language: str) -> str:
    entry = _entry("csv.under")
    return str(entry.get(f"label_{language}", entry["label_ja"])).format(n=below)
