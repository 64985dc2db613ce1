"""Loading the configuration: a TOML file where every key is optional, then environment
overrides.

A wrong key, type or value raises ConfigError naming the key (and the file line when the
key came from the file); the CLI prints that one sentence and exits, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import values
from bot.config.errors import ConfigError
from bot.config.retention import RetentionPolicy
from bot.config.settings import ConsoleSettings, LineSettings, Settings, handoff_settings
from bot.config.values import Check


def _mark_as_read(value: Any, key: str) -> str:
    # Lower-case words (values.choice is for upper-case ones such as FULL or INFO).
    if value not in ("off", "when_staff_open"):
        raise ConfigError(key, f'must be "off" or "when_staff_open", got {value!r}')
    return str(value)


# Every accepted key: where it lands in Settings, and how it is checked.
_TOP: dict[str, tuple[str, Check]] = {
    "service_name": ("service_name", values.text),
    "window_location": ("window_location", values.text),
    "opening_hours": ("opening_hours", values.text),
    "flows_dir": ("flows_dir", values.path),
}
_TABLES: dict[str, dict[str, tuple[str, Check]]] = {
    "server": {"host": ("host", values.text), "port": ("port", values.port)},
    "database": {
        "path": ("database", values.path),
        "synchronous": ("db_synchronous", values.choice("FULL", "NORMAL")),
    },
    "logging": {"level": ("log_level", values.choice("DEBUG", "INFO", "WARNING", "ERROR"))},
    "line": {
        "channel_secret": ("line.channel_secret", values.text),
        "channel_access_token": ("line.channel_access_token", values.text),
        "api_base_url": ("line.api_base_url", values.url),
        "reply_token_max_age": ("line.reply_token_max_age", values.duration),
        "request_timeout": ("line.request_timeout", values.duration),
        "retry_base": ("line.retry_base", values.duration),
        "retry_max": ("line.retry_max", values.duration),
        "max_attempts": ("line.max_attempts", values.positive_int),
        "sending_process": ("line.sending_process", values.boolean),
        "mark_as_read": ("line.mark_as_read", _mark_as_read),
    },
    "console": {
        "idle_timeout": ("console.idle_timeout", values.duration),
        "lockout_after": ("console.lockout_after", values.positive_int),
        "lockout_for": ("console.lockout_for", values.duration),
        "trust_forwarded_proto": ("console.trust_forwarded_proto", values.boolean),
    },
}
# Tables owned by later features; validated by their own modules, kept here as raw data.
_PASSTHROUGH = {"organizations", "acks", "routing", "assignment", "pair_counselors", "retention"}

_ENV: dict[str, tuple[str, Check]] = {
    "TOBIRA_DB": ("database", values.path),
    "TOBIRA_HOST": ("host", values.text),
    "TOBIRA_PORT": ("port", values.port),
    "LINE_CHANNEL_SECRET": ("line.channel_secret", values.text),
    "LINE_CHANNEL_ACCESS_TOKEN": ("line.channel_access_token", values.text),
    "LINE_API_BASE_URL": ("line.api_base_url", values.url),
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
    found: dict[str, Any] = {}
    if path is not None:
        text = _read_text(path)
        raw = _parse_toml(text, path)
        try:
            _collect(raw, found)
            handoff = handoff_settings(raw, found.get("service_name", Settings.service_name))
            found["retention"] = RetentionPolicy.from_config(raw.get("retention"))
        except ConfigError as error:
            raise error.located(str(path), _line_of(text, error.key)) from None
    else:
        handoff = handoff_settings({}, Settings.service_name)
    for name, (target, check) in _ENV.items():
        if env.get(name):
            found[target] = check(env[name], name)
    for target, value in (overrides or {}).items():
        found[target] = value
    line = LineSettings(
        **{k.removeprefix("line."): v for k, v in found.items() if k.startswith("line.")}
    )
    console = ConsoleSettings(
        **{k.removeprefix("console."): v for k, v in found.items() if k.startswith("console.")}
    )
    top = {k: v for k, v in found.items() if not k.startswith(("line.", "console."))}
    if "handoff" in top:
        handoff = top.pop("handoff")
    return Settings(**top, line=line, console=console, handoff=handoff)


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


def _collect(raw: Mapping[str, Any], found: dict[str, Any]) -> None:
    for key, value in raw.items():
        if key in _TOP:
            target, check = _TOP[key]
            found[target] = check(value, key)
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
                found[target] = check(sub_value, f"{key}.{sub}")
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
