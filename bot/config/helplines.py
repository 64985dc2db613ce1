"""Helplines for danger signals (`[safety]`): who answers, for which level, and when.

The shipped list (helplines.toml beside this file) is used unless the configuration gives
its own `[[safety.lines]]`. A line's hours are "always", "varies" (set locally: never said
to be open now) or weekday ranges written as an organisation's hours.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, Literal

from bot.config import values
from bot.config.errors import ConfigError
from bot.config.organizations import Organization
from bot.safety import Level

Hours = Literal["always", "varies", "weekly"]
_LINE_KEYS = frozenset(
    {"id", "name", "name_en", "number", "hours", "levels", "note", "note_en", "emergency"}
)
_SAFETY_KEYS = frozenset(
    {"lines", "full_answer_every", "alert_webhook_url", "alert_webhook_secret"}
)


@dataclass(frozen=True)
class Helpline:
    id: str
    name: str
    name_en: str
    number: str
    levels: frozenset[Level]
    hours: Hours
    weekly: Organization | None = None  # the open-time arithmetic, when hours are weekly
    note: str = ""
    note_en: str = ""
    emergency: bool = False

    def open_at(self, at: datetime) -> bool | None:
        """True or False when known; None when the hours are set locally."""
        if self.hours == "always":
            return True
        if self.weekly is None:
            return None
        return self.weekly.is_open(at)

    def closes_at(self, at: datetime) -> datetime | None:
        return self.weekly.current_closing(at) if self.weekly is not None else None

    def opens_at(self, at: datetime) -> datetime | None:
        return self.weekly.next_opening(at) if self.weekly is not None else None

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name

    def display_note(self, language: str) -> str:
        return self.note_en if language == "en" else self.note

    @classmethod
    def from_config(cls, raw: Any, key: str) -> Helpline:
        if not isinstance(raw, Mapping):
            raise ConfigError(key, "expected a table with id, name, number, hours and levels")
        for name in raw:
            if name not in _LINE_KEYS:
                allowed = ", ".join(sorted(_LINE_KEYS))
                raise ConfigError(f"{key}.{name}", f"unknown key; allowed keys: {allowed}")
        line_id = values.text(raw.get("id"), f"{key}.id")
        name = values.text(raw.get("name"), f"{key}.name")
        number = values.text(raw.get("number"), f"{key}.number")
        levels_raw = raw.get("levels")
        known = ", ".join(level.value for level in Level)
        if not isinstance(levels_raw, list) or not levels_raw:
            raise ConfigError(f"{key}.levels", f"expected a list of levels from {known}")
        levels: set[Level] = set()
        for level in levels_raw:
            if level not in {lv.value for lv in Level}:
                raise ConfigError(f"{key}.levels", f"{level!r} is not a level; use {known}")
            levels.add(Level(level))
        hours_raw = raw.get("hours")
        weekly: Organization | None = None
        hours: Hours
        if hours_raw in ("always", "varies"):
            hours = hours_raw
        elif isinstance(hours_raw, Mapping):
            hours = "weekly"
            weekly = Organization.from_config({"id": "line", "name": name, "hours": hours_raw}, key)
        else:
            raise ConfigError(
                f"{key}.hours",
                f'got {hours_raw!r}; write "always", "varies", or weekday ranges as for an '
                'organisation, e.g. [safety.lines.hours] mon = "10:00-22:00"',
            )
        emergency = raw.get("emergency", False)
        values.boolean(emergency, f"{key}.emergency")
        note = raw.get("note", "")
        if hours == "varies" and not note:
            raise ConfigError(f"{key}.note", 'say when the line answers, e.g. note = "平日の日中"')
        return cls(
            id=line_id,
            name=name,
            name_en=str(raw.get("name_en") or name),
            number=number,
            levels=frozenset(levels),
            hours=hours,
            weekly=weekly,
            note=str(note),
            note_en=str(raw.get("note_en") or note),
            emergency=emergency,
        )


def default_lines() -> tuple[Helpline, ...]:
    source = resources.files("bot.config").joinpath("helplines.toml")
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    return parse_lines(data["lines"], "safety.lines (shipped)")


def parse_lines(raw: Any, key: str) -> tuple[Helpline, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(key, "expected at least one [[safety.lines]] table")
    lines = tuple(Helpline.from_config(item, f"{key}[{index}]") for index, item in enumerate(raw))
    ids = [line.id for line in lines]
    for index, line_id in enumerate(ids):
        if line_id in ids[:index]:
            raise ConfigError(f"{key}[{index}].id", f"id {line_id!r} is used twice")
    for level in Level:
        if not any(level in line.levels for line in lines):
            raise ConfigError(key, f"no line serves the level {level.value!r}")
    return lines


@dataclass(frozen=True)
class SafetySettings:
    lines: tuple[Helpline, ...] = field(default_factory=default_lines)
    # The full answer (words and every line) at most this often per conversation; later hits
    # meanwhile get a short one, and staff are alerted each time.
    full_answer_every: timedelta = timedelta(hours=1)
    # Optional: a signed POST (ids and level, never text) to another system on every hit.
    alert_webhook_url: str | None = None
    alert_webhook_secret: str | None = None

    def lines_for(self, level: Level) -> tuple[Helpline, ...]:
        return tuple(line for line in self.lines if level in line.levels)

    @classmethod
    def from_config(cls, raw: Any, key: str = "safety") -> SafetySettings:
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise ConfigError(key, "must be a table ([safety])")
        for name in raw:
            if name not in _SAFETY_KEYS:
                allowed = ", ".join(sorted(_SAFETY_KEYS))
                raise ConfigError(f"{key}.{name}", f"unknown key; [safety] accepts {allowed}")
        found: dict[str, Any] = {}
        if "lines" in raw:
            found["lines"] = parse_lines(raw["lines"], f"{key}.lines")
        if "full_answer_every" in raw:
            found["full_answer_every"] = values.duration(
                raw["full_answer_every"], f"{key}.full_answer_every"
            )
        if "alert_webhook_url" in raw:
            found["alert_webhook_url"] = values.url(
                raw["alert_webhook_url"], f"{key}.alert_webhook_url"
            )
        if "alert_webhook_secret" in raw:
            found["alert_webhook_secret"] = values.text(
                raw["alert_webhook_secret"], f"{key}.alert_webhook_secret"
            )
        if "alert_webhook_url" in found and "alert_webhook_secret" not in found:
            raise ConfigError(
                f"{key}.alert_webhook_secret",
                "is needed with alert_webhook_url: the receiver checks each POST's signature",
            )
        return cls(**found)
