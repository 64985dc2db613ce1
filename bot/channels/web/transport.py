"""The web chat's transport: delivering is making the message available to the page (it
has no reply tokens: every row is a "push").

The outbox row already holds what the page shows (the row is the delivery record), so a
"push" only rings the visitor's doorbell: every open page of that visitor wakes and reads
the rows it has not shown yet. Nothing is lost when no page is open: the rows wait in the
database and the page reads them when it comes back.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from bot.delivery.channel import SendResult


class Doorbell:
    """Per visitor (the contact's platform id), the events of the pages waiting for news."""

    def __init__(self) -> None:
        self._waiting: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        self.closed = False

    def listen(self, address: str) -> asyncio.Event:
        bell = asyncio.Event()
        if self.closed:
            bell.set()
        self._waiting[address].add(bell)
        return bell

    def leave(self, address: str, bell: asyncio.Event) -> None:
        bells = self._waiting.get(address)
        if bells is not None:
            bells.discard(bell)
            if not bells:
                del self._waiting[address]

    def ring(self, address: str) -> None:
        for bell in self._waiting.get(address, ()):
            bell.set()

    def close(self) -> None:
        """The service stops: every stream ends."""
        self.closed = True
        for bells in self._waiting.values():
            for bell in bells:
                bell.set()


class WebTransport:
    def __init__(self, doorbell: Doorbell) -> None:
        self._doorbell = doorbell

    async def push(self, address: str, payload: str, retry_key: str) -> SendResult:
        # The row is claimed (committed as "sending") before this call, so the page that
        # wakes now finds it; a retry of the same row is the same row id, shown once.
        self._doorbell.ring(address)
        return SendResult("delivered")

    async def close(self) -> None:
        pass
