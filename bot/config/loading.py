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
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import values
from bot.config.errors import ConfigError
from bot.config.helplines import SafetySettings
from bot.config.locate import line_of
from bot.config.retention import RetentionPolicy
from bot.config.settings import (
    ConferenceSettings,
    ConsoleSettings,
    FigureSettings,
    HouseholdSettings,
    LineSettings,
    PrivacySettings,
    Settings,
    WebSettings,
    handoff_settings,
)
from bot.config.values import Check


def _secure_cookie(value: Any, key: str) -> str:
    if value not in ("auto", "always"):
        raise ConfigError(key, f'must be "auto" or "always", got {value!r}')
    return str(value)


def _mark_as_read(value: Any, key: str) -> str:
    # Lower-case words (values.choice is for upper-case ones such as FULL or INFO).
    if value not in ("off", "when_staff_open"):
        raise ConfigError(key, f'must be "off" or "when_staff_open", got {value!r}')
    return str(value)


# A LINE account's basic ID ("@123abcde") or premium ID ("@my.window"), as the LINE
# Official Account Manager shows it, with its "@".
_BASIC_ID = re.compile(r"@[a-z0-9._-]{1,20}")


def _basic_id(value: Any, key: str) -> str:
    if not isinstance(value, str) or _BASIC_ID.fullmatch(value) is None:
        raise ConfigError(
            key,
            "must be the account's basic ID as LINE shows it, with its @ and in lower case"
            f' (e.g. "@123abcde"), got {value!r}',
        )
    return value


_LONGEST_INVITATION = 730


def _invitation_days(value: Any, key: str) -> int:
    days = values.positive_int(value, key)
    if days > _LONGEST_INVITATION:
        raise ConfigError(
            key,
            f"must be at most {_LONGEST_INVITATION} days (an invitation that lasts longer is"
            f" a code nobody remembers giving), got {days}",
        )
    return days


# An agency's name as the form offers it: short, like 「保健センター」 or 「地域包括支援センター」.
AGENCY_MAX_CHARS = 60
_MOST_AGENCIES = 50
_LONGEST_REMINDER = 60


def _agencies(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(
            key,
            f'must be a list of agency names, e.g. ["保健センター", "福祉事務所"], got {value!r}',
        )
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(key, f"each agency must be a name in quotes, got {item!r}")
        name = item.strip()
        if len(name) > AGENCY_MAX_CHARS:
            raise ConfigError(
                key, f"{name!r} is longer than {AGENCY_MAX_CHARS} characters: write it shorter"
            )
        if name in names:
            raise ConfigError(key, f"{name!r} is listed twice")
        names.append(name)
    if len(names) > _MOST_AGENCIES:
        raise ConfigError(key, f"lists {len(names)} agencies; at most {_MOST_AGENCIES}")
    return tuple(names)


def _suppress_below(value: Any, key: str) -> int:
    # bool is an int in Python: true/false is not a number of people.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        raise ConfigError(
            key,
            "must be a whole number from 1 to 100: the publish CSV shows a count below it as"
            f' "under N" (1 hides nothing; the default is 3), got {value!r}',
        )
    return value


def _remind_before(value: Any, key: str) -> timedelta:
    found = values.duration(value, key)
    if found < timedelta(days=1) or found % timedelta(days=1) or found.days > _LONGEST_REMINDER:
        raise ConfigError(
            key,
            f'must be whole days from "1d" to "{_LONGEST_REMINDER}d" (the reminder rings in'
            f" the morning of that day before the due date), got {value!r}",
        )
    return found


# Every accepted key: where it lands in Settings, and how it is checked.
_TOP: dict[str, tuple[str, Check]] = {
    "service_name": ("service_name", values.text),
    "service_name_en": ("service_name_en", values.text),
    "window_location": ("window_location", values.text),
    "window_location_en": ("window_location_en", values.text),
    "opening_hours": ("opening_hours", values.text),
    "opening_hours_en": ("opening_hours_en", values.text),
    "flows_dir": ("flows_dir", values.folder),
}
# Texts clients read, each with an English form. The shipped English goes with the shipped
# Japanese; an operator who writes their own Japanese without English gets their own words
# in English conversations too (a wrong place or wrong hours in English would be worse).
_ENGLISH_OF = {name: f"{name}_en" for name in ("service_name", "window_location", "opening_hours")}
_REPLY_TOKEN_LIFE = timedelta(seconds=60)
_REPLY_TOKEN_WHY = "LINE accepts a reply token for about a minute"
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
        "reply_token_max_age": (
            "line.reply_token_max_age",
            values.duration_up_to(_REPLY_TOKEN_LIFE, _REPLY_TOKEN_WHY),
        ),
        "request_timeout": ("line.request_timeout", values.duration),
        "retry_base": ("line.retry_base", values.duration),
        "retry_max": ("line.retry_max", values.duration),
        "max_attempts": ("line.max_attempts", values.positive_int),
        "sending_process": ("line.sending_process", values.boolean),
        "mark_as_read": ("line.mark_as_read", _mark_as_read),
        "typing_indicator": ("line.typing_indicator", values.boolean),
        "basic_id": ("line.basic_id", _basic_id),
    },
    "console": {
        "idle_timeout": ("console.idle_timeout", values.duration),
        "lockout_after": ("console.lockout_after", values.positive_int),
        "lockout_for": ("console.lockout_for", values.duration),
        "trust_forwarded_proto": ("console.trust_forwarded_proto", values.boolean),
    },
    "conversations": {"reopen_within": ("reopen_within", values.duration)},
    "households": {"invitation_days": ("households.invitation_days", _invitation_days)},
    "conferences": {
        "agencies": ("conferences.agencies", _agencies),
        "remind_before": ("conferences.remind_before", _remind_before),
    },
    "figures": {"suppress_below": ("figures.suppress_below", _suppress_below)},
    "privacy": {"key_file": ("privacy.key_file", values.path)},
    "web": {
        "leave_url": ("web.leave_url", values.url),
        "secure_cookie": ("web.secure_cookie", _secure_cookie),
        "visitor_ttl": ("web.visitor_ttl", values.duration),
        "max_chars": ("web.max_chars", values.positive_int),
        "visitor_per_minute": ("web.visitor_per_minute", values.positive_int),
        "address_per_minute": ("web.address_per_minute", values.positive_int),
    },
}
# Tables owned by later features; validated by their own modules, kept here as raw data.
_PASSTHROUGH = {
    "organizations",
    "acks",
    "routing",
    "assignment",
    "pair_counselors",
    "retention",
    "safety",
}

_ENV: dict[str, tuple[str, Check]] = {
    "TOBIRA_DB": ("database", values.path),
    "TOBIRA_HOST": ("host", values.text),
    # The environment holds only strings: a port is read from its digits here, and only here.
    "TOBIRA_PORT": ("port", values.port_text),
    "LINE_CHANNEL_SECRET": ("line.channel_secret", values.text),
    "LINE_CHANNEL_ACCESS_TOKEN": ("line.channel_access_token", values.text),
    "LINE_API_BASE_URL": ("line.api_base_url", values.url),
    "TOBIRA_DATA_KEY": ("privacy.data_key", values.text),
    "TOBIRA_DATA_KEYS_OLD": ("privacy.old_keys", values.text),
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
            _english_defaults(found)
            handoff = handoff_settings(
                raw,
                found.get("service_name", Settings.service_name),
                found.get("service_name_en", Settings.service_name_en),
            )
            found["retention"] = RetentionPolicy.from_config(raw.get("retention"))
            found["safety"] = SafetySettings.from_config(raw.get("safety"))
        except ConfigError as error:
            raise error.located(str(path), line_of(text, error.key or "")) from None
    else:
        handoff = handoff_settings({}, Settings.service_name, Settings.service_name_en)
    for name, (target, check) in _ENV.items():
        if env.get(name):
            found[target] = check(env[name], name)
    for target, value in (overrides or {}).items():
        found[target] = value
    _english_defaults(found)
    line = LineSettings(
        **{k.removeprefix("line."): v for k, v in found.items() if k.startswith("line.")}
    )
    console = ConsoleSettings(
        **{k.removeprefix("console."): v for k, v in found.items() if k.startswith("console.")}
    )
    web = WebSettings(
        **{k.removeprefix("web."): v for k, v in found.items() if k.startswith("web.")}
    )
    households = HouseholdSettings(
        **{
            k.removeprefix("households."): v
            for k, v in found.items()
            if k.startswith("households.")
        },
        line_basic_id=line.basic_id,
    )
    conferences = ConferenceSettings(
        **{
            k.removeprefix("conferences."): v
            for k, v in found.items()
            if k.startswith("conferences.")
        }
    )
    figures = FigureSettings(
        **{k.removeprefix("figures."): v for k, v in found.items() if k.startswith("figures.")}
    )
    privacy = PrivacySettings(
        **{k.removeprefix("privacy."): v for k, v in found.items() if k.startswith("privacy.")}
    )
    sections = ("line.", "console.", "web.", "households.", "conferences.", "figures.", "privacy.")
    top = {k: v for k, v in found.items() if not k.startswith(sections)}
    if "handoff" in top:
        handoff = top.pop("handoff")
    return Settings(
        **top,
        line=line,
        console=console,
        web=web,
        handoff=handoff,
        households=households,
        conferences=conferences,
        figures=figures,
        privacy=privacy,
    )


def _english_defaults(found: dict[str, Any]) -> None:
    for japanese, english in _ENGLISH_OF.items():
        if japanese in found and english not in found:
            found[english] = found[japanese]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(None, "no such file", source=str(path)) from None
    except IsADirectoryError:
        raise ConfigError(None, "is a folder, not a TOML file", source=str(path)) from None
    except UnicodeDecodeError:
        raise ConfigError(None, "is not UTF-8 text: save it as UTF-8", source=str(path)) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(None, f"cannot be read: {reason}", source=str(path)) from None


# tomllib puts the position at the end of its message: "... (at line 3, column 8)".
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        if position is None:
            raise ConfigError(None, f"not valid TOML: {message}", source=str(path)) from None
        what = message[: position.start()]
        raise ConfigError(
            None,
            f"not valid TOML: {what} (column {position.group(2)})",
            source=str(path),
            line=int(position.group(1)),
        ) from None


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
