"""Who a web chat address is, for the limit on wrong invitation codes: a keyed hash that
outlives a restart.

The key is made once, at random, and kept in a file beside the database (`<database>.key`,
readable by its owner only): a stored count is keyed by it, so a key made anew at every
start let a guesser begin again after each restart. No migration holds it: the schema's
numbers belong to other work in flight (the file is read once, at start). An IPv6 address
counts by its /64 prefix, the smallest block one subscriber is usually given: otherwise
each of their 2**64 addresses would get twenty guesses of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def key_path(database: Path) -> Path:
    return database.with_name(database.name + ".key")


def load_key(database: Path) -> bytes:
    """The key beside `database`, made on first use; a fresh one for an in-memory database."""
    if str(database) == ":memory:":
        return secrets.token_bytes(KEY_BYTES)
    path = key_path(database)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise RuntimeError(f"{path} is not a key of {KEY_BYTES} bytes: remove it") from None
        return key
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    return key


def subscriber(address: str) -> str:
    """The address as one subscriber: an IPv6 address's /64, anything else as it is."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def address_hash(key: bytes, address: str) -> str:
    digest = hmac.new(key, subscriber(address).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
