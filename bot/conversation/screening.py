"""The danger detector in a process of its own, so that the main process (webhooks, turns,
the writer) spends its core on I/O and the detector runs on the other one.

Texts asked for while a call is out go together in the next call: under load one pickled
round trip carries dozens of texts, so the hand-off costs the main process far less than
reading them itself. The process is started (and its detector loaded) in the background;
until it is ready, or if it dies or the detector raises there, a text is read here instead,
by the same detector: the verdict is the same, only slower, and the detector's own error is
raised here as before (the turn's fallback answers it).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

# The detector process imports this module: only the detector, nothing of the service.
from bot.safety import Detection, default_detector, detect

if TYPE_CHECKING:
    from bot.delivery.channel import Inbound

log = logging.getLogger("tobira.screening")

_RESTART_PAUSE = 1.0  # seconds between two starts, so a process that cannot start won't spin


def _text(inbound: Inbound) -> str | None:
    """What the detector reads: as `turn.screen`, which reads it in this process."""
    return inbound.text if inbound.kind == "text" and inbound.text else None


_PARENT_CHECK_EVERY = 0.5  # seconds


def _warm(parent: int) -> None:
    # Ctrl-C reaches the whole process group; the main process ends this one itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The pool's queue keeps its pipe open in this process too, so a main process killed
    # (kill -9) would leave this one waiting forever: it leaves once its parent is gone.
    # `parent` is the main process's pid as it started this one: read here, it would be
    # the init process's already when the main process died while this one was starting.
    threading.Thread(target=_leave_with, args=(parent,), daemon=True).start()
    default_detector()


def _leave_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_EVERY)
    os._exit(0)


def _ready() -> int:
    return os.getpid()


def _detect_all(texts: list[str]) -> list[tuple[bool, Detection | None]]:
    """In the detector process: (True, verdict) per text, (False, None) where the detector
    raised (the main process reads that one again and meets the error itself)."""
    results: list[tuple[bool, Detection | None]] = []
    for text in texts:
        try:
            results.append((True, detect(text)))
        except Exception:
            results.append((False, None))
    return results


class Screener:
    """`await screener.screen(inbound)`: `turn.screen(inbound)`, computed in the detector
    process when one is running (`start()`), here otherwise."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._ready = False
        self.pid: int | None = None  # the detector process, once ready (for logs and tests)
        self._last_start = 0.0
        self._waiting: list[tuple[str, asyncio.Future[Detection | None]]] = []
        self._in_flight = False
        self._closed = False

    def start(self) -> None:
        if self._closed or time.monotonic() - self._last_start < _RESTART_PAUSE:
            return
        self._last_start = time.monotonic()
        loop = asyncio.get_running_loop()
        # spawn: a fresh interpreter, not a fork of this one with its threads and sockets.
        self._pool = pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm,
            initargs=(os.getpid(),),
        )
        warmed = pool.submit(_ready)
        warmed.add_done_callback(lambda done: loop.call_soon_threadsafe(self._warmed, pool, done))

    @property
    def ready(self) -> bool:
        return self._ready

    def _warmed(self, pool: ProcessPoolExecutor, done: Future[int]) -> None:
        if pool is not self._pool or self._closed:
            return
        if done.exception() is None:
            self._ready, self.pid = True, done.result()
            log.info("detector process ready", extra={"pid": self.pid})
        else:
            log.error(
                "detector process did not start", extra={"error": type(done.exception()).__name__}
            )
            self._replace()

    async def screen(self, inbound: Inbound) -> Detection | None:
        text = _text(inbound)
        if text is None:
            return None
        if not self._ready:
            return detect(text)
        future: asyncio.Future[Detection | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((text, future))
        if not self._in_flight:
            self._send()
        return await future

    def _send(self) -> None:
        batch, self._waiting = self._waiting, []
        if not batch:
            return
        pool = self._pool
        if pool is None or not self._ready:
            self._here(batch)
            return
        try:
            call = pool.submit(_detect_all, [text for text, _ in batch])
        except RuntimeError:  # broken, or shut down
            self._replace()
            self._here(batch)
            return
        self._in_flight = True
        loop = asyncio.get_running_loop()
        call.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._answered, pool, batch, done)
        )

    def _answered(
        self,
        pool: ProcessPoolExecutor,
        batch: list[tuple[str, asyncio.Future[Detection | None]]],
        done: Future[list[tuple[bool, Detection | None]]],
    ) -> None:
        self._in_flight = False
        error = done.exception()
        if error is not None:
            log.error("detector process failed", extra={"error": type(error).__name__})
            if pool is self._pool:
                self._replace()
            self._here(batch)
        else:
            for (text, future), (ok, verdict) in zip(batch, done.result(), strict=True):
                if future.done():
                    continue  # its lane was cancelled (shutting down)
                if ok:
                    future.set_result(verdict)
                else:
                    self._here([(text, future)])
        self._send()

    @staticmethod
    def _here(batch: list[tuple[str, asyncio.Future[Detection | None]]]) -> None:
        for text, future in batch:
            if future.done():
                continue
            try:
                future.set_result(detect(text))
            except Exception as error:
                future.set_exception(error)

    def _replace(self) -> None:
        """The process died (or never started): read here until a new one is ready."""
        self._ready, self.pid = False, None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        asyncio.get_running_loop().call_later(_RESTART_PAUSE, self.start)

    async def close(self) -> None:
        self._closed = True
        self._ready = False
        self._here(self._waiting)
        self._waiting = []
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
