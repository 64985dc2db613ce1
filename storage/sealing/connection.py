"""The keyring travels with the connection, so storage functions that seal or open a
column need no extra argument: `keyring_of(conn)`."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from storage.sealing.keyring import Keyring
from storage.tx import Tx


class SealingConnection(sqlite3.Connection):
    """A sqlite3 connection that carries its database's keyring."""

    keyring: Keyring | None = None


def connect(path: Path | str, keyring: Keyring, **options: Any) -> SealingConnection:
    conn = sqlite3.connect(path, factory=SealingConnection, **options)
    assert isinstance(conn, SealingConnection)
    conn.keyring = keyring
    return conn


def keyring_of(conn: Tx) -> Keyring:
    keyring = getattr(conn, "keyring", None)
    if keyring is None:
        raise TypeError(
            "this connection carries no keyring: open the database with"
            " storage.database.Database.open(..., keys=...) or storage.sealing.connect()"
        )
    assert isinstance(keyring, Keyring)
    return keyring
