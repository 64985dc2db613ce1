"""Master keys: the one that wraps new data keys, and older ones kept for reading.

A master key never seals a person's text itself: it only wraps (encrypts) the data keys
stored in `data_keys`. Rotating it re-wraps those keys; no message is touched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

KEY_BYTES = 32  # AES-256


class MasterKeyError(ValueError):
    """A key that is missing, malformed, or does not open this database: one sentence."""


def key_id(key: bytes) -> str:
    """A short public name for a master key (which one wrapped a data key); reveals nothing
    of the key."""
    return hashlib.sha256(b"tobira master key id\0" + key).hexdigest()[:16]


def parse_key(text: str, source: str) -> bytes:
    """A master key written as base64 of 32 bytes; `source` names where it came from."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(f"{source} is not base64; make a key with `tobira keys new`") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"{source} must be base64 of {KEY_BYTES} bytes, got {len(key)};"
            " make a key with `tobira keys new`"
        )
    return key


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


@dataclass(frozen=True)
class MasterKeys:
    """`current` wraps every new data key; `old` are only tried when unwrapping."""

    current: bytes
    old: tuple[bytes, ...] = ()

    def by_id(self) -> dict[str, bytes]:
        found = {key_id(key): key for key in self.old}
        found[key_id(self.current)] = self.current
        return found

    @property
    def current_id(self) -> str:
        return key_id(self.current)
