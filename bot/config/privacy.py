"""The master keys, from the environment or a key file: resolved once, refused clearly.

Outside demo mode there is no default key: a service that would seal people's words with a
key nobody chose, or none at all, must not start.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from bot.config.errors import ConfigError
from bot.config.settings import PrivacySettings
from storage.sealing import MasterKeyError, MasterKeys, new_key_text, parse_key

NO_KEY = (
    "no master key: set TOBIRA_DATA_KEY to base64 of 32 bytes (make one with"
    " `tobira keys new`) or name a file holding it in [privacy] key_file"
)


def master_keys(privacy: PrivacySettings) -> MasterKeys:
    """The current key (TOBIRA_DATA_KEY, else the key file) and the old ones."""
    try:
        if privacy.data_key:
            current = parse_key(privacy.data_key, "TOBIRA_DATA_KEY")
        elif privacy.key_file is not None:
            current = _read_key_file(privacy.key_file)
        else:
            raise ConfigError(None, NO_KEY)
        old = tuple(
            parse_key(part, "TOBIRA_DATA_KEYS_OLD")
            for part in (privacy.old_keys or "").split(",")
            if part.strip()
        )
    except MasterKeyError as error:
        raise ConfigError(None, str(error)) from None
    return MasterKeys(current, tuple(key for key in old if key != current))


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError("privacy.key_file", f"cannot read {path}: {error}") from None
    return parse_key(text, f"the key file {path}")


def ensure_key_file(path: Path) -> Path:
    """Demo mode's key: made once (mode 0600), then reused, so the demo's database still
    opens after a restart."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(new_key_text() + "\n")
    return path


# Demo mode's key, beside the demo's database (var/demo.db), made on its first run.
DEMO_KEY_FILE = Path("var/demo-data.key")


def with_demo_key(privacy: PrivacySettings) -> PrivacySettings:
    """Demo mode: the configured key if there is one, else the demo's own key file."""
    if privacy.data_key or privacy.key_file is not None:
        return privacy
    return replace(privacy, key_file=ensure_key_file(DEMO_KEY_FILE))
