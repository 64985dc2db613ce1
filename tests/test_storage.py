"""The database layer on real SQLite files."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from storage.database import Database
from storage.migrate import available
from tests.sealing_keys import TEST_KEYS


async def test_migrations_set_user_version_wal_and_foreign_keys(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:
        assert (await db.fetch_one("PRAGMA user_version"))[0] == len(available())
        assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
        with pytest.raises(sqlite3.IntegrityError):
            await db.write(
                lambda c: c.execute(
                    "INSERT INTO conversations (contact_id, opened_at, updated_at)"
                    " VALUES (999, 'x', 'x')"
                )
            )
    finally:
        await db.close()
    again = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)  # reopening migrates nothing
    await again.close()


async def test_concurrent_writes_share_commits_and_a_failure_stays_alone(tmp_path):
    db = await Database.open(tmp_path / "t.db", synchronous="FULL", keys=TEST_KEYS)
    try:

        def insert(i: int):
            def job(conn: sqlite3.Connection) -> int:
                conn.execute("INSERT INTO organizations (id, name) VALUES (?, ?)", (f"org{i}", "n"))
                if i == 7:
                    raise ValueError("this job fails")
                return i

            return job

        results = await asyncio.gather(
            *(db.write(insert(i)) for i in range(100)), return_exceptions=True
        )
        assert isinstance(results[7], ValueError)
        assert [r for r in results if not isinstance(r, Exception)] == [
            i for i in range(100) if i != 7
        ]
        rows = await db.fetch_all("SELECT id FROM organizations")
        assert len(rows) == 99 and ("org7",) not in [tuple(r) for r in rows]
        assert db.commits < 100  # batched: fewer commits than writes
    finally:
        await db.close()


async def test_online_backup_is_a_consistent_copy(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:
        await db.write(lambda c: c.execute("INSERT INTO organizations VALUES ('a', 'A')"))
        await db.backup(tmp_path / "backup" / "copy.db")
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "backup" / "copy.db") as copy:
        assert copy.execute("SELECT name FROM organizations").fetchall() == [("A",)]
        assert copy.execute("PRAGMA user_version").fetchone()[0] == len(available())


async def test_a_newer_database_is_refused(tmp_path):
    with sqlite3.connect(tmp_path / "t.db") as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(RuntimeError, match="newer than this tobira"):
        await Database.open(tmp_path / "t.db", keys=TEST_KEYS)


async def test_a_webhook_job_joins_the_open_batch_and_commits_without_waiting_for_the_queue(
    tmp_path,
):
    """A webhook that arrives while 200 slow background jobs are being written is committed
    long before they are all done: it must answer LINE within seconds whatever the backlog."""
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    loop = asyncio.get_running_loop()
    finished: list[str] = []
    urgent_task: list[asyncio.Task[None]] = []
    try:

        def background(i: int):
            def job(conn: sqlite3.Connection) -> None:
                time.sleep(0.0005)  # a slow turn
                conn.execute("INSERT INTO organizations (id, name) VALUES (?, 'n')", (f"b{i}",))
                if i == 10:  # the webhook arrives while the batch is being written
                    loop.call_soon(lambda: urgent_task.append(asyncio.create_task(webhook())))

            return job

        async def background_write(i: int) -> None:
            await db.write(background(i))
            finished.append(f"b{i}")

        async def webhook() -> None:
            await db.write(
                lambda c: c.execute("INSERT INTO organizations (id, name) VALUES ('w', 'n')"),
                urgent=True,
            )
            finished.append("webhook")

        await asyncio.gather(*(background_write(i) for i in range(200)))
        await urgent_task[0]
        assert finished.index("webhook") < 60
        assert len(await db.fetch_all("SELECT id FROM organizations")) == 201
    finally:
        await db.close()


async def test_turns_fill_a_webhooks_batch_for_at_most_a_millisecond(tmp_path):
    """Once a webhook's job is in a batch, background jobs join it only for 1 ms: its fsync
    does not wait for a window full of turns (only other webhooks may still join)."""
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    loop = asyncio.get_running_loop()
    ran: list[tuple[str, int]] = []  # (job, the batch it ran in)
    urgent_task: list[asyncio.Task[None]] = []
    try:

        def background(i: int):
            def job(conn: sqlite3.Connection) -> None:
                ran.append((f"b{i}", db.commits))
                time.sleep(0.001)  # a slow turn: one is already the whole allowance
                conn.execute("INSERT INTO organizations (id, name) VALUES (?, 'n')", (f"b{i}",))
                if i == 3:
                    loop.call_soon(lambda: urgent_task.append(asyncio.create_task(webhook())))

            return job

        def urgent(conn: sqlite3.Connection) -> None:
            ran.append(("webhook", db.commits))
            conn.execute("INSERT INTO organizations (id, name) VALUES ('w', 'n')")

        async def webhook() -> None:
            await db.write(urgent, urgent=True)

        await asyncio.gather(*(db.write(background(i)) for i in range(40)))
        await urgent_task[0]
        at = [job for job, _ in ran].index("webhook")
        batch = ran[at][1]
        after_in_batch = [job for job, commits in ran[at + 1 :] if commits == batch]
        assert len(after_in_batch) <= 1
        assert len(await db.fetch_all("SELECT id FROM organizations")) == 41
    finally:
        await db.close()


async def test_a_heavy_job_runs_off_the_event_loop_and_a_failure_rolls_it_back(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:

        def purge(conn: sqlite3.Connection) -> int:
            conn.execute("INSERT INTO organizations (id, name) VALUES ('h', 'n')")
            return threading.get_ident()

        assert await db.write(purge, heavy=True) != threading.get_ident()

        def broken(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO organizations (id, name) VALUES ('x', 'n')")
            raise ValueError("half way")

        with pytest.raises(ValueError):
            await db.write(broken, heavy=True)
        rows = await db.fetch_all("SELECT id FROM organizations")
        assert [tuple(r) for r in rows] == [("h",)]
        # The writer still works after the failure.
        await db.write(
            lambda c: c.execute("INSERT INTO organizations (id, name) VALUES ('y', 'n')")
        )
        assert len(await db.fetch_all("SELECT id FROM organizations")) == 2
    finally:
        await db.close()


async def test_the_writer_outlives_a_lock_held_by_another_process_and_a_failed_commit(tmp_path):
    """Regression: a BEGIN that could not get the lock, or a COMMIT that failed, ended the
    writer for good and every later write waited forever."""
    db = await Database.open(tmp_path / "t.db", busy_timeout_ms=100, keys=TEST_KEYS)
    try:
        other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # e.g. `tobira staff add` in the middle of a write
        waiting = asyncio.ensure_future(
            db.write(lambda c: c.execute("INSERT INTO organizations VALUES ('a', 'n')"))
        )
        await asyncio.sleep(0.5)  # several BEGINs time out meanwhile
        assert not waiting.done()  # still queued, not lost
        other.execute("ROLLBACK")
        await asyncio.wait_for(waiting, 5)
        other.execute("BEGIN IMMEDIATE")  # a heavy job is told, not lost
        with pytest.raises(sqlite3.OperationalError):
            await asyncio.wait_for(db.write(lambda c: None, heavy=True), 5)
        other.execute("ROLLBACK")
        other.close()

        def violates_a_deferred_key(conn: sqlite3.Connection) -> None:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            conn.execute(
                "INSERT INTO conversations (contact_id, opened_at, updated_at)"
                " VALUES (999, 'x', 'x')"
            )  # only the COMMIT finds the missing contact

        with pytest.raises(sqlite3.IntegrityError):
            await db.write(violates_a_deferred_key, heavy=True)
        with pytest.raises(sqlite3.IntegrityError):
            await db.write(violates_a_deferred_key)
        await asyncio.wait_for(
            db.write(lambda c: c.execute("INSERT INTO organizations VALUES ('b', 'n')")), 5
        )
        rows = await db.fetch_all("SELECT id FROM organizations ORDER BY id")
        assert [r[0] for r in rows] == ["a", "b"]
        assert await db.fetch_all("SELECT id FROM conversations") == []
    finally:
        await db.close()
