"""Case conferences as staff see them: a household's conferences, one conference with its
action items (for the household page, the API and the partners' summary), the action items
queue, and the header's count of overdue items.

Visibility is the household's (storage/read_side/household.py): a counselor sees a
household's conferences when they may see one of its conversations; supervisors see all.
The queue also lists an item to the staff member it is for (its owner, or the key worker
for an agency's item) wherever it is, since they have to do it; they see only the item's
own row there.

Nothing here reads a message, an intake answer, a client's name or a platform id: a summary
built from these views cannot hold them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from storage.conferences import ActionItem, Conference, get, item_from, items_of, of_household
from storage.read_side.common import StaffRef, staff_refs
from storage.read_side.viewer import VISIBLE_SQL, Viewer
from storage.statuses import ACTION_ITEM_OVERDUE, ActionItemState
from storage.tx import Tx, named_rows

QueueState = Literal["open", "overdue", "done"]
QUEUE_STATES: tuple[QueueState, ...] = ("open", "overdue", "done")

# The households a viewer may see, for a query over `h.id`: the rule of household.py.
_HOUSEHOLD_VISIBLE = (
    "EXISTS (SELECT 1 FROM household_members m JOIN conversations c"
    f" ON c.contact_id = m.contact_id WHERE m.household_id = h.id AND {VISIBLE_SQL})"
)
# The staff member an item is for: its owner, or the conference's key worker for an agency's.
_ITEM_FOR_ME = "(i.owner_staff_id = :me OR (i.owner_staff_id IS NULL AND f.key_worker_id = :me))"


@dataclass(frozen=True)
class Owner:
    """A staff member (`staff`), or an agency with its contact person."""

    staff: StaffRef | None
    agency: str | None
    person: str | None

    def to_api(self) -> dict[str, Any]:
        if self.staff is not None:
            return {"staff_id": self.staff.id}
        return {"agency": self.agency, "person": self.person}


@dataclass(frozen=True)
class ItemView:
    id: int
    conference_id: int
    what: str
    owner: Owner
    due_on: date
    state: str  # ActionItemState
    overdue: bool  # open and its due date has passed (ACTION_ITEM_OVERDUE)
    result: str | None
    done_at: datetime | None
    done_by: StaffRef | None

    @property
    def shown_state(self) -> str:
        """The state staff read: 'overdue' for an open item past its date."""
        return ACTION_ITEM_OVERDUE if self.overdue else self.state

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "what": self.what,
            "owner": self.owner.to_api(),
            "due_on": self.due_on.isoformat(),
            "state": self.state,
            "result": self.result,
            "overdue": self.overdue,
            "done_at": self.done_at.isoformat() if self.done_at else None,
        }


@dataclass(frozen=True)
class ConferenceView:
    id: int
    household_id: int
    household_number: int
    household_label: str
    held_on: date
    agencies: tuple[str, ...]
    lead_agency: str
    key_worker: StaffRef
    decisions: str
    next_review_on: date | None
    created_by: StaffRef | None
    created_at: datetime
    action_items: list[ItemView]

    def to_api(self) -> dict[str, Any]:
        """The issue's API shape (`{"conference": ...}` holds this)."""
        return {
            "id": self.id,
            "household_id": self.household_id,
            "held_on": self.held_on.isoformat(),
            "agencies": list(self.agencies),
            "lead_agency": self.lead_agency,
            "key_worker_id": self.key_worker.id,
            "decisions": self.decisions,
            "next_review_on": self.next_review_on.isoformat() if self.next_review_on else None,
            "action_items": [item.to_api() for item in self.action_items],
        }


@dataclass(frozen=True)
class QueueItem:
    """An action item in the queue, with what it needs to be found again."""

    item: ItemView
    household_id: int
    household_number: int
    household_label: str
    held_on: date
    key_worker: StaffRef
    visible: bool  # the viewer may open its household (else only this row is theirs)


def may_see_household(conn: Tx, household_id: int, viewer: Viewer) -> bool:
    """The household's own rule (storage/read_side/household.py): supervisors see every
    household; a counselor one of whose conversations they may see."""
    if viewer.sees_all:
        found = conn.execute("SELECT 1 FROM households WHERE id = ?", (household_id,)).fetchone()
        return found is not None
    rows = named_rows(
        conn,
        f"SELECT 1 AS yes FROM households h WHERE h.id = :household AND {_HOUSEHOLD_VISIBLE}",
        {"household": household_id, **viewer.params()},
    )
    return bool(rows)


def _item_view(item: ActionItem, refs: dict[int, StaffRef], today: date) -> ItemView:
    owner_staff = refs.get(item.owner_staff_id) if item.owner_staff_id is not None else None
    return ItemView(
        id=item.id,
        conference_id=item.conference_id,
        what=item.what,
        owner=Owner(owner_staff, item.owner_agency, item.owner_person),
        due_on=item.due_on,
        state=item.state.value,
        overdue=item.state == ActionItemState.OPEN and item.due_on < today,
        result=item.result,
        done_at=item.done_at,
        done_by=refs.get(item.done_by) if item.done_by is not None else None,
    )


def _view(conn: Tx, conference: Conference, today: date) -> ConferenceView:
    items = items_of(conn, conference.id)
    ids = {conference.key_worker_id}
    ids |= {i.owner_staff_id for i in items if i.owner_staff_id is not None}
    ids |= {i.done_by for i in items if i.done_by is not None}
    if conference.created_by is not None:
        ids.add(conference.created_by)
    refs = staff_refs(conn, ids)
    head = named_rows(
        conn, "SELECT number, label FROM households WHERE id = ?", (conference.household_id,)
    )[0]
    return ConferenceView(
        id=conference.id,
        household_id=conference.household_id,
        household_number=head["number"],
        household_label=head["label"],
        held_on=conference.held_on,
        agencies=conference.agencies,
        lead_agency=conference.lead_agency,
        key_worker=refs.get(conference.key_worker_id) or StaffRef(conference.key_worker_id, "", ""),
        decisions=conference.decisions,
        next_review_on=conference.next_review_on,
        created_by=refs.get(conference.created_by) if conference.created_by else None,
        created_at=conference.created_at,
        action_items=[_item_view(item, refs, today) for item in items],
    )


def conferences_of_household(
    conn: Tx, household_id: int, viewer: Viewer, today: date | None = None
) -> list[ConferenceView] | None:
    """The household's conferences, latest first; None when the viewer may not see the
    household. `today` (the service clock's local date) decides what is overdue."""
    if not may_see_household(conn, household_id, viewer):
        return None
    day = today or date.today()
    return [_view(conn, found, day) for found in of_household(conn, household_id)]


def conference_detail(
    conn: Tx, conference_id: int, viewer: Viewer, today: date | None = None
) -> ConferenceView | None:
    """One conference with its items (`.to_api()` is the API's shape); None when it does not
    exist or the viewer may not see its household."""
    found = get(conn, conference_id)
    if found is None or not may_see_household(conn, found.household_id, viewer):
        return None
    return _view(conn, found, today or date.today())


def _queue_condition(viewer: Viewer, state: QueueState, mine: bool) -> str:
    if state == "done":
        where = f"i.state = '{ActionItemState.DONE}'"
    else:
        where = f"i.state = '{ActionItemState.OPEN}'"
        if state == "overdue":
            where += " AND i.due_on < :today"
    if mine:
        where += f" AND {_ITEM_FOR_ME}"
    elif not viewer.sees_all:
        where += f" AND ({_HOUSEHOLD_VISIBLE} OR {_ITEM_FOR_ME})"
    return where


def action_items(
    conn: Tx,
    viewer: Viewer,
    state: QueueState,
    mine: bool,
    today: date,
    limit: int = 500,
) -> list[QueueItem]:
    """The action items queue: open (soonest due first), overdue (longest overdue first), or
    done (latest first); `mine`: those for the viewer (owner, or key worker of an agency's
    item). Without `mine`, every item of the households the viewer may see, and theirs."""
    if state not in QUEUE_STATES:
        raise ValueError(f"state must be one of {', '.join(QUEUE_STATES)}")
    order = "i.done_at DESC, i.id DESC" if state == "done" else "i.due_on, i.id"
    visible = "1" if viewer.sees_all else _HOUSEHOLD_VISIBLE
    rows = named_rows(
        conn,
        "SELECT i.id, i.conference_id, i.what, i.owner_staff_id, i.owner_agency,"
        " i.owner_person, i.due_on, i.state, i.result, i.done_at, i.done_by,"
        " f.household_id, f.held_on, f.key_worker_id, h.number, h.label,"
        f" {visible} AS visible"
        " FROM action_items i JOIN conferences f ON f.id = i.conference_id"
        " JOIN households h ON h.id = f.household_id"
        f" WHERE {_queue_condition(viewer, state, mine)} ORDER BY {order} LIMIT :limit",
        {**viewer.params(), "today": today.isoformat(), "limit": limit},
    )
    ids: set[int] = set()
    for row in rows:
        ids |= {
            value
            for value in (row["owner_staff_id"], row["done_by"], row["key_worker_id"])
            if value is not None
        }
    refs = staff_refs(conn, ids)
    return [
        QueueItem(
            item=_item_view(item_from(conn, row), refs, today),
            household_id=row["household_id"],
            household_number=row["number"],
            household_label=row["label"],
            held_on=date.fromisoformat(row["held_on"]),
            key_worker=refs.get(row["key_worker_id"]) or StaffRef(row["key_worker_id"], "", ""),
            visible=bool(row["visible"]),
        )
        for row in rows
    ]


def overdue_count(conn: Tx, viewer: Viewer, today: date, mine: bool = False) -> int:
    """How many open items are past their due date in the viewer's queue (the header)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM action_items i JOIN conferences f ON f.id = i.conference_id"
        " JOIN households h ON h.id = f.household_id"
        f" WHERE {_queue_condition(viewer, 'overdue', mine)}",
        {**viewer.params(), "today": today.isoformat()},
    ).fetchone()
    return int(row[0])
