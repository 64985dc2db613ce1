"""The console's words, one TOML file per language; Japanese first, English second.

Templates read them as `t.section.key`; the pages hand the same table to the browser as a
JSON data block, so static/js draws rows and messages in the counselor's language too.

Every value staff read is words: each stored kind or status (an enum of storage/statuses.py)
has a label in the section `enum_section(EnumClass)` (the class name in snake_case, unless
`ENUM_SECTIONS` says otherwise), and every audit action in `[audit_actions]`. A new enum
member or audit action without a label in both languages fails
tests/console/test_labels.py, which finds them in the code itself.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
_HERE = Path(__file__).parent

Texts = dict[str, dict[str, str]]

# Enums whose labels live in a section named otherwise than the class (older sections the
# pages already read).
ENUM_SECTIONS = {"ConversationStatus": "status", "AlertKind": "alert_kinds"}
AUDIT_ACTIONS = "audit_actions"


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


def enum_section(enum_name: str) -> str:
    """The section holding the labels of the enum class called `enum_name`."""
    if enum_name in ENUM_SECTIONS:
        return ENUM_SECTIONS[enum_name]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_name).lower()
