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


class Lanes(Generic[K]):
    def __init__(self, drain: Callable[[K], Awaitable[None]], name: str) -> None:
        self._drain = drain
        self._name = name
        self._running: dict[K, asyncio.Task[None]] = {}
        self._again: set[K] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def kick(self, key: K) -> None:
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
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # The lane survives; what it could not finish stays in the database.
                    log.exception("lane failed", extra={"lane": self._name})
                if key not in self._again:
                    return
        finally:
            self._running.pop(key, None)
            if not self._running:
                self._idle.set()

    @property
    def busy(self) -> int:
        return len(self._running)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def close(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
