"""Case conferences, their action items and the items' reminders (migration 0014): the
writes and the simple reads. The rules (what a valid record is, when reminders ring, who
they reach) are in bot/conferences; what staff see is storage/read_side/conferences.py.

Nothing here holds a client's words, name or platform id: a conference names agencies,
staff and what was agreed, and hangs on a household by its id. What was agreed is still about
people, so the texts (a conference's decisions; an item's what, result and contact person)
are sealed with the household's data key (storage/sealing), each bound to its own row, and
opened here: callers see plain text. Nothing filters or sorts on these texts in SQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage import facts
from storage.sealing import household_subject, keyring_of, next_row_id
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


def _seal(
    conn: Tx, household_id: int, table: str, column: str, row: int, text: str | None
) -> bytes | None:
    if text is None:
        return None
    return keyring_of(conn).seal(conn, household_subject(household_id), table, column, row, text)


def _open(conn: Tx, household_id: int, table: str, column: str, row: int, value: Any) -> str | None:
    return keyring_of(conn).open(conn, household_subject(household_id), table, column, row, value)


def _conference(conn: Tx, row: dict[str, Any]) -> Conference:
    return Conference(
        id=row["id"],
        household_id=row["household_id"],
        held_on=_day(row["held_on"]),
        agencies=tuple(json.loads(row["agencies"])),
        lead_agency=row["lead_agency"],
        key_worker_id=row["key_worker_id"],
        decisions=_open(
            conn, row["household_id"], "conferences", "decisions", row["id"], row["decisions"]
        )
        or "",
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
    conference_id = next_row_id(conn, "conferences")
    conn.execute(
        "INSERT INTO conferences (id, household_id, held_on, agencies, lead_agency,"
        " key_worker_id, decisions, next_review_on, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conference_id,
            household_id,
            held_on.isoformat(),
            json.dumps(list(agencies), ensure_ascii=False),
            lead_agency,
            key_worker_id,
            _seal(conn, household_id, "conferences", "decisions", conference_id, decisions),
            next_review_on.isoformat() if next_review_on else None,
            created_by,
            to_db(now),
        ),
    )
    facts.conference_held(conn, conference_id, household_id, held_on, agencies, now)
    found = get(conn, conference_id)
    assert found is not None
    return found


def get(conn: Tx, conference_id: int) -> Conference | None:
    rows = named_rows(conn, f"{_CONFERENCE} WHERE id = ?", (conference_id,))
    return _conference(conn, rows[0]) if rows else None


def of_household(conn: Tx, household_id: int) -> list[Conference]:
    """The household's conferences, latest meeting first."""
    rows = named_rows(
        conn,
        f"{_CONFERENCE} WHERE household_id = ? ORDER BY held_on DESC, id DESC",
        (household_id,),
    )
    return [_conference(conn, row) for row in rows]


# --- action items

# An item's texts are sealed with its conference's household's key: read that with it.
_ITEM = (
    "SELECT i.id, i.conference_id, i.what, i.owner_staff_id, i.owner_agency, i.owner_person,"
    " i.due_on, i.state, i.result, i.done_at, i.done_by, f.household_id"
    " FROM action_items i JOIN conferences f ON f.id = i.conference_id"
)


def item_from(conn: Tx, row: dict[str, Any]) -> ActionItem:
    """An item from a row of its columns and its conference's `household_id`."""
    household_id, item_id = row["household_id"], row["id"]

    def text(column: str) -> str | None:
        return _open(conn, household_id, "action_items", column, item_id, row[column])

    return ActionItem(
        id=item_id,
        conference_id=row["conference_id"],
        what=text("what") or "",
        owner_staff_id=row["owner_staff_id"],
        owner_agency=row["owner_agency"],
        owner_person=text("owner_person"),
        due_on=_day(row["due_on"]),
        state=ActionItemState(row["state"]),
        result=text("result"),
        done_at=from_db(row["done_at"]) if row["done_at"] else None,
        done_by=row["done_by"],
    )


def _household_of_item(conn: Tx, item_id: int) -> int | None:
    row = conn.execute(
        "SELECT f.household_id FROM action_items i JOIN conferences f ON f.id = i.conference_id"
        " WHERE i.id = ?",
        (item_id,),
    ).fetchone()
    return int(row[0]) if row else None


def add_item(conn: Tx, conference_id: int, item: NewItem) -> ActionItem:
    head = conn.execute(
        "SELECT household_id FROM conferences WHERE id = ?", (conference_id,)
    ).fetchone()
    if head is None:
        raise ValueError(f"no conference {conference_id}")
    household_id = int(head[0])
    item_id = next_row_id(conn, "action_items")

    def sealed(column: str, text: str | None) -> bytes | None:
        return _seal(conn, household_id, "action_items", column, item_id, text)

    conn.execute(
        "INSERT INTO action_items (id, conference_id, what, owner_staff_id, owner_agency,"
        " owner_person, due_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            item_id,
            conference_id,
            sealed("what", item.what),
            item.owner_staff_id,
            item.owner_agency,
            sealed("owner_person", item.owner_person),
            item.due_on.isoformat(),
        ),
    )
    found = get_item(conn, item_id)
    assert found is not None
    return found


def get_item(conn: Tx, item_id: int) -> ActionItem | None:
    rows = named_rows(conn, f"{_ITEM} WHERE i.id = ?", (item_id,))
    return item_from(conn, rows[0]) if rows else None


def items_of(conn: Tx, conference_id: int) -> list[ActionItem]:
    rows = named_rows(
        conn, f"{_ITEM} WHERE i.conference_id = ? ORDER BY i.due_on, i.id", (conference_id,)
    )
    return [item_from(conn, row) for row in rows]


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
    household_id = _household_of_item(conn, item_id)
    if household_id is None:
        return False
    sealed = _seal(conn, household_id, "action_items", "result", item_id, result)
    cursor = conn.execute(
        "UPDATE action_items SET state = ?, result = ?, done_at = ?, done_by = ?"
        " WHERE id = ? AND state = ?",
        (state.value, sealed, to_db(now), staff_id, item_id, ActionItemState.OPEN.value),
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
