"""The outbox sender: delivers queued rows through their channel's transport, in order per
person, exactly once.

Per row: use the event's reply token while it is young (free, single use); otherwise push
with the row's own retry key, so a retry after a timeout or 5xx cannot deliver twice.
Retryable failures back off by the channel's own retry policy; the others give up with the
reason kept on the row. A channel without a transport (not configured) leaves its rows
waiting in the outbox.

Pushes stay within the month's allowance where the platform counts them
(bot/delivery/allowance.py): once it is used up, a push waits as held (no call, no attempt
counted; the conversation's counselor is told once) and the person's lane looks again at
the next reading. A later row that can still go as a free reply (they wrote again) does
not wait behind held pushes: it goes at once (a danger answer must), carrying as many of
the held messages after its own as one call allows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from bot.delivery.allowance import PushAllowance
from bot.delivery.channel import (
    Channels,
    Combines,
    PushQuota,
    QuotaReader,
    ReadMarker,
    Replier,
    SendResult,
    Transport,
    TypingShower,
    Unsent,
)
from bot.delivery.delivered import Delivered
from bot.delivery.held import Wait, give_up, hold, hold_after_refusal, hold_refused_token
from bot.runtime.clock import Clock
from bot.runtime.events import Event, EventKind
from bot.runtime.lanes import Lanes
from bot.runtime.logs import user_ref
from bot.runtime.priority import Priority
from storage import claims, outbox
from storage.database import Database
from storage.outbox import OutboxRow
from storage.tx import Tx

log = logging.getLogger("tobira.sender")


@dataclass
class _Reservation:
    """A push counted against the month's allowance while it is under way (`channel` set
    from the count until it is settled)."""

    channel: str | None = None
    went_out: bool = False


@dataclass(frozen=True)
class _Claim:
    row: OutboxRow
    method: str
    push: _Reservation = field(default_factory=_Reservation)
    past_held: Wait | None = None  # the row goes ahead of these held pushes


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
        # Optional for a transport (checked at run time, not by its type).
        self._repliers = {
            name: transport
            for name, transport in transports.items()
            if isinstance(transport, Replier)
        }
        readers = {
            name: transport
            for name, transport in transports.items()
            if isinstance(transport, QuotaReader)
        }
        self.allowance = PushAllowance(clock, readers, on_room=self._send_held)
        # Whose lanes hold a push back, by channel: woken at once when there is room again
        # (after a restart, recover() wakes every lane with open rows anyway).
        self._holding: dict[str, set[int]] = {}

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
        """The month's pushes on a channel that counts them (the platform's last reading
        and our pushes since); None when it does not. Raises QuotaUnknown when the
        platform did not answer."""
        return await self.allowance.quota(channel)

    async def _drain(self, contact_id: int) -> None:
        after_id, delivered = 0, None
        try:
            while True:
                async with self._priority.background("send"):
                    # One writer job records the last row's delivery and claims the next: the
                    # claim must be committed before the call (a crash after it leaves a
                    # row that was tried, which never switches from reply to push).
                    push = _Reservation()
                    try:
                        claim = await self._db.write(
                            partial(
                                self._claim_next,
                                contact_id=contact_id,
                                after_id=after_id,
                                delivered=delivered,
                                now=self._clock.now(),
                                push=push,
                            )
                        )
                    except BaseException:
                        # The claim never landed: neither did the push it counted.
                        self._settle(push)
                        raise
                    if delivered is not None:
                        self._sent(delivered)
                    delivered = None
                    if claim is None:
                        return
                    if isinstance(claim, Wait):
                        if claim.refresh:
                            await self.allowance.refresh(claim.channel)
                            continue
                        self._held(contact_id, claim)
                        return
                    row = claim.row
                    if claim.past_held is not None:
                        self._held(contact_id, claim.past_held)  # they wait on
                    retry_after, delivered = await self._attempt(claim)
                if isinstance(retry_after, Wait):
                    self._held(contact_id, retry_after)
                    return
                if retry_after:
                    await asyncio.sleep(retry_after)
                else:
                    after_id = row.id
        finally:
            if delivered is not None:
                # Closing mid-lane: record what went out. If even this is lost, the row is
                # tried again and the platform deduplicates (a spent reply token, a known
                # retry key).
                await self._db.write(delivered.mark)

    def _held(self, contact_id: int, wait: Wait) -> None:
        if wait.alert is not None:
            self._publish([wait.alert])
        # Look again at the next reading; sooner if they write (a new reply token).
        self._holding.setdefault(wait.channel, set()).add(contact_id)
        self.lanes.kick_later(contact_id, self.allowance.next_reading_in(wait.channel))

    def _send_held(self, channel: str) -> None:
        for contact_id in self._holding.pop(channel, set()):
            self.kick(contact_id)

    def _sent(self, delivered: Delivered) -> None:
        self._publish([delivered.event()])

    def _claim_next(
        self,
        conn: Tx,
        *,
        contact_id: int,
        delivered: Delivered | None,
        after_id: int,
        now: datetime,
        push: _Reservation,
    ) -> _Claim | Wait | None:
        """Runs on the writer: mark the last row delivered, then claim the contact's next
        (unless it is a push the month's allowance does not allow)."""
        if delivered is not None:
            delivered.mark(conn)
        row = claims.next_outbox_row(conn, contact_id, after_id)
        if row is None or row.channel not in self._transports:
            return None
        if not row.reachable:
            outbox.cancel_open_for_contact(conn, contact_id, "contact unreachable")
            return None
        method = self._method(row, row.method, row.attempts, now)
        counted = method == "push" and self.allowance.counts(row.channel)
        if counted:
            if not self.allowance.fresh(row.channel):
                return Wait(row.channel, refresh=True)
            # Checked and counted at once: no two lanes take the last push.
            if not self.allowance.try_reserve(row.channel):
                return self._reply_past_held(conn, row, now)
            push.channel = row.channel
        claims.claim_outbox_row(conn, row.id, method)
        return _Claim(row, method, push)

    def _reply_past_held(self, conn: Tx, head: OutboxRow, now: datetime) -> _Claim | Wait:
        """No push may go now: hold the person's pushes; a later row that can still go as a
        free reply goes at once, with as many held messages after its own as fit."""
        wait = hold(conn, head, now)
        carrier = claims.next_reply(conn, head.contact_id, head.id, now)
        if carrier is None:
            return wait
        channel = self._channels[head.channel]
        payload, carried = carrier.payload, []
        # Only a row never tried may take more: a retry must send what it may have sent.
        if isinstance(channel, Combines) and carrier.attempts == 0 and not carrier.maybe_sent:
            for held in outbox.held_before(conn, head.contact_id, carrier.id):
                combined = channel.combine([payload, held.payload])
                if combined is None:
                    break
                payload = combined
                carried.append(held.id)
        if carried:
            outbox.merge_into(conn, carrier.id, carried, payload)
            carrier = replace(carrier, payload=payload)
        claims.claim_outbox_row(conn, carrier.id, "reply")
        return _Claim(carrier, "reply", past_held=wait)

    async def _attempt(self, claim: _Claim) -> tuple[float | Wait | None, Delivered | None]:
        """One try at a claimed row: (seconds before the next try if one is due, or the
        wait of a row held for the month's allowance; the row's delivery to record)."""
        try:
            return await self._try(claim.row, claim.method, claim.push)
        finally:
            self._settle(claim.push)

    def _settle(self, push: _Reservation) -> None:
        if push.channel is not None:
            self.allowance.settle(push.channel, pushed=push.went_out)
            push.channel = None

    async def _try(
        self, row: OutboxRow, method: str, push: _Reservation
    ) -> tuple[float | Wait | None, Delivered | None]:
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
            # The token expired early at the platform and nothing was sent: push instead,
            # if the month's pushes allow.
            if self.allowance.counts(row.channel):
                await self.allowance.refresh(row.channel)
                if not self.allowance.try_reserve(row.channel):
                    wait = await self._db.write(
                        partial(hold_refused_token, row=row, now=self._clock.now())
                    )
                    return wait, None
                push.channel = row.channel
            method = "push"
            claimed = await self._db.write(
                partial(claims.claim_outbox_row, row_id=row.id, method=method)
            )
            if not claimed:
                return None, None  # cancelled (the person unfollowed): nothing more to send
            attempts += 1
        if result.outcome == "delivered":
            push.went_out = method == "push"
            now = self._clock.now()
            return None, Delivered(row.id, now, result.detail or None, row.conversation_id)
        if result.unsent is Unsent.ALLOWANCE_USED:
            # The platform counts differently from our estimate: nothing more this month
            # until it says so. Not an attempt that brings a give-up nearer.
            self.allowance.refused(row.channel)
            wait = await self._db.write(
                partial(
                    hold_after_refusal, row=row, maybe_sent=row.maybe_sent, now=self._clock.now()
                )
            )
            return wait, None
        if result.outcome == "give_up" or attempts >= retry.max_attempts:
            alert = await self._db.write(
                partial(give_up, row=row, error=result.detail, now=self._clock.now())
            )
            log.warning(
                "message not delivered",
                extra={"outbox_id": row.id, "reason": result.detail, "attempts": attempts},
            )
            events = [Event(EventKind.MESSAGE_FAILED, row.conversation_id, outbox_id=row.id)]
            if alert is not None:
                events.append(alert)
            self._publish(events)
            return None, None
        maybe_sent = not (unsent_before and result.unsent is not None)
        await self._db.write(
            partial(outbox.mark_retry, row_id=row.id, error=result.detail, maybe_sent=maybe_sent)
        )
        return retry.backoff(attempts), None

    def _method(self, row: OutboxRow, method: str | None, attempts: int, now: datetime) -> str:
        """Reply while the token is young; once a reply was tried, only the token can tell
        whether it went through, so never switch that row to push (it could answer twice)."""
        if row.reply_token is None or method == "push" or row.channel not in self._repliers:
            return "push"
        if method == "reply" and attempts > 0:
            return "reply"
        young = row.reply_deadline is not None and now < row.reply_deadline
        return "reply" if young else "push"

    async def _call(self, row: OutboxRow, method: str) -> SendResult:
        if method == "reply":
            assert row.reply_token is not None
            return await self._repliers[row.channel].reply(row.reply_token, row.payload)
        transport = self._transports[row.channel]
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
                "user": user_ref(row.user_hash),
                "method": method,
                "outcome": result.outcome,
                "detail": result.detail or None,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
