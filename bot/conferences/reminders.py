"""The reminders of an open action item: rows made with the item, each rung once.

Three moments, each a row of `action_item_reminders`: `[conferences] remind_before` ahead
of the due date, on the due date, and the day after it (overdue), each in the morning
(`REMIND_AT`, the window's time zone). A moment already past when the item is recorded is
skipped, except the overdue one: an item recorded late is overdue, and its owner hears so
at once. The alarm (bot/promises/alarm.py) rings for these rows as for the conversations'
deadlines; a ring claims its row atomically, so a reminder fires once, whatever wakes it,
and a restart finds the rows where they were. Done and dropped items cancel theirs.

A reminder goes to the item's owner, or to the conference's key worker for an agency's
item; to the key worker when the owner is no longer active, and to the supervisors when
the key worker is not either (someone must hear of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.runtime.alerting import raise_alert
from bot.runtime.clock import TOKYO
from bot.runtime.events import Event
from storage import conferences as store
from storage import staff
from storage.conferences import ActionItem, Reminder
from storage.statuses import ActionItemState, AlertKind, ReminderKind
from storage.tx import Tx

# The morning hour a reminder rings, in the window's time zone.
REMIND_AT = time(9, 0)
ZONE: ZoneInfo = TOKYO

_ALERT = {
    ReminderKind.BEFORE: AlertKind.ACTION_ITEM_DUE,
    ReminderKind.DUE: AlertKind.ACTION_ITEM_DUE,
    ReminderKind.OVERDUE: AlertKind.ACTION_ITEM_OVERDUE,
}


def local_today(now: datetime) -> date:
    """The window's calendar date at `now` (what 'overdue' is measured against)."""
    return now.astimezone(ZONE).date()


def morning_of(day: date) -> datetime:
    return datetime.combine(day, REMIND_AT, tzinfo=ZONE)


def moments(due_on: date, remind_before: timedelta) -> dict[ReminderKind, datetime]:
    """When each reminder of an item due on `due_on` rings."""
    return {
        ReminderKind.BEFORE: morning_of(due_on - timedelta(days=remind_before.days)),
        ReminderKind.DUE: morning_of(due_on),
        ReminderKind.OVERDUE: morning_of(due_on + timedelta(days=1)),
    }


def schedule(conn: Tx, item: ActionItem, remind_before: timedelta, now: datetime) -> list[Reminder]:
    """The item's reminder rows (see the module's docstring for which)."""
    made = []
    for kind, at in moments(item.due_on, remind_before).items():
        if at > now or kind == ReminderKind.OVERDUE:
            made.append(store.add_reminder(conn, item.id, kind, at))
    return made


@dataclass
class Rung:
    """What a reminder did: the events to publish once committed."""

    events: list[Event] = field(default_factory=list)


def recipients(conn: Tx, item: ActionItem, key_worker_id: int) -> list[int]:
    """Who hears an item's reminder: its owner, else the key worker, else the supervisors."""
    for candidate in (item.owner_staff_id, key_worker_id):
        if candidate is None:
            continue
        member = staff.get(conn, candidate)
        if member is not None and member.active:
            return [member.id]
    return [member.id for member in staff.supervisors(conn) if member.active]


def fire(conn: Tx, reminder_id: int, now: datetime) -> Rung:
    """Ring one due reminder: claim it, and alert whoever the item is for."""
    rung = Rung()
    reminder = store.claim_reminder(conn, reminder_id, now)
    if reminder is None:
        return rung  # not due yet, already rung, or cancelled
    item = store.get_item(conn, reminder.action_item_id)
    if item is None or item.state != ActionItemState.OPEN:
        return rung  # closed meanwhile (its reminders are cancelled then; a guard)
    conference = store.get(conn, item.conference_id)
    assert conference is not None
    for staff_id in recipients(conn, item, conference.key_worker_id):
        raise_alert(
            conn,
            rung.events,
            conversation_id=None,
            staff_id=staff_id,
            kind=_ALERT[reminder.kind],
            now=now,
            action_item_id=item.id,
        )
    return rung
