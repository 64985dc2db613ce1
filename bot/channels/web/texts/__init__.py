"""The web chat's texts, one TOML file per language."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("ja", "en")


@cache
def texts(language: str) -> dict[str, Any]:
    name = f"{language if language in LANGUAGES else 'ja'}.toml"
    raw = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(raw)


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else "ja"


def error_text(language: str, code: str, **values: object) -> str:
    return str(texts(language)["errors"][code]).format(**values)
