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

from bot.channels.line_api import LineApi, SendResult
from bot.clock import Clock
from bot.config import LineSettings
from bot.lanes import Lanes
from bot.logs import user_ref
from storage import outbox
from storage.database import Database
from storage.outbox import OutboxRow

log = logging.getLogger("tobira.sender")


class OutboxSender:
    def __init__(
        self, db: Database, clock: Clock, api: LineApi | None, settings: LineSettings
    ) -> None:
        self._db = db
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
        while (row := await outbox.next_open(self._db, contact_id)) is not None:
            await self._deliver(row)

    async def _deliver(self, row: OutboxRow) -> None:
        if not row.reachable:
            await self._db.write(
                lambda c: outbox.cancel_open_for_contact(c, row.contact_id, "contact unreachable")
            )
            return
        attempts = row.attempts
        method = row.method
        while True:
            use_reply = (
                row.reply_token is not None
                and method != "push"
                and row.reply_deadline is not None
                and self._clock.now() < row.reply_deadline
            )
            method = "reply" if use_reply else "push"
            claimed = await self._db.write(
                partial(outbox.claim_for_sending, row_id=row.id, method=method)
            )
            if not claimed:
                return  # cancelled (the person unfollowed): nothing more to send
            attempts += 1
            started = time.perf_counter()
            result = await self._call(row, method)
            self._log(row, method, result, started)
            if result.outcome == "invalid_token":
                if attempts > 1:
                    # An earlier reply attempt's outcome was unknown; the token is now spent,
                    # so that attempt delivered. Pushing too would answer twice.
                    result = SendResult("delivered", "reply token spent by an earlier attempt")
                else:
                    method = "push"
                    continue
            if result.outcome == "delivered":
                now = self._clock.now()
                await self._db.write(
                    partial(
                        outbox.mark_delivered, row_id=row.id, at=now, note=result.detail or None
                    )
                )
                return
            if result.outcome == "give_up" or attempts >= self._settings.max_attempts:
                await self._db.write(
                    partial(outbox.mark_failed, row_id=row.id, error=result.detail)
                )
                log.warning(
                    "message not delivered",
                    extra={"outbox_id": row.id, "reason": result.detail, "attempts": attempts},
                )
                return
            await self._db.write(partial(outbox.mark_retry, row_id=row.id, error=result.detail))
            await asyncio.sleep(self._backoff(attempts))

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
