"""The optional outgoing alert for danger signals (`[safety] alert_webhook_url`).

On every danger signal, once it is committed, a signed POST tells another system (the
window's on-call phone service, a chat of the duty team): ids and the level, never message
text. The body is JSON; `X-Tobira-Signature` is the hex HMAC-SHA256 of the raw body keyed
with `alert_webhook_secret`, so the receiver can refuse anything we did not send. It is a
second path, not the first: the console's live alert does not depend on it, so a failed POST
is retried a few times and logged, not queued for ever.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging

import aiohttp

from bot.runtime.clock import Clock
from bot.runtime.events import Event, EventKind

log = logging.getLogger("tobira.alert_webhook")

_ATTEMPTS = 3
_TIMEOUT = aiohttp.ClientTimeout(total=5)


def signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class AlertWebhook:
    def __init__(self, url: str, secret: str, clock: Clock) -> None:
        self._url = url
        self._secret = secret
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def hear(self, event: Event) -> None:
        """An EventBus subscriber: only danger signals go out."""
        if event.kind != EventKind.DANGER_DETECTED:
            return
        body: dict[str, object] = {
            "event": "danger",
            "conversation_id": event.conversation_id,
            "level": event.level,
            "at": self._clock.now().isoformat(),
        }
        task = asyncio.create_task(self._post(body), name="tobira-alert-webhook")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, body: dict[str, object]) -> None:
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Tobira-Signature": signature(raw, self._secret),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=_TIMEOUT)
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self._session.post(self._url, data=raw, headers=headers) as response:
                    if response.status < 300:
                        return
                    problem = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as error:
                problem = type(error).__name__
            log.warning(
                "alert webhook failed",
                extra={
                    "attempt": attempt,
                    "problem": problem,
                    "conversation": body["conversation_id"],
                },
            )
            await asyncio.sleep(attempt)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        if self._session is not None:
            await self._session.close()
