"""The SQLite database: one writer connection that batches commits, and an aiosqlite reader.

Every write is a small synchronous function run on the writer's own connection. Jobs that
arrive while a batch is being committed wait and go together into the next transaction, so
32 webhooks arriving at once cost one commit, not 32. Each job runs inside its own SAVEPOINT:
one failing job is rolled back alone and its caller gets the exception. Jobs run on the event
loop; the commit's fsync runs on the writer thread, so the loop keeps serving meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.migrate import migrate
from storage.sealing import Keyring, MasterKeys
from storage.sealing import connect as sealing_connect
from storage.sealing.backfill import hash_web_visitors, seal_clear_values
from storage.tx import Tx

log = logging.getLogger("tobira.database")

T = TypeVar("T")
WriteJob = Callable[[sqlite3.Connection], T]

_MAX_BATCH = 512
# A webhook's job is committed after at most this much more work joined its batch.
_URGENT_COMMIT_WITHIN = 0.002  # seconds
# Of which background work (turns, sends) may fill only this much: past it, only other
# webhooks join, and the turns wait for the next batch. Filling the whole window with turns
# put ~2 ms of them, and their pages, before every webhook's fsync while a backlog drained.
_BACKGROUND_WITH_URGENT = 0.001  # seconds
# Work between two chances for the event loop to take in new requests.
_SLICE = 0.001  # seconds
_RETRY_PAUSE = 0.1  # seconds after a failed batch before the writer tries again


@dataclass
class _Pending:
    job: WriteJob[Any]
    future: asyncio.Future[Any]


def _fail(done: list[tuple[_Pending, bool, Any]], error: BaseException) -> None:
    """Nothing of this batch landed, whatever each job returned."""
    for pending, _, _ in done:
        _resolve(pending, False, error)


def _resolve(pending: _Pending, ok: bool, value: Any) -> None:
    if pending.future.done():
        return  # the caller gave up waiting
    if ok:
        pending.future.set_result(value)
    else:
        pending.future.set_exception(value)


_CHECKPOINT_EVERY = 1.0  # seconds


def _configure(conn: sqlite3.Connection, synchronous: str, busy_timeout_ms: int) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    # Checkpoints copy the WAL into the database file and fsync it: tens of milliseconds that
    # would land on whichever commit crossed the threshold, often a webhook's. A separate
    # connection and thread checkpoints instead (PASSIVE: never blocks the writer).
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted rows are zeroed in their pages, so an erased person's data (and wrapped data
    # key) does not linger in free space; SQLite's default in Debian, but not everywhere.
    # Always, not only while erasing: copies left by earlier page splits survive otherwise.
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute(f"PRAGMA synchronous = {synchronous}")


@contextmanager
def savepoint(conn: Tx, name: str) -> Iterator[None]:
    """A block inside the current transaction that lands whole or not at all."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        keyring = getattr(conn, "keyring", None)
        if keyring is not None:
            keyring.rolled_back()  # a data key made inside is gone with the rows
        raise
    conn.execute(f"RELEASE {name}")


class Database:
    """Open with `await Database.open(path, keys=...)`, close with `await db.close()`."""

    def __init__(
        self,
        path: Path,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 5000,
        *,
        keys: MasterKeys,
        keyring: Keyring | None = None,
    ) -> None:
        # Seals and opens what people write; carried by the writer and reader connections.
        self.keyring = Keyring(keys) if keyring is None else keyring
        # How long a write waits for another process's lock (a `tobira staff` command).
        self._busy_timeout_ms = busy_timeout_ms
        self.path = path
        self._synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tobira-writer")
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tobira-ckpt")
        self._checkpoint_task: asyncio.Task[None] | None = None
        self._writer: sqlite3.Connection | None = None
        # Repository readers (sync functions of a Tx) run here, off the event loop, each in
        # its own read transaction: one consistent snapshot per call.
        self._read_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tobira-read")
        self._read_conn: sqlite3.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._urgent: list[_Pending] = []
        self._queue: list[_Pending] = []
        self._heavy: list[_Pending] = []
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self.commits = 0

    @classmethod
    async def open(
        cls,
        path: Path | str,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 5000,
        *,
        keys: MasterKeys,
        keyring: Keyring | None = None,
    ) -> Database:
        """Raises MasterKeyError (one sentence) when `keys` do not open this database.
        `keyring`: one of the caller's instead of `Keyring(keys)`; only the benchmark that
        measures what sealing costs passes one (benchmarks/sealing.py). The keys are
        required all the same, so nothing can open a database unsealed by leaving them out."""
        db = cls(Path(path), synchronous, busy_timeout_ms, keys=keys, keyring=keyring)
        db.path.parent.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(db._executor, db._open_writer)
        except BaseException:
            for pool in (db._executor, db._read_executor, db._checkpointer):
                pool.shutdown(wait=False)
            raise
        await loop.run_in_executor(db._read_executor, db._open_read_conn)
        db._reader = await aiosqlite.connect(db.path)
        db._reader.row_factory = aiosqlite.Row
        await db._reader.execute("PRAGMA foreign_keys = ON")
        await db._reader.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
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
        conn = sealing_connect(
            self.path, self.keyring, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        _configure(conn, self._synchronous, self._busy_timeout_ms)
        migrate(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            self.keyring.prepare(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        try:
            # What older versions wrote in clear, sealed before anything else writes.
            seal_clear_values(conn, self.keyring)
            hash_web_visitors(conn, self.keyring)
            self.keyring.committed()
        except BaseException:
            conn.close()
            raise
        self._writer = conn

    def _open_read_conn(self) -> None:
        conn = sealing_connect(
            self.path, self.keyring, reads_only=True, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        self._read_conn = conn

    async def close(self) -> None:
        for task in (self._checkpoint_task, self._loop_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for pending in [*self._urgent, *self._queue, *self._heavy]:
            if not pending.future.done():
                pending.future.set_exception(RuntimeError("database closed"))
        if self._reader is not None:
            await self._reader.close()
        if self._writer is not None:
            writer = self._writer
            await asyncio.get_running_loop().run_in_executor(self._executor, writer.close)
        if self._read_conn is not None:
            read_conn = self._read_conn
            await asyncio.get_running_loop().run_in_executor(self._read_executor, read_conn.close)
        self._executor.shutdown(wait=True)
        self._read_executor.shutdown(wait=True)
        self._checkpointer.shutdown(wait=True)

    # -- writes -------------------------------------------------------------------------

    async def write(self, job: WriteJob[T], *, urgent: bool = False, heavy: bool = False) -> T:
        """Run `job(conn)` in the next committed batch and return its result.

        Urgent jobs (a webhook waiting to answer its platform) are taken first and committed
        soon. Heavy jobs (a retention purge) run alone on the writer thread, so that they
        never hold the event loop.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._heavy if heavy else self._queue
        queue.append(_Pending(job, future))
        self._wake.set()
        return await future

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            try:
                if self._urgent or self._queue:
                    await self._batch_on_loop(loop)
                elif self._heavy:
                    await self._run_heavy(loop, self._heavy.pop(0))
            except Exception:
                # BEGIN could not get the lock (another process held it past busy_timeout),
                # or the disk failed. The writer must outlive it: jobs not yet taken stay
                # queued and are tried again.
                log.exception("write batch failed; trying again")
                await loop.run_in_executor(self._executor, self._rollback_if_open)
                await asyncio.sleep(_RETRY_PAUSE)
            if not (self._urgent or self._queue or self._heavy):
                self._wake.clear()

    async def _batch_on_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Jobs run right here on the event loop, inside one transaction; only BEGIN (which
        may wait for another process's lock) and COMMIT (the fsync) go to the writer thread.
        Jobs are short and the GIL would serialise them anyway; running them on a thread
        only added a hand-off per job and made both threads fight over the GIL."""
        conn = self._writer
        assert conn is not None
        await loop.run_in_executor(self._executor, conn.execute, "BEGIN IMMEDIATE")
        done: list[tuple[_Pending, bool, Any]] = []
        try:
            await self._run_jobs(conn, done)
        except asyncio.CancelledError:  # closing between two jobs: nothing was committed
            _fail(done, RuntimeError("database closed"))
            self._executor.submit(self._rollback_if_open)
            raise
        except Exception as exc:  # SQLite rolled the whole transaction back (disk full...)
            _fail(done, exc)
            await loop.run_in_executor(self._executor, self._rollback_if_open)
            raise
        commit = loop.run_in_executor(self._executor, conn.execute, "COMMIT")
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError:
            # Closing while the COMMIT runs on the thread: tell each caller how it ended.
            try:
                await commit
            except Exception as exc:
                _fail(done, exc)
                self._executor.submit(self._rollback_if_open)
            else:
                self._settle_batch(done)
            raise
        except Exception as exc:  # the COMMIT failed: nobody's write in this batch landed
            _fail(done, exc)
            await loop.run_in_executor(self._executor, self._rollback_if_open)
            raise
        self._settle_batch(done)

    async def _run_jobs(
        self, conn: sqlite3.Connection, done: list[tuple[_Pending, bool, Any]]
    ) -> None:
        slice_started = time.perf_counter()
        urgent_at: float | None = None
        while len(done) < _MAX_BATCH:
            if self._urgent:
                pending = self._urgent.pop(0)
                urgent_at = urgent_at or time.perf_counter()
            elif self._queue and (
                urgent_at is None or time.perf_counter() - urgent_at < _BACKGROUND_WITH_URGENT
            ):
                pending = self._queue.pop(0)
            else:
                return
            try:
                with savepoint(conn, "job"):
                    done.append((pending, True, pending.job(conn)))
            except Exception as exc:
                done.append((pending, False, exc))
                self.keyring.rolled_back()  # its savepoint took the keys it made
            if not conn.in_transaction:
                # Some errors (a full disk) make SQLite roll back the whole transaction, the
                # jobs before this one included: none of them may be reported as written.
                raise sqlite3.OperationalError("SQLite rolled the transaction back")
            now = time.perf_counter()
            if urgent_at is not None and now - urgent_at > _URGENT_COMMIT_WITHIN:
                return  # a webhook is waiting for this commit
            if now - slice_started > _SLICE:
                # Let webhooks in: their jobs join this transaction, urgent first.
                await asyncio.sleep(0)
                slice_started = time.perf_counter()

    def _settle_batch(self, done: list[tuple[_Pending, bool, Any]]) -> None:
        self.keyring.committed()
        self.commits += 1
        for pending, ok, value in done:
            _resolve(pending, ok, value)

    async def _run_heavy(self, loop: asyncio.AbstractEventLoop, pending: _Pending) -> None:
        work = loop.run_in_executor(self._executor, self._run_alone, pending)
        try:
            ok, value = await asyncio.shield(work)
        except asyncio.CancelledError:
            ok, value = await work  # closing: it ends on the thread all the same
            _resolve(pending, ok, value)
            raise
        if ok:
            self.commits += 1
        _resolve(pending, ok, value)

    def _run_alone(self, pending: _Pending) -> tuple[bool, Any]:
        """Runs on the writer thread; the job's outcome, never an exception."""
        conn = self._writer
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
            value = pending.job(conn)
            conn.execute("COMMIT")
            self.keyring.committed()
        except Exception as exc:
            self._rollback_if_open()
            return False, exc
        except BaseException:
            self._rollback_if_open()
            raise
        return True, value

    def _rollback_if_open(self) -> None:
        conn = self._writer
        if conn is not None and conn.in_transaction:
            conn.execute("ROLLBACK")
        self.keyring.rolled_back()  # SQLite may have rolled back by itself (a full disk)

    # -- reads --------------------------------------------------------------------------

    async def read(self, reader: Callable[..., T], *args: Any) -> T:
        """`reader(conn, *args)` on the read connection: a repository reader, outside any
        write, in one read transaction (a consistent snapshot for several statements)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._read_executor, self._read_in_snapshot, reader, args)

    def _read_in_snapshot(self, reader: Callable[..., T], args: tuple[Any, ...]) -> T:
        conn = self._read_conn
        assert conn is not None
        conn.execute("BEGIN")
        try:
            return reader(conn, *args)
        finally:
            conn.execute("ROLLBACK")  # nothing to keep: it only read

    async def fetch_all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Any]:
        # One call on the reader's thread: execute, fetch, close. A cursor left open between
        # awaits would keep SQLite's read transaction (an old WAL snapshot) alive for every
        # other coroutine sharing this connection, and they would read stale rows.
        assert self._reader is not None
        return list(await self._reader.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
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
