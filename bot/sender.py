"""The outbox sender: delivers queued rows to LINE, in order per person, exactly once.

Per row: use the event's reply token while it is young (free, single use); otherwise push
with the row's own X-Line-Retry-Key, so a retry after a timeout or 5xx cannot deliver
twice. 429 and 5xx back off and retry; other 4xx give up with the reason kept on the row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial

from bot.channels.line_api import RATE_LIMITED, LineApi, SendResult
from bot.clock import Clock
from bot.config import LineSettings
from bot.lanes import Lanes
from bot.logs import user_ref
from bot.priority import Priority
from storage import outbox
from storage.database import Database
from storage.outbox import OutboxRow

log = logging.getLogger("tobira.sender")


class OutboxSender:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        api: LineApi | None,
        settings: LineSettings,
        priority: Priority,
    ) -> None:
        self._db = db
        self._priority = priority
        self._clock = clock
        self._api = api
        self._settings = settings
        self.lanes: Lanes[int] = Lanes(self._drain, "outbox")

    def kick(self, contact_id: int) -> None:
        if self._api is not None:
            self.lanes.kick(contact_id)

    async def recover(self) -> None:
        """Rows left pending or half-sent by a previous process are sent now."""
        for contact_id in await outbox.contacts_with_open_rows(self._db):
            self.kick(contact_id)

    async def close(self) -> None:
        await self.lanes.close()

    async def _drain(self, contact_id: int) -> None:
        # A row's final mark is written without waiting for it: if it is lost in a crash the
        # row is tried again, and LINE deduplicates (a spent reply token, a known retry key).
        # `done_up_to` keeps this lane from reading the row again before the mark commits.
        done_up_to = 0
        marks: list[asyncio.Future[object]] = []
        try:
            while True:
                async with self._priority.background("send"):
                    row = await outbox.next_open(self._db, contact_id, done_up_to)
                    if row is None:
                        return
                    retry_after, mark = await self._attempt(row)
                if mark is not None:
                    marks.append(mark)
                if retry_after:
                    await asyncio.sleep(retry_after)
                else:
                    done_up_to = row.id
        finally:
            await asyncio.gather(*marks)

    async def _attempt(self, row: OutboxRow) -> tuple[float | None, asyncio.Future[object] | None]:
        """One try at a row: (seconds before the next try if one is due, the final mark)."""
        if not row.reachable:
            await self._db.write(
                partial(
                    outbox.cancel_open_for_contact,
                    contact_id=row.contact_id,
                    reason="contact unreachable",
                )
            )
            return None, None
        attempts, method = row.attempts, row.method
        # 429 means LINE sent nothing; a timeout, a 5xx or a crash leave it unknown.
        unsent_before = attempts == 0 or (row.last_error or "").startswith(RATE_LIMITED)
        while True:
            method = self._method(row, method, attempts)
            claimed = await self._db.write(
                partial(outbox.claim_for_sending, row_id=row.id, method=method)
            )
            if not claimed:
                return None, None  # cancelled (the person unfollowed): nothing more to send
            attempts += 1
            started = time.perf_counter()
            result = await self._call(row, method)
            self._log(row, method, result, started)
            if result.outcome != "invalid_token":
                break
            if not unsent_before:
                # An earlier reply may have gone through and spent the token. Pushing now
                # could answer twice; a spent single-use token is our receipt.
                result = SendResult("delivered", "reply token spent by an earlier attempt")
                break
            method = "push"  # the token expired early at LINE and nothing was sent: push
        if result.outcome == "delivered":
            mark = asyncio.ensure_future(
                self._db.write(
                    partial(
                        outbox.mark_delivered,
                        row_id=row.id,
                        at=self._clock.now(),
                        note=result.detail or None,
                    )
                )
            )
            return None, mark
        if result.outcome == "give_up" or attempts >= self._settings.max_attempts:
            await self._db.write(partial(outbox.mark_failed, row_id=row.id, error=result.detail))
            log.warning(
                "message not delivered",
                extra={"outbox_id": row.id, "reason": result.detail, "attempts": attempts},
            )
            return None, None
        await self._db.write(partial(outbox.mark_retry, row_id=row.id, error=result.detail))
        return self._backoff(attempts), None

    def _method(self, row: OutboxRow, method: str | None, attempts: int) -> str:
        """Reply while the token is young; once a reply was tried, only the token can tell
        whether it went through, so never switch that row to push (it could answer twice)."""
        if row.reply_token is None or method == "push":
            return "push"
        if method == "reply" and attempts > 0:
            return "reply"
        young = row.reply_deadline is not None and self._clock.now() < row.reply_deadline
        return "reply" if young else "push"

    async def _call(self, row: OutboxRow, method: str) -> SendResult:
        assert self._api is not None
        if method == "reply":
            assert row.reply_token is not None
            return await self._api.reply(row.reply_token, row.messages)
        return await self._api.push(row.platform_user_id, row.messages, row.retry_key)

    def _backoff(self, attempts: int) -> float:
        base = self._settings.retry_base.total_seconds()
        return min(base * 2 ** (attempts - 1), self._settings.retry_max.total_seconds())

    def _log(self, row: OutboxRow, method: str, result: SendResult, started: float) -> None:
        log.info(
            "line call",
            extra={
                "outbox_id": row.id,
                "user": user_ref(row.platform_user_id),
                "method": method,
                "outcome": result.outcome,
                "detail": result.detail or None,
                "messages": len(row.messages),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
