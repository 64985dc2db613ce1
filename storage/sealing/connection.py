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
    # A reader beside a writer (the Database's read connection): its snapshot may be older
    # than the writer's, so the keyring keeps what it learns apart (keyring.py).
    reads_only: bool = False


def connect(
    path: Path | str, keyring: Keyring, *, reads_only: bool = False, **options: Any
) -> SealingConnection:
    conn = sqlite3.connect(path, factory=SealingConnection, **options)
    assert isinstance(conn, SealingConnection)
    conn.keyring = keyring
    conn.reads_only = reads_only
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
