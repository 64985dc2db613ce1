"""The outbox sender: delivers queued rows to LINE, in order per person, exactly once.

Per row: use the event's reply token while it is young (free, single use); otherwise push
with the row's own X-Line-Retry-Key, so a retry after a timeout or 5xx cannot deliver
twice. 429 and 5xx back off and retry; other 4xx give up with the reason kept on the row.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from datetime import datetime
from functools import partial

from bot.channels.line_api import MessagingApi, SendResult, known_unsent
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
        api: MessagingApi | None,
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
        after_id, delivered = 0, None
        try:
            while True:
                async with self._priority.background("send"):
                    # One writer job records the last row's delivery and claims the next: the
                    # claim must be committed before the call (a crash after it leaves a
                    # row that was tried, which never switches from reply to push).
                    claim = await self._db.write(
                        partial(
                            self._claim_next,
                            contact_id=contact_id,
                            after_id=after_id,
                            delivered=delivered,
                            now=self._clock.now(),
                        )
                    )
                    delivered = None
                    if claim is None:
                        return
                    row, method = claim
                    retry_after, delivered = await self._attempt(row, method)
                if retry_after:
                    await asyncio.sleep(retry_after)
                else:
                    after_id = row.id
        finally:
            if delivered is not None:
                # Closing mid-lane: record what went out. If even this is lost, the row is
                # tried again and LINE deduplicates (a spent reply token, a known retry key).
                await self._db.write(lambda conn: outbox.mark_delivered(conn, *delivered))

    def _claim_next(
        self,
        conn: sqlite3.Connection,
        *,
        contact_id: int,
        delivered: tuple[int, datetime, str | None] | None,
        after_id: int,
        now: datetime,
    ) -> tuple[OutboxRow, str] | None:
        """Runs on the writer: mark the last row delivered, then claim the contact's next."""
        if delivered is not None:
            outbox.mark_delivered(conn, *delivered)
        row = outbox.next_open(conn, contact_id, after_id)
        if row is None:
            return None
        if not row.reachable:
            outbox.cancel_open_for_contact(conn, contact_id, "contact unreachable")
            return None
        method = self._method(row, row.method, row.attempts, now)
        outbox.claim_for_sending(conn, row.id, method)
        return row, method

    async def _attempt(
        self, row: OutboxRow, method: str
    ) -> tuple[float | None, tuple[int, datetime, str | None] | None]:
        """One try at a claimed row: (seconds before the next try if one is due, the row's
        delivery to record)."""
        attempts = row.attempts + 1
        # Read before this attempt's claim: no earlier attempt can have reached LINE (none,
        # or each refused before sending, like a 429). A timeout, a 5xx or a crash leave it
        # unknown for good.
        unsent_before = not row.maybe_sent
        while True:
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
            # The token expired early at LINE and nothing was sent: push instead.
            method = "push"
            claimed = await self._db.write(
                partial(outbox.claim_for_sending, row_id=row.id, method=method)
            )
            if not claimed:
                return None, None  # cancelled (the person unfollowed): nothing more to send
            attempts += 1
        if result.outcome == "delivered":
            return None, (row.id, self._clock.now(), result.detail or None)
        if result.outcome == "give_up" or attempts >= self._settings.max_attempts:
            await self._db.write(partial(outbox.mark_failed, row_id=row.id, error=result.detail))
            log.warning(
                "message not delivered",
                extra={"outbox_id": row.id, "reason": result.detail, "attempts": attempts},
            )
            return None, None
        maybe_sent = not (unsent_before and known_unsent(result.detail))
        await self._db.write(
            partial(outbox.mark_retry, row_id=row.id, error=result.detail, maybe_sent=maybe_sent)
        )
        return self._backoff(attempts), None

    def _method(self, row: OutboxRow, method: str | None, attempts: int, now: datetime) -> str:
        """Reply while the token is young; once a reply was tried, only the token can tell
        whether it went through, so never switch that row to push (it could answer twice)."""
        if row.reply_token is None or method == "push":
            return "push"
        if method == "reply" and attempts > 0:
            return "reply"
        young = row.reply_deadline is not None and now < row.reply_deadline
        return "reply" if young else "push"

    async def _call(self, row: OutboxRow, method: str) -> SendResult:
        assert self._api is not None
        if method == "reply":
            assert row.reply_token is not None
            return await self._api.reply(row.reply_token, row.messages_json)
        return await self._api.push(row.platform_user_id, row.messages_json, row.retry_key)

    def _backoff(self, attempts: int) -> float:
        base = self._settings.retry_base.total_seconds()
        return min(base * 2 ** (attempts - 1), self._settings.retry_max.total_seconds())

    def _log(self, row: OutboxRow, method: str, result: SendResult, started: float) -> None:
        # A reply that went out is routine; pushes (which LINE counts) and trouble are not.
        level = (
            logging.DEBUG if result.outcome == "delivered" and method == "reply" else logging.INFO
        )
        if not log.isEnabledFor(level):
            return
        log.log(
            level,
            "line call",
            extra={
                "outbox_id": row.id,
                "user": user_ref(row.platform_user_id),
                "method": method,
                "outcome": result.outcome,
                "detail": result.detail or None,
                "messages": len(json.loads(row.messages_json)),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
