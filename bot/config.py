"""Configuration: a TOML file where every key is optional, then environment overrides.

A wrong key, type or value raises ConfigError naming the key (and the file line when the
key came from the file); the CLI prints that one sentence and exits, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.ack_policy import AckPolicy
from bot.durations import parse_duration
from bot.errors import ConfigError
from bot.hours import Organization, parse_organizations
from bot.retention import RetentionPolicy

DEFAULT_DB = Path("var/tobira.db")


@dataclass(frozen=True)
class LineSettings:
    channel_secret: str | None = None
    channel_access_token: str | None = None
    api_base_url: str = "https://api.line.me"
    reply_token_max_age: timedelta = timedelta(seconds=50)
    request_timeout: timedelta = timedelta(seconds=10)
    retry_base: timedelta = timedelta(seconds=1)
    retry_max: timedelta = timedelta(minutes=5)
    max_attempts: int = 12
    # Calls to LINE from a process of their own, so that receiving and sending use two cores.
    sending_process: bool = True


def _default_organizations(service_name: str) -> tuple[Organization, ...]:
    # One window, weekdays 9 to 17, closed on Japan's public holidays.
    hours = {day: "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    raw = {"id": "window", "name": service_name, "hours": hours, "national_holidays": True}
    return (Organization.from_config(raw, "organizations[0]"),)


@dataclass(frozen=True)
class HandoffSettings:
    """Who gets a conversation when a person is asked for (issue 4)."""

    organizations: tuple[Organization, ...]
    routing: Mapping[str, str]  # flow topic -> organisation id ("default" for the rest)
    assignment: str = "auto"  # "auto", or "review": a supervisor accepts new cases
    pair_counselors: bool = False
    acks: AckPolicy = field(default_factory=AckPolicy)

    def organization(self, org_id: str | None) -> Organization:
        for org in self.organizations:
            if org.id == org_id:
                return org
        return self.organizations[0]

    def organization_for_topic(self, topic: str | None) -> Organization:
        org_id = self.routing.get(topic or "", self.routing.get("default"))
        return self.organization(org_id)


def _handoff(raw: Mapping[str, Any], service_name: str) -> HandoffSettings:
    organizations = (
        tuple(parse_organizations(raw["organizations"]))
        if "organizations" in raw
        else _default_organizations(service_name)
    )
    known = {org.id for org in organizations}
    routing = raw.get("routing", {})
    if not isinstance(routing, dict):
        raise ConfigError("routing", "must be a table of flow topic = organisation id")
    for topic, org_id in routing.items():
        if org_id not in known:
            raise ConfigError(
                f"routing.{topic}",
                f"names organisation {org_id!r}, but the organisations are {', '.join(known)}",
            )
    assignment = raw.get("assignment", "auto")
    if assignment not in ("auto", "review"):
        raise ConfigError("assignment", f'must be "auto" or "review", got {assignment!r}')
    pairs = raw.get("pair_counselors", False)
    if not isinstance(pairs, bool):
        raise ConfigError("pair_counselors", f"must be true or false, got {pairs!r}")
    return HandoffSettings(
        organizations=organizations,
        routing=dict(routing),
        assignment=assignment,
        pair_counselors=pairs,
        acks=AckPolicy.from_config(raw.get("acks")),
    )


@dataclass(frozen=True)
class Settings:
    service_name: str = "ひきこもり相談窓口"
    window_location: str = "区役所の相談窓口"
    opening_hours: str = "平日 9時〜17時"
    host: str = "127.0.0.1"
    port: int = 8080
    database: Path = DEFAULT_DB
    db_synchronous: str = "FULL"
    log_level: str = "INFO"
    flows_dir: Path | None = None
    line: LineSettings = field(default_factory=LineSettings)
    handoff: HandoffSettings = field(default_factory=lambda: _handoff({}, "ひきこもり相談窓口"))
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)


# -- value checkers: each takes (value, key) and returns the clean value ----------------

Check = Callable[[Any, str], Any]


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, f"must be a non-empty string, got {value!r}")
    return value


def _port(value: Any, key: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535:
        raise ConfigError(key, f"must be a port number 0-65535, got {value!r}")
    return value


def _positive_int(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(key, f"must be a whole number of at least 1, got {value!r}")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"must be true or false, got {value!r}")
    return value


def _duration(value: Any, key: str) -> timedelta:
    if not isinstance(value, str):
        raise ConfigError(key, f'must be a duration such as "50s", "30m" or "2h", got {value!r}')
    return parse_duration(value, key)


def _url(value: Any, key: str) -> str:
    text = _text(value, key)
    if not re.match(r"^https?://[^\s/]+", text):
        raise ConfigError(key, f"must be an http(s) URL such as https://api.line.me, got {text!r}")
    return text.rstrip("/")


def _choice(*allowed: str) -> Check:
    def check(value: Any, key: str) -> str:
        if not isinstance(value, str) or value.upper() not in allowed:
            raise ConfigError(key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value.upper()

    return check


def _path(value: Any, key: str) -> Path:
    return Path(_text(value, key))


# Every accepted key: where it lands in Settings, and how it is checked.
_TOP: dict[str, tuple[str, Check]] = {
    "service_name": ("service_name", _text),
    "window_location": ("window_location", _text),
    "opening_hours": ("opening_hours", _text),
    "flows_dir": ("flows_dir", _path),
}
_TABLES: dict[str, dict[str, tuple[str, Check]]] = {
    "server": {"host": ("host", _text), "port": ("port", _port)},
    "database": {
        "path": ("database", _path),
        "synchronous": ("db_synchronous", _choice("FULL", "NORMAL")),
    },
    "logging": {"level": ("log_level", _choice("DEBUG", "INFO", "WARNING", "ERROR"))},
    "line": {
        "channel_secret": ("line.channel_secret", _text),
        "channel_access_token": ("line.channel_access_token", _text),
        "api_base_url": ("line.api_base_url", _url),
        "reply_token_max_age": ("line.reply_token_max_age", _duration),
        "request_timeout": ("line.request_timeout", _duration),
        "retry_base": ("line.retry_base", _duration),
        "retry_max": ("line.retry_max", _duration),
        "max_attempts": ("line.max_attempts", _positive_int),
        "sending_process": ("line.sending_process", _bool),
    },
}
# Tables owned by later features; validated by their own modules, kept here as raw data.
_PASSTHROUGH = {"organizations", "acks", "routing", "assignment", "pair_counselors", "retention"}

_ENV: dict[str, tuple[str, Check]] = {
    "TOBIRA_DB": ("database", _path),
    "TOBIRA_HOST": ("host", _text),
    "TOBIRA_PORT": ("port", _port),
    "LINE_CHANNEL_SECRET": ("line.channel_secret", _text),
    "LINE_CHANNEL_ACCESS_TOKEN": ("line.channel_access_token", _text),
    "LINE_API_BASE_URL": ("line.api_base_url", _url),
}


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    """The --config option every command that reads the configuration takes."""
    parser.add_argument("--config", type=Path, help="TOML file (default: $TOBIRA_CONFIG)")


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read the file (argument, else TOBIRA_CONFIG), then the environment, then overrides."""
    env = os.environ if env is None else env
    if path is None and env.get("TOBIRA_CONFIG"):
        path = Path(env["TOBIRA_CONFIG"])
    values: dict[str, Any] = {}
    if path is not None:
        text = _read_text(path)
        raw = _parse_toml(text, path)
        try:
            _collect(raw, values)
            handoff = _handoff(raw, values.get("service_name", Settings.service_name))
            values["retention"] = RetentionPolicy.from_config(raw.get("retention"))
        except ConfigError as error:
            raise error.located(str(path), _line_of(text, error.key)) from None
    else:
        handoff = _handoff({}, Settings.service_name)
    for name, (target, check) in _ENV.items():
        if env.get(name):
            values[target] = check(env[name], name)
    for target, value in (overrides or {}).items():
        values[target] = value
    line = LineSettings(
        **{k.removeprefix("line."): v for k, v in values.items() if k.startswith("line.")}
    )
    top = {k: v for k, v in values.items() if not k.startswith("line.")}
    if "handoff" in top:
        handoff = top.pop("handoff")
    return Settings(**top, line=line, handoff=handoff)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file", f"not found: {path}") from None


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError("(syntax)", f"{path}: not valid TOML: {error}") from None


def _collect(raw: Mapping[str, Any], values: dict[str, Any]) -> None:
    for key, value in raw.items():
        if key in _TOP:
            target, check = _TOP[key]
            values[target] = check(value, key)
        elif key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(key, f"must be a table ([{key}]), got {value!r}")
            known = _TABLES[key]
            for sub, sub_value in value.items():
                if sub not in known:
                    raise ConfigError(
                        f"{key}.{sub}", f"unknown key; [{key}] accepts {', '.join(known)}"
                    )
                target, check = known[sub]
                values[target] = check(sub_value, f"{key}.{sub}")
        elif key not in _PASSTHROUGH:
            accepted = sorted([*_TOP, *_TABLES, *_PASSTHROUGH])
            raise ConfigError(key, f"unknown key; accepted top-level keys: {', '.join(accepted)}")


def _line_of(text: str, dotted: str) -> int | None:
    """The line where a dotted key (table.key, or list[0].key.sub) is written, if we can find it."""
    lines = text.splitlines()
    in_list = re.match(r"^(\w+)\[(\d+)\]\.?(.*)$", dotted)
    if in_list:
        table, index, rest = in_list.group(1), int(in_list.group(2)), in_list.group(3)
        headers = [
            number
            for number, line in enumerate(lines)
            if re.match(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]", line)
        ]
        if index >= len(headers):
            return None
        begin = headers[index]
        end = next(
            (n for n in range(begin + 1, len(lines)) if re.match(r"^\s*\[", lines[n])), len(lines)
        )
        keys = [k for k in re.split(r"\.|\[\d+\]", rest) if k]
        return _find_key(lines, begin + 1, end, keys) or begin + 1
    parts = dotted.split(".")
    table, leaf = parts[:-1], parts[-1]
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            current = header.group(1).split(".")
            if current == parts:
                return number
            continue
        if current == table and re.match(rf"^{re.escape(leaf)}\s*=", stripped):
            return number
    return None


def _find_key(lines: list[str], begin: int, end: int, keys: list[str]) -> int | None:
    # The innermost key first: inline tables put `mon = ...` on the line of `hours = {`.
    for key in reversed(keys):
        pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*=")
        for number in range(begin, end):
            if pattern.search(lines[number]):
                return number + 1
    return None
