"""Case conferences, their action items and the items' reminders (migration 0014): the
writes and the simple reads. The rules (what a valid record is, when reminders ring, who
they reach) are in bot/conferences; what staff see is storage/read_side/conferences.py.

Nothing here holds a client's words, name or platform id: a conference names agencies,
staff and what was agreed, and hangs on a household by its id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage import facts
from storage.statuses import ActionItemState, DeadlineStatus, ReminderKind
from storage.timefmt import from_db, to_db
from storage.tx import Tx, named_rows


@dataclass(frozen=True)
class Conference:
    id: int
    household_id: int
    held_on: date
    agencies: tuple[str, ...]
    lead_agency: str
    key_worker_id: int
    decisions: str
    next_review_on: date | None
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class ActionItem:
    id: int
    conference_id: int
    what: str
    owner_staff_id: int | None  # a staff member's item...
    owner_agency: str | None  # ...or an agency's, with its contact person
    owner_person: str | None
    due_on: date
    state: ActionItemState
    result: str | None
    done_at: datetime | None
    done_by: int | None


@dataclass(frozen=True)
class NewItem:
    what: str
    owner_staff_id: int | None
    owner_agency: str | None
    owner_person: str | None
    due_on: date


@dataclass(frozen=True)
class Reminder:
    id: int
    action_item_id: int
    kind: ReminderKind
    due_at: datetime


def _day(text: Any) -> date:
    return date.fromisoformat(str(text))


def _when(text: Any) -> datetime:
    value = from_db(str(text))
    assert value is not None
    return value


# --- conferences

_CONFERENCE = (
    "SELECT id, household_id, held_on, agencies, lead_agency, key_worker_id, decisions,"
    " next_review_on, created_by, created_at FROM conferences"
)


def _conference(row: dict[str, Any]) -> Conference:
    return Conference(
        id=row["id"],
        household_id=row["household_id"],
        held_on=_day(row["held_on"]),
        agencies=tuple(json.loads(row["agencies"])),
        lead_agency=row["lead_agency"],
        key_worker_id=row["key_worker_id"],
        decisions=row["decisions"],
        next_review_on=_day(row["next_review_on"]) if row["next_review_on"] else None,
        created_by=row["created_by"],
        created_at=_when(row["created_at"]),
    )


def create(
    conn: Tx,
    *,
    household_id: int,
    held_on: date,
    agencies: tuple[str, ...],
    lead_agency: str,
    key_worker_id: int,
    decisions: str,
    next_review_on: date | None,
    created_by: int,
    now: datetime,
) -> Conference:
    rows = named_rows(
        conn,
        "INSERT INTO conferences (household_id, held_on, agencies, lead_agency, key_worker_id,"
        " decisions, next_review_on, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            household_id,
            held_on.isoformat(),
            json.dumps(list(agencies), ensure_ascii=False),
            lead_agency,
            key_worker_id,
            decisions,
            next_review_on.isoformat() if next_review_on else None,
            created_by,
            to_db(now),
        ),
    )
    facts.conference_held(conn, rows[0]["id"], household_id, held_on, agencies, now)
    found = get(conn, rows[0]["id"])
    assert found is not None
    return found


def get(conn: Tx, conference_id: int) -> Conference | None:
    rows = named_rows(conn, f"{_CONFERENCE} WHERE id = ?", (conference_id,))
    return _conference(rows[0]) if rows else None


def of_household(conn: Tx, household_id: int) -> list[Conference]:
    """The household's conferences, latest meeting first."""
    rows = named_rows(
        conn,
        f"{_CONFERENCE} WHERE household_id = ? ORDER BY held_on DESC, id DESC",
        (household_id,),
    )
    return [_conference(row) for row in rows]


# --- action items

_ITEM = (
    "SELECT id, conference_id, what, owner_staff_id, owner_agency, owner_person, due_on,"
    " state, result, done_at, done_by FROM action_items"
)


def item_from(row: dict[str, Any]) -> ActionItem:
    return ActionItem(
        id=row["id"],
        conference_id=row["conference_id"],
        what=row["what"],
        owner_staff_id=row["owner_staff_id"],
        owner_agency=row["owner_agency"],
        owner_person=row["owner_person"],
        due_on=_day(row["due_on"]),
        state=ActionItemState(row["state"]),
        result=row["result"],
        done_at=from_db(row["done_at"]) if row["done_at"] else None,
        done_by=row["done_by"],
    )


def add_item(conn: Tx, conference_id: int, item: NewItem) -> ActionItem:
    rows = named_rows(
        conn,
        "INSERT INTO action_items (conference_id, what, owner_staff_id, owner_agency,"
        " owner_person, due_on) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (
            conference_id,
            item.what,
            item.owner_staff_id,
            item.owner_agency,
            item.owner_person,
            item.due_on.isoformat(),
        ),
    )
    found = get_item(conn, rows[0]["id"])
    assert found is not None
    return found


def get_item(conn: Tx, item_id: int) -> ActionItem | None:
    rows = named_rows(conn, f"{_ITEM} WHERE id = ?", (item_id,))
    return item_from(rows[0]) if rows else None


def items_of(conn: Tx, conference_id: int) -> list[ActionItem]:
    rows = named_rows(
        conn, f"{_ITEM} WHERE conference_id = ? ORDER BY due_on, id", (conference_id,)
    )
    return [item_from(row) for row in rows]


def close_item(
    conn: Tx,
    item_id: int,
    state: ActionItemState,
    result: str | None,
    staff_id: int,
    now: datetime,
) -> bool:
    """An open item done (with its result) or dropped. False if it was no longer open, and
    then nothing changed."""
    cursor = conn.execute(
        "UPDATE action_items SET state = ?, result = ?, done_at = ?, done_by = ?"
        " WHERE id = ? AND state = ?",
        (state.value, result, to_db(now), staff_id, item_id, ActionItemState.OPEN.value),
    )
    if cursor.rowcount == 1 and state is ActionItemState.DONE:
        facts.item_done(conn, item_id, now)
    return cursor.rowcount == 1


# --- reminders (durable: rows, claimed once)


def add_reminder(conn: Tx, item_id: int, kind: ReminderKind, due_at: datetime) -> Reminder:
    row = conn.execute(
        "INSERT INTO action_item_reminders (action_item_id, kind, due_at) VALUES (?, ?, ?)"
        " RETURNING id",
        (item_id, kind.value, to_db(due_at)),
    ).fetchone()
    return Reminder(int(row[0]), item_id, kind, due_at)


def cancel_reminders(conn: Tx, item_id: int) -> int:
    """The item is done or dropped: its pending reminders never ring."""
    cursor = conn.execute(
        "UPDATE action_item_reminders SET status = ? WHERE action_item_id = ? AND status = ?",
        (DeadlineStatus.CANCELLED.value, item_id, DeadlineStatus.PENDING.value),
    )
    return cursor.rowcount


def claim_reminder(conn: Tx, reminder_id: int, now: datetime) -> Reminder | None:
    """Take a due, still pending reminder (exactly one caller ever gets it)."""
    rows = named_rows(
        conn,
        "UPDATE action_item_reminders SET status = ?, fired_at = ?"
        " WHERE id = ? AND status = ? AND due_at <= ?"
        " RETURNING id, action_item_id, kind, due_at",
        (
            DeadlineStatus.FIRED.value,
            to_db(now),
            reminder_id,
            DeadlineStatus.PENDING.value,
            to_db(now),
        ),
    )
    if not rows:
        return None
    row = rows[0]
    kind = ReminderKind(row["kind"])
    return Reminder(row["id"], row["action_item_id"], kind, _when(row["due_at"]))


def set_reminder_aside(conn: Tx, reminder_id: int) -> None:
    """A reminder that failed to fire: cancelled, so that it does not ring forever."""
    conn.execute(
        "UPDATE action_item_reminders SET status = ? WHERE id = ?",
        (DeadlineStatus.CANCELLED.value, reminder_id),
    )


def due_reminder_ids(conn: Tx, now: datetime, limit: int = 256) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM action_item_reminders WHERE status = ? AND due_at <= ?"
        " ORDER BY due_at LIMIT ?",
        (DeadlineStatus.PENDING.value, to_db(now), limit),
    ).fetchall()
    return [row[0] for row in rows]


def next_reminder_due(conn: Tx) -> datetime | None:
    row = conn.execute(
        "SELECT MIN(due_at) FROM action_item_reminders WHERE status = ?",
        (DeadlineStatus.PENDING.value,),
    ).fetchone()
    return from_db(row[0]) if row and row[0] else None


def reminders_of(conn: Tx, item_id: int) -> list[tuple[str, str, datetime]]:
    """(kind, status, due_at) of an item's reminders, for staff and tests."""
    rows = named_rows(
        conn,
        "SELECT kind, status, due_at FROM action_item_reminders WHERE action_item_id = ?"
        " ORDER BY due_at, id",
        (item_id,),
    )
    return [(row["kind"], row["status"], _when(row["due_at"])) for row in rows]
