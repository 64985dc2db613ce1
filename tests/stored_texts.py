"""What the conversation tables hold, read as staff read it: message bodies, flow states and
intakes are sealed at rest (issue 23), so tests open them through storage, never by SQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage import messages
from storage.messages import Message
from storage.sealing import Keyring, MasterKeys, SealingConnection, connect, keyring_of
from storage.tx import Tx
from tests.sealing_keys import TEST_KEYS


def all_messages(conn: Tx) -> list[Message]:
    """Every message of every conversation, oldest first, opened."""
    ids = [row[0] for row in conn.execute("SELECT id FROM conversations").fetchall()]
    found = [message for cid in ids for message in messages.for_conversation(conn, cid)]
    return sorted(found, key=lambda message: message.id)


def client_bodies(conn: Tx) -> list[str | None]:
    """What clients wrote (or tapped), in the order it was kept."""
    return [m.body for m in all_messages(conn) if m.author == "client"]


def open_file(path: Path, keys: MasterKeys = TEST_KEYS) -> SealingConnection:
    """A database file a process wrote, opened with the master key it was given (the
    tests' key unless said otherwise); close it when done."""
    conn = connect(path, Keyring(keys))
    conn.row_factory = sqlite3.Row
    keyring_of(conn).prepare(conn)
    return conn
