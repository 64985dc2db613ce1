"""What a version before sealing wrote in clear is sealed at the first open, and an open
killed half-way is completed by the next one."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from storage.database import Database
from storage.sealing import backfill, keyring_of
from storage.sealing.columns import SEALED
from tests.privacy import old_database as old
from tests.sealing_keys import TEST_KEY_TEXT, TEST_KEYS

ORPHAN = old.user_id(10**6)


def raw_bytes(db: Path) -> bytes:
    return b"".join(
        Path(f"{db}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{db}{suffix}").exists()
    )


def marker_bytes(kind: str) -> bytes:
    return old.marker(kind, 0).encode()


def clear_left(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            f"{c.table}.{c.column}": n
            for c in SEALED
            if (
                n := conn.execute(
                    f"SELECT COUNT(*) FROM {c.table} WHERE typeof({c.column}) = 'text'"
                ).fetchone()[0]
            )
        }


async def test_the_first_open_seals_every_clear_value_and_all_reads_back(tmp_path):
    db_path = tmp_path / "old.db"
    old.build(db_path, people=3)
    before = old.clear_values(db_path)
    assert len(before) > 30
    assert marker_bytes("deleted") in raw_bytes(db_path)  # the old version's remnant

    db = await Database.open(db_path, keys=TEST_KEYS)
    try:
        opened = await db.read(old.opened_values)
        assert {place: opened[place] for place in before} == before
        keyring = db.keyring
        contacts = dict(await db.fetch_all("SELECT user_hash, id FROM contacts"))
        for n in (1, 2, 3):
            assert contacts[keyring.user_hash("line", old.user_id(n))] == n
        events = {
            row[0]: (row[1], row[2])
            for row in await db.fetch_all(
                "SELECT event_id, user_key, contact_id FROM inbound_events"
            )
        }
        assert events["ev-2"] == (keyring.user_hash("line", old.user_id(2)), 2)
        # The raw events of a contact already deleted: one contact made for both.
        orphan = contacts[keyring.user_hash("line", ORPHAN)]
        assert (
            events["orphan-1"]
            == events["orphan-2"]
            == (
                keyring.user_hash("line", ORPHAN),
                orphan,
            )
        )
        assert opened[("contacts", "platform_user_id", orphan)] == ORPHAN
        assert events["malformed:x:0"] == (None, None)  # no user: sealed by the service's key
        malformed = await db.fetch_one(
            "SELECT id FROM inbound_events WHERE event_id = 'malformed:x:0'"
        )
        assert opened[("inbound_events", "payload", malformed[0])] == "{}"
    finally:
        await db.close()

    assert clear_left(db_path) == {}
    data = raw_bytes(db_path)
    assert b"MARK-" not in data, "a clear text survives in the file (free space, WAL)"
    for n in (1, 2, 3):
        assert old.user_id(n).encode() not in data
    assert ORPHAN.encode() not in data


async def test_raw_events_alone_are_found_and_sealed(tmp_path):
    """No contact is left (retention deleted them), only raw events that name a user."""
    db_path = tmp_path / "old.db"
    old.build(db_path, people=0)
    db = await Database.open(db_path, keys=TEST_KEYS)
    try:
        opened = await db.read(old.opened_values)
        found = await db.fetch_all("SELECT DISTINCT contact_id FROM inbound_events")
    finally:
        await db.close()
    assert clear_left(db_path) == {}
    texts = [
        json.loads(v)["text"] for k, v in opened.items() if k[0] == "inbound_events" and v != "{}"
    ]
    assert texts == [old.marker("orphan", 0), old.marker("orphan", 1)]
    assert {row[0] for row in found} == {1, None}  # the contact made for them; the malformed


async def test_an_open_after_the_backfill_finds_nothing_to_do(tmp_path):
    db_path = tmp_path / "old.db"
    old.build(db_path, people=2)
    db = await Database.open(db_path, keys=TEST_KEYS)
    await db.close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert not backfill.pending(conn)
        assert backfill.seal_clear_values(conn, db.keyring) == {}
    finally:
        conn.close()


async def test_a_fresh_database_has_nothing_to_seal(tmp_path):
    db = await Database.open(tmp_path / "new.db", keys=TEST_KEYS)
    await db.close()
    conn = sqlite3.connect(tmp_path / "new.db")
    try:
        assert not backfill.pending(conn)
    finally:
        conn.close()


def _sealed_so_far(db: Path) -> int:
    with sqlite3.connect(db, timeout=5) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM conversations WHERE typeof(flow_state) = 'blob'"
        ).fetchone()[0]


def start_migrate(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`tobira db migrate`: opening the database is all it does."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "db", "migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.subprocess
async def test_a_backfill_killed_half_way_is_completed_by_the_next_open(tmp_path):
    db_path = tmp_path / "old.db"
    people = 1500
    old.build(db_path, people=people)
    before = old.clear_values(db_path)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LINE_", "TOBIRA_")) or k == "TOBIRA_DATA_KEY"
    }
    env["TOBIRA_DB"] = str(db_path)
    process = start_migrate(env)
    try:
        for _ in range(2000):
            if process.poll() is not None or _sealed_so_far(db_path) > 0:
                break
            await asyncio.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    left = clear_left(db_path)
    assert 0 < _sealed_so_far(db_path) < people, "the kill must land mid-way"
    assert left.get("conversations.flow_state", 0) > 0 and left["messages.body"] == people

    db = await Database.open(db_path, keys=TEST_KEYS)
    try:
        opened = await db.read(old.opened_values)
    finally:
        await db.close()
    assert clear_left(db_path) == {}
    assert {place: opened[place] for place in before} == before
    assert b"MARK-" not in raw_bytes(db_path)


def test_a_backup_holds_nothing_in_clear(tmp_path, monkeypatch, capsys):
    """`tobira db backup` is SQLite's online backup: the pages as they are, sealed. Written
    against the backfilled columns and a value sealed through the keyring directly; once
    every path seals on write, the raw-file proof tests cover the rest."""
    db_path = tmp_path / "old.db"
    old.build(db_path, people=3)

    async def seal_one_more() -> None:
        db = await Database.open(db_path, keys=TEST_KEYS)
        try:

            def job(conn):
                sealed = keyring_of(conn).seal(
                    conn, "contact:1", "messages", "body", 2000, marker_bytes("fresh").decode()
                )
                conn.execute(
                    "INSERT INTO messages (id, conversation_id, direction, author, kind, body,"
                    " created_at) VALUES (2000, 1, 'in', 'client', 'text', ?, ?)",
                    (sealed, old.AT),
                )

            await db.write(job)
        finally:
            await db.close()

    asyncio.run(seal_one_more())
    monkeypatch.setenv("TOBIRA_DB", str(db_path))
    monkeypatch.setenv("TOBIRA_DATA_KEY", TEST_KEY_TEXT)
    monkeypatch.delenv("TOBIRA_CONFIG", raising=False)
    backup = tmp_path / "backups" / "copy.db"
    assert main(["db", "backup", str(backup)]) == 0
    capsys.readouterr()
    data = backup.read_bytes()
    assert b"MARK-" not in data
    assert marker_bytes("fresh") not in data
    assert all(old.user_id(n).encode() not in data for n in (1, 2, 3))

    # ...and it opens, with the key, to what was written.
    async def read_back() -> dict[tuple[str, str, int], str | None]:
        copy = await Database.open(backup, keys=TEST_KEYS)
        try:
            return await copy.read(old.opened_values)
        finally:
            await copy.close()

    opened = asyncio.run(read_back())
    assert opened[("messages", "body", 2000)] == marker_bytes("fresh").decode()
    assert opened[("messages", "body", 1)] == old.marker("message", 1)
