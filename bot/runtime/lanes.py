"""One serial worker per key, different keys concurrently (aiogram's per-key lock, as tasks).

`kick(key)` starts the key's worker, or asks a running one to look again when it is done, so
a burst of kicks for one person never runs two of their turns at once or loses a wake-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
log = logging.getLogger("tobira.lanes")

_RETRY_FIRST = 1.0  # seconds before a failed lane looks again, doubling up to _RETRY_MAX
_RETRY_MAX = 60.0


class Lanes(Generic[K]):
    def __init__(self, drain: Callable[[K], Awaitable[None]], name: str) -> None:
        self._drain = drain
        self._name = name
        self._running: dict[K, asyncio.Task[None]] = {}
        self._again: set[K] = set()
        self._failures: dict[K, int] = {}
        self._retries: dict[K, asyncio.TimerHandle] = {}
        self._closed = False
        self._idle = asyncio.Event()
        self._idle.set()

    def kick(self, key: K) -> None:
        if self._closed:
            return  # shutting down: what is left waits in the database for the next start
        if key in self._running:
            self._again.add(key)
            return
        self._idle.clear()
        self._running[key] = asyncio.create_task(self._run(key), name=f"{self._name}-lane")

    async def _run(self, key: K) -> None:
        try:
            while True:
                self._again.discard(key)
                try:
                    await self._drain(key)
                    self._failures.pop(key, None)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # What it could not finish stays in the database; look again later
                    # (sooner if something new arrives for this key).
                    log.exception("lane failed", extra={"lane": self._name})
                    self._retry_later(key)
                if key not in self._again:
                    return
        finally:
            self._running.pop(key, None)
            if not self._running:
                self._idle.set()

    def running(self, key: K) -> bool:
        return key in self._running

    def kick_later(self, key: K, delay: float) -> None:
        """Kick the key after `delay` seconds (replacing an earlier such wake-up); a kick
        meanwhile runs it sooner."""
        if self._closed:
            return
        if key in self._retries:
            self._retries[key].cancel()
        self._retries[key] = asyncio.get_running_loop().call_later(delay, self._retry, key)

    def _retry_later(self, key: K) -> None:
        if self._closed:
            return
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        self.kick_later(key, min(_RETRY_FIRST * 2 ** (failures - 1), _RETRY_MAX))

    def _retry(self, key: K) -> None:
        self._retries.pop(key, None)
        self.kick(key)

    @property
    def busy(self) -> int:
        return len(self._running)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def close(self) -> None:
        self._closed = True
        for handle in self._retries.values():
            handle.cancel()
        self._retries.clear()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
