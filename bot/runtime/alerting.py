"""Raising an alert for staff: the row, and the ALERT_RAISED event that tells the console
once the transaction committed. The one way an alert is raised, so none is written without
its live event, nor told without its row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.runtime.events import Event, EventKind
from storage import alerts
from storage.tx import Tx


def raise_alert(
    conn: Tx,
    events: list[Event],
    *,
    conversation_id: int | None,
    staff_id: int | None,
    kind: str,
    now: datetime,
    action_item_id: int | None = None,
) -> Event:
    """An alert for `staff_id` (None: whoever is on duty); its event is appended to
    `events`, published by whoever commits them, and returned. An alert is about a
    conversation or, for a case conference's reminders, an action item (then for a named
    staff member: the event reaches only them)."""
    alert_id = alerts.add(
        conn,
        staff_id=staff_id,
        conversation_id=conversation_id,
        kind=kind,
        at=now,
        action_item_id=action_item_id,
    )
    event = Event(EventKind.ALERT_RAISED, conversation_id, alert_id=alert_id, staff_id=staff_id)
    events.append(event)
    return event


def raise_alerts(
    conn: Tx,
    events: list[Event],
    *,
    conversation_id: int,
    staff_ids: Iterable[int | None],
    kind: str,
    now: datetime,
) -> None:
    """The same alert for each of several staff members."""
    for staff_id in staff_ids:
        raise_alert(
            conn, events, conversation_id=conversation_id, staff_id=staff_id, kind=kind, now=now
        )
