"""A household as staff see it: the short reference a conversation shows, and the whole
household (members, their conversations, invitations) for its page and the API.

A counselor sees a household when they may see at least one of its conversations (the
`Viewer` policy), and then only the conversations they may see; every member is listed
with their role, so the counselor knows the household's shape without reading what they
may not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storage.read_side.viewer import VISIBLE_SQL, Viewer
from storage.statuses import INVITATION_EXPIRED, InvitationState
from storage.timefmt import from_db, to_db
from storage.tx import Tx, named_rows


@dataclass(frozen=True)
class HouseholdRef:
    """What a conversation shows of its household."""

    id: int
    number: int
    label: str


@dataclass(frozen=True)
class MemberConversation:
    id: int
    status: str
    opened_at: datetime


@dataclass(frozen=True)
class HouseholdMember:
    contact_id: int
    role: str  # HouseholdRole
    relation: str | None  # the intake's choice id ('mother'), or None
    channel: str
    joined_at: datetime
    conversations: list[MemberConversation]  # only those the viewer may see, newest first


@dataclass(frozen=True)
class InvitationRow:
    id: int
    state: str  # open / used / closed, or 'expired' (open and past its time)
    created_at: datetime
    expires_at: datetime
    created_by: int | None
    conversation_id: int | None  # where it was made (None once purged)


@dataclass(frozen=True)
class HouseholdView:
    id: int
    number: int
    label: str
    created_at: datetime
    closed_at: datetime | None  # when a supervisor ended its support (migration 0017)
    members: list[HouseholdMember]
    invitations: list[InvitationRow]


def _when(text: str) -> datetime:
    value = from_db(text)
    assert value is not None
    return value


def household_of_conversation(
    conn: Tx, conversation_id: int, viewer: Viewer
) -> HouseholdRef | None:
    """The household of the conversation's contact, or None. The caller has shown the viewer
    may see the conversation, so they may see that it has a household."""
    del viewer  # seeing the conversation is enough (see the module's docstring)
    rows = named_rows(
        conn,
        "SELECT h.id, h.number, h.label FROM conversations c"
        " JOIN household_members m ON m.contact_id = c.contact_id"
        " JOIN households h ON h.id = m.household_id WHERE c.id = ?",
        (conversation_id,),
    )
    if not rows:
        return None
    return HouseholdRef(rows[0]["id"], rows[0]["number"], rows[0]["label"])


def household_detail(
    conn: Tx, household_id: int, viewer: Viewer, now: datetime | None = None
) -> HouseholdView | None:
    """The household for its page; None when it does not exist or the viewer may see none
    of its conversations (the API answers 404 for both). `now` decides which open
    invitations read as expired: pass the service clock's now (the wall clock when not
    given)."""
    head = named_rows(
        conn,
        "SELECT id, number, label, created_at, closed_at FROM households WHERE id = ?",
        (household_id,),
    )
    if not head:
        return None
    visible = "1 = 1" if viewer.sees_all else VISIBLE_SQL
    conversation_rows = named_rows(
        conn,
        "SELECT c.id, c.contact_id, c.status, c.opened_at FROM conversations c"
        " JOIN household_members m ON m.contact_id = c.contact_id"
        f" WHERE m.household_id = :household AND {visible}"
        " ORDER BY c.opened_at DESC, c.id DESC",
        {"household": household_id, **viewer.params()},
    )
    if not conversation_rows:
        return None
    by_contact: dict[int, list[MemberConversation]] = {}
    for row in conversation_rows:
        by_contact.setdefault(row["contact_id"], []).append(
            MemberConversation(row["id"], row["status"], _when(row["opened_at"]))
        )
    member_rows = named_rows(
        conn,
        "SELECT m.contact_id, m.role, m.relation, m.joined_at, ct.channel"
        " FROM household_members m JOIN contacts ct ON ct.id = m.contact_id"
        " WHERE m.household_id = ? ORDER BY m.joined_at, m.contact_id",
        (household_id,),
    )
    members = [
        HouseholdMember(
            contact_id=row["contact_id"],
            role=row["role"],
            relation=row["relation"],
            channel=row["channel"],
            joined_at=_when(row["joined_at"]),
            conversations=by_contact.get(row["contact_id"], []),
        )
        for row in member_rows
    ]
    return HouseholdView(
        id=head[0]["id"],
        number=head[0]["number"],
        label=head[0]["label"],
        created_at=_when(head[0]["created_at"]),
        closed_at=from_db(head[0]["closed_at"]) if head[0]["closed_at"] else None,
        members=members,
        invitations=invitations(conn, household_id, now),
    )


def invitations(conn: Tx, household_id: int, now: datetime | None = None) -> list[InvitationRow]:
    """The household's invitations, newest first, each with the state staff read."""
    rows = named_rows(
        conn,
        "SELECT id, state, created_at, expires_at, created_by, conversation_id FROM invitations"
        " WHERE household_id = ? ORDER BY id DESC",
        (household_id,),
    )
    moment = to_db(now if now is not None else datetime.now(UTC))
    found = []
    for row in rows:
        state = row["state"]
        if state == InvitationState.OPEN and row["expires_at"] <= moment:
            state = INVITATION_EXPIRED
        found.append(
            InvitationRow(
                id=row["id"],
                state=state,
                created_at=_when(row["created_at"]),
                expires_at=_when(row["expires_at"]),
                created_by=row["created_by"],
                conversation_id=row["conversation_id"],
            )
        )
    return found
