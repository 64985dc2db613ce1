"""The SQLite database: one writer thread that batches commits, and an aiosqlite reader.

Every write is a small synchronous function run on the writer's own connection. Jobs that
arrive while a batch is being written wait and go together into the next transaction, so
32 webhooks arriving at once cost one commit, not 32. Each job runs inside its own SAVEPOINT:
one failing job is rolled back alone and its caller gets the exception.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.migrate import migrate

log = logging.getLogger("tobira.database")

T = TypeVar("T")
WriteJob = Callable[[sqlite3.Connection], T]

_MAX_BATCH = 512
# Background jobs per batch while webhooks wait, so that their commit never waits behind a
# long batch; more when none are waiting.
_MAX_BACKGROUND_PER_BATCH = 4
_MAX_BACKGROUND_QUIET = 8


@dataclass
class _Pending:
    job: WriteJob[Any]
    future: asyncio.Future[Any]


_CHECKPOINT_EVERY = 1.0  # seconds


def _configure(conn: sqlite3.Connection, synchronous: str) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    # Checkpoints copy the WAL into the database file and fsync it: tens of milliseconds that
    # would land on whichever commit crossed the threshold, often a webhook's. A separate
    # connection and thread checkpoints instead (PASSIVE: never blocks the writer).
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute(f"PRAGMA synchronous = {synchronous}")


class Database:
    """Open with `await Database.open(path)`, close with `await db.close()`."""

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        self.path = path
        self._synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tobira-writer")
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tobira-ckpt")
        self._checkpoint_task: asyncio.Task[None] | None = None
        self._writer: sqlite3.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._urgent: list[_Pending] = []
        self._queue: list[_Pending] = []
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self.commits = 0

    @classmethod
    async def open(cls, path: Path | str, synchronous: str = "FULL") -> Database:
        db = cls(Path(path), synchronous)
        db.path.parent.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(db._executor, db._open_writer)
        db._reader = await aiosqlite.connect(db.path)
        db._reader.row_factory = aiosqlite.Row
        await db._reader.execute("PRAGMA foreign_keys = ON")
        await db._reader.execute("PRAGMA busy_timeout = 5000")
        db._loop_task = asyncio.create_task(db._write_loop(), name="tobira-db-writer")
        db._checkpoint_task = asyncio.create_task(db._checkpoint_loop(), name="tobira-db-ckpt")
        return db

    async def _checkpoint_loop(self) -> None:
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(
            self._checkpointer,
            lambda: sqlite3.connect(self.path, isolation_level=None, check_same_thread=False),
        )
        try:
            while True:
                await asyncio.sleep(_CHECKPOINT_EVERY)
                try:
                    await loop.run_in_executor(
                        self._checkpointer, conn.execute, "PRAGMA wal_checkpoint(PASSIVE)"
                    )
                except sqlite3.Error:
                    # With auto-checkpoints off, a dead loop would let the WAL grow forever.
                    log.exception("checkpoint failed; trying again")
        finally:
            await asyncio.shield(loop.run_in_executor(self._checkpointer, conn.close))

    def _open_writer(self) -> None:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        _configure(conn, self._synchronous)
        migrate(conn)
        self._writer = conn

    async def close(self) -> None:
        if self._checkpoint_task is not None:
            self._checkpoint_task.cancel()
            try:
                await self._checkpoint_task
            except asyncio.CancelledError:
                pass
        if self._loop_task is not None:
            self._loop_task.cancel()
            try:
                await self._loop_task
            except asyncio.CancelledError:
                pass
        for pending in [*self._urgent, *self._queue]:
            if not pending.future.done():
                pending.future.set_exception(RuntimeError("database closed"))
        if self._reader is not None:
            await self._reader.close()
        if self._writer is not None:
            writer = self._writer
            await asyncio.get_running_loop().run_in_executor(self._executor, writer.close)
        self._executor.shutdown(wait=True)
        self._checkpointer.shutdown(wait=True)

    # -- writes -------------------------------------------------------------------------

    async def write(self, job: WriteJob[T], *, urgent: bool = False) -> T:
        """Run `job(conn)` in the next committed batch and return its result.

        Urgent jobs (a webhook waiting to answer its platform) go into the next batch first.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._queue).append(_Pending(job, future))
        self._wake.set()
        return await future

    def _next_batch(self) -> list[_Pending]:
        batch = self._urgent[:_MAX_BATCH]
        del self._urgent[: len(batch)]
        share = _MAX_BACKGROUND_PER_BATCH if batch else _MAX_BACKGROUND_QUIET
        room = min(share, _MAX_BATCH - len(batch))
        batch += self._queue[:room]
        del self._queue[:room]
        if not (self._urgent or self._queue):
            self._wake.clear()
        return batch

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            batch = self._next_batch()
            try:
                outcomes = await loop.run_in_executor(self._executor, self._run_batch, batch)
            except Exception as exc:  # the COMMIT itself failed: nobody's write landed
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                continue
            self.commits += 1
            for pending, (ok, value) in zip(batch, outcomes, strict=True):
                if pending.future.done():
                    continue
                if ok:
                    pending.future.set_result(value)
                else:
                    pending.future.set_exception(value)

    def _run_batch(self, batch: list[_Pending]) -> list[tuple[bool, Any]]:
        conn = self._writer
        assert conn is not None
        outcomes: list[tuple[bool, Any]] = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            for pending in batch:
                conn.execute("SAVEPOINT job")
                try:
                    outcomes.append((True, pending.job(conn)))
                    conn.execute("RELEASE job")
                except Exception as exc:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((False, exc))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes

    # -- reads --------------------------------------------------------------------------

    async def fetch_all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list:
        # One call on the reader's thread: execute, fetch, close. A cursor left open between
        # awaits would keep SQLite's read transaction (an old WAL snapshot) alive for every
        # other coroutine sharing this connection, and they would read stale rows.
        assert self._reader is not None
        return list(await self._reader.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()):
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def ping(self) -> bool:
        row = await self.fetch_one("SELECT 1")
        return row is not None and row[0] == 1

    async def backup(self, target: Path) -> None:
        """SQLite's online backup: consistent even while the service writes."""
        assert self._reader is not None
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as destination:
            await self._reader.backup(destination)
