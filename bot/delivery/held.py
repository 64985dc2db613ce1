"""The sender's writes when a row cannot go: pushes held for the month's allowance, a row
given up, and the alert that tells the conversation's counselor (or whoever is on duty).
They run on the writer, in the sender's transaction; the alerts are published after it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.runtime.alerting import raise_alert
from bot.runtime.events import Event
from storage import alerts, conversations, outbox
from storage.outbox import OutboxRow
from storage.statuses import AlertKind
from storage.tx import Tx


@dataclass(frozen=True)
class Wait:
    """The next row is a push that cannot be decided or sent now."""

    channel: str
    refresh: bool  # the allowance's reading is due: read it, then claim again
    alert: Event | None = None  # raised on holding, published after the commit
    conversation_id: int | None = None


def hold(conn: Tx, row: OutboxRow, now: datetime) -> Wait:
    """Keep the person's pushes back (no call, no attempt counted) and tell the
    conversation's counselor (or whoever is on duty) that answers wait, unless an earlier
    such alert is still unseen."""
    wait = Wait(row.channel, refresh=False, conversation_id=row.conversation_id)
    newly_held = outbox.hold_pushes(conn, row.contact_id, now)
    if not newly_held or row.conversation_id is None:
        return wait
    if alerts.open_of_kind(conn, row.conversation_id, AlertKind.PUSH_HELD):
        return wait
    return replace(wait, alert=alert_counselor(conn, row, AlertKind.PUSH_HELD, now))


def hold_refused_token(conn: Tx, row: OutboxRow, now: datetime) -> Wait:
    """The platform refused the row's reply token and nothing went out; no push is allowed
    now, so the row waits as a push."""
    outbox.unclaim_refused(conn, row.id, "invalid reply token", maybe_sent=False)
    outbox.forget_reply_token(conn, row.id)
    return hold(conn, row, now)


def hold_after_refusal(conn: Tx, row: OutboxRow, maybe_sent: bool, now: datetime) -> Wait:
    """The platform refused the push for the month's limit (sending nothing)."""
    outbox.unclaim_refused(conn, row.id, "", maybe_sent=maybe_sent)
    return hold(conn, row, now)


def give_up(conn: Tx, row: OutboxRow, error: str, now: datetime) -> Event | None:
    """Mark the row failed and alert the conversation's counselor (or whoever is on duty):
    someone must know the client did not get it. Returns the alert's event."""
    outbox.mark_failed(conn, row.id, error)
    return alert_counselor(conn, row, AlertKind.DELIVERY_FAILED, now)


def alert_counselor(conn: Tx, row: OutboxRow, kind: AlertKind, now: datetime) -> Event | None:
    """Alert the row's conversation's counselor (or whoever is on duty, if none); returns
    the alert's event, to publish after the commit."""
    if row.conversation_id is None:
        return None
    conversation = conversations.get(conn, row.conversation_id)
    if conversation is None:
        return None
    return raise_alert(
        conn,
        [],
        conversation_id=conversation.id,
        staff_id=conversation.counselor_id,
        kind=kind,
        now=now,
    )
