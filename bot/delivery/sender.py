"""The outbox sender: delivers queued rows through their channel's transport, in order per
person, exactly once.

Per row: use the event's reply token while it is young (free, single use); otherwise push
with the row's own retry key, so a retry after a timeout or 5xx cannot deliver twice.
Retryable failures back off by the channel's own retry policy; the others give up with the
reason kept on the row. A channel without a transport (not configured) leaves its rows
waiting in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial

from bot.delivery.channel import (
    Channels,
    PushQuota,
    QuotaReader,
    ReadMarker,
    SendResult,
    Transport,
    TypingShower,
    known_unsent,
)
from bot.runtime.clock import Clock
from bot.runtime.events import Event, EventKind
from bot.runtime.lanes import Lanes
from bot.runtime.logs import user_ref
from bot.runtime.priority import Priority
from storage import alerts, claims, conversations, outbox
from storage.database import Database
from storage.outbox import OutboxRow
from storage.statuses import AlertKind
from storage.tx import Tx

log = logging.getLogger("tobira.sender")

# (outbox id, when, note, conversation id)
Delivered = tuple[int, datetime, str | None, int | None]


class OutboxSender:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        channels: Channels,
        transports: Mapping[str, Transport],
        priority: Priority,
        publish: Callable[[list[Event]], None],
    ) -> None:
        self._db = db
        self._priority = priority
        self._clock = clock
        self._channels = channels
        self._transports = transports
        self._publish = publish
        self.lanes: Lanes[int] = Lanes(self._drain, "outbox")

    def kick(self, contact_id: int) -> None:
        if self._transports:
            self.lanes.kick(contact_id)

    async def recover(self) -> None:
        """Rows left pending or half-sent by a previous process are sent now."""
        for contact_id in await self._db.read(outbox.contacts_with_open_rows):
            self.kick(contact_id)

    async def close(self) -> None:
        await self.lanes.close()

    async def mark_read(self, channel: str, read_token: str) -> SendResult | None:
        """Tell the platform a person read the client's messages; None when the channel
        cannot (or is not configured to send at all)."""
        # Optional: only some transports can (checked at run time, not by their type).
        transport: object = self._transports.get(channel)
        if not isinstance(transport, ReadMarker):
            return None
        return await transport.mark_read(read_token)

    async def show_typing(self, channel: str, address: str, seconds: int) -> SendResult | None:
        """Show the client that their counselor is writing; None when the channel cannot."""
        transport: object = self._transports.get(channel)
        if not isinstance(transport, TypingShower):
            return None
        return await transport.show_typing(address, seconds)

    async def push_quota(self, channel: str) -> PushQuota | None:
        """The month's pushes on a channel that counts them; None when it does not.
        Raises QuotaUnknown when the platform did not answer."""
        transport: object = self._transports.get(channel)
        if not isinstance(transport, QuotaReader):
            return None
        return await transport.push_quota()

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
                    if delivered is not None:
                        self._sent(delivered)
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
                # tried again and the platform deduplicates (a spent reply token, a known
                # retry key).
                await self._db.write(lambda conn: outbox.mark_delivered(conn, *delivered[:3]))

    def _sent(self, delivered: Delivered) -> None:
        outbox_id, _, _, conversation_id = delivered
        self._publish([Event(EventKind.MESSAGE_SENT, conversation_id, outbox_id=outbox_id)])

    def _claim_next(
        self,
        conn: Tx,
        *,
        contact_id: int,
        delivered: Delivered | None,
        after_id: int,
        now: datetime,
    ) -> tuple[OutboxRow, str] | None:
        """Runs on the writer: mark the last row delivered, then claim the contact's next."""
        if delivered is not None:
            outbox.mark_delivered(conn, *delivered[:3])
        row = claims.next_outbox_row(conn, contact_id, after_id)
        if row is None or row.channel not in self._transports:
            return None
        if not row.reachable:
            outbox.cancel_open_for_contact(conn, contact_id, "contact unreachable")
            return None
        method = self._method(row, row.method, row.attempts, now)
        claims.claim_outbox_row(conn, row.id, method)
        return row, method

    async def _attempt(self, row: OutboxRow, method: str) -> tuple[float | None, Delivered | None]:
        """One try at a claimed row: (seconds before the next try if one is due, the row's
        delivery to record)."""
        attempts = row.attempts + 1
        retry = self._channels[row.channel].retry
        # Read before this attempt's claim: no earlier attempt can have reached the platform
        # (none, or each refused before sending, like a 429). A timeout, a 5xx or a crash
        # leave it unknown for good.
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
            # The token expired early at the platform and nothing was sent: push instead.
            method = "push"
            claimed = await self._db.write(
                partial(claims.claim_outbox_row, row_id=row.id, method=method)
            )
            if not claimed:
                return None, None  # cancelled (the person unfollowed): nothing more to send
            attempts += 1
        if result.outcome == "delivered":
            return None, (row.id, self._clock.now(), result.detail or None, row.conversation_id)
        if result.outcome == "give_up" or attempts >= retry.max_attempts:
            alert_id = await self._db.write(
                partial(_give_up, row=row, error=result.detail, now=self._clock.now())
            )
            log.warning(
                "message not delivered",
                extra={"outbox_id": row.id, "reason": result.detail, "attempts": attempts},
            )
            events = [Event(EventKind.MESSAGE_FAILED, row.conversation_id, outbox_id=row.id)]
            if alert_id is not None:
                events.append(
                    Event(
                        EventKind.ALERT_RAISED,
                        row.conversation_id,
                        alert_id=alert_id[0],
                        staff_id=alert_id[1],
                    )
                )
            self._publish(events)
            return None, None
        maybe_sent = not (unsent_before and known_unsent(result.detail))
        await self._db.write(
            partial(outbox.mark_retry, row_id=row.id, error=result.detail, maybe_sent=maybe_sent)
        )
        return retry.backoff(attempts), None

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
        transport = self._transports[row.channel]
        if method == "reply":
            assert row.reply_token is not None
            return await transport.reply(row.reply_token, row.payload)
        return await transport.push(row.platform_user_id, row.payload, row.retry_key)

    def _log(self, row: OutboxRow, method: str, result: SendResult, started: float) -> None:
        # A reply that went out is routine; pushes (which LINE counts) and trouble are not.
        level = (
            logging.DEBUG if result.outcome == "delivered" and method == "reply" else logging.INFO
        )
        if not log.isEnabledFor(level):
            return
        log.log(
            level,
            "send",
            extra={
                "outbox_id": row.id,
                "channel": row.channel,
                "user": user_ref(row.platform_user_id),
                "method": method,
                "outcome": result.outcome,
                "detail": result.detail or None,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )


def _give_up(conn: Tx, row: OutboxRow, error: str, now: datetime) -> tuple[int, int | None] | None:
    """Mark the row failed and alert the conversation's counselor (or whoever is on duty):
    someone must know the client did not get it. Returns (alert id, staff id)."""
    outbox.mark_failed(conn, row.id, error)
    if row.conversation_id is None:
        return None
    conversation = conversations.get(conn, row.conversation_id)
    if conversation is None:
        return None
    staff_id = conversation.counselor_id
    alert_id = alerts.add(
        conn,
        staff_id=staff_id,
        conversation_id=conversation.id,
        kind=AlertKind.DELIVERY_FAILED,
        at=now,
    )
    return alert_id, staff_id
