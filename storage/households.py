"""Households, their members and invitations (migration 0013): the writes and the simple
reads. The rules (who may invite, what a code looks like, what consent does) are in
bot/households; the console's view of a household is storage/read_side/household.py.

Only staff ever see what is here. A closed invitation (revoked, or declined by the person)
forgets its code and token: its code goes to `spent_codes`, which names no household, so a
declined person's conversation cannot be followed back to their family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import facts
from storage.sealing import next_row_id
from storage.statuses import HouseholdRole, InvitationState, MessageKind
from storage.timefmt import from_db, to_db
from storage.tx import Tx, named_rows


@dataclass(frozen=True)
class Household:
    id: int
    number: int
    label: str


@dataclass(frozen=True)
class Membership:
    household_id: int
    contact_id: int
    role: HouseholdRole
    relation: str | None
    joined_at: datetime


@dataclass(frozen=True)
class Invitation:
    id: int
    household_id: int
    conversation_id: int | None
    code: str | None  # None once closed
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    state: InvitationState
    closed_at: datetime | None

    def usable(self, now: datetime) -> bool:
        """Open and not past its time: a code or a link that may still be answered."""
        return self.state == InvitationState.OPEN and now < self.expires_at


def _when(text: str) -> datetime:
    value = from_db(text)
    assert value is not None
    return value


# --- households and members


def create(
    conn: Tx, *, created_by: int | None, now: datetime, label: str | None = None
) -> Household:
    """A new household with the next number. Without a label, one made of the number (never
    a name): staff may change it."""
    # Neither the id nor the number of an erased household is given again.
    number = next_row_id(conn, "households", "number")
    row = named_rows(
        conn,
        "INSERT INTO households (id, number, label, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id, number, label",
        (
            next_row_id(conn, "households"),
            number,
            label if label is not None else f"H-{number:04d}",
            to_db(now),
            created_by,
        ),
    )[0]
    facts.household_begun(conn, row["id"], now)
    return Household(row["id"], row["number"], row["label"])


def get(conn: Tx, household_id: int) -> Household | None:
    rows = named_rows(
        conn, "SELECT id, number, label FROM households WHERE id = ?", (household_id,)
    )
    return Household(rows[0]["id"], rows[0]["number"], rows[0]["label"]) if rows else None


def is_closed(conn: Tx, household_id: int) -> bool:
    """True once a supervisor has ended the household's support (migration 0017)."""
    row = conn.execute("SELECT closed_at FROM households WHERE id = ?", (household_id,)).fetchone()
    return row is not None and row[0] is not None


def set_label(conn: Tx, household_id: int, label: str) -> None:
    conn.execute("UPDATE households SET label = ? WHERE id = ?", (label, household_id))


def add_member(
    conn: Tx,
    household_id: int,
    contact_id: int,
    role: HouseholdRole,
    relation: str | None,
    now: datetime,
) -> Membership:
    """The contact joins; the caller has checked it is in no household yet (the UNIQUE on
    contact_id would refuse a second one)."""
    conn.execute(
        "INSERT INTO household_members (household_id, contact_id, role, relation, joined_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (household_id, contact_id, role.value, relation, to_db(now)),
    )
    facts.joined_household(conn, household_id, contact_id, role.value, now)
    return Membership(household_id, contact_id, role, relation, now)


def membership(conn: Tx, contact_id: int) -> Membership | None:
    """The contact's household membership, if any."""
    rows = named_rows(
        conn,
        "SELECT household_id, contact_id, role, relation, joined_at FROM household_members"
        " WHERE contact_id = ?",
        (contact_id,),
    )
    if not rows:
        return None
    row = rows[0]
    return Membership(
        row["household_id"],
        row["contact_id"],
        HouseholdRole(row["role"]),
        row["relation"],
        _when(row["joined_at"]),
    )


def members(conn: Tx, household_id: int) -> list[Membership]:
    rows = named_rows(
        conn,
        "SELECT household_id, contact_id, role, relation, joined_at FROM household_members"
        " WHERE household_id = ? ORDER BY joined_at, contact_id",
        (household_id,),
    )
    return [
        Membership(
            row["household_id"],
            row["contact_id"],
            HouseholdRole(row["role"]),
            row["relation"],
            _when(row["joined_at"]),
        )
        for row in rows
    ]


# --- invitations

_INVITATION = (
    "SELECT id, household_id, conversation_id, code, created_by, created_at, expires_at,"
    " state, closed_at FROM invitations"
)


def _invitation(row: dict[str, object]) -> Invitation:
    return Invitation(
        id=int(str(row["id"])),
        household_id=int(str(row["household_id"])),
        conversation_id=row["conversation_id"] if isinstance(row["conversation_id"], int) else None,
        code=str(row["code"]) if row["code"] is not None else None,
        created_by=row["created_by"] if isinstance(row["created_by"], int) else None,
        created_at=_when(str(row["created_at"])),
        expires_at=_when(str(row["expires_at"])),
        state=InvitationState(str(row["state"])),
        closed_at=from_db(str(row["closed_at"])) if row["closed_at"] is not None else None,
    )


def _one_invitation(conn: Tx, where: str, params: tuple[object, ...]) -> Invitation | None:
    rows = named_rows(conn, f"{_INVITATION} WHERE {where}", params)
    return _invitation(rows[0]) if rows else None


def code_taken(conn: Tx, code: str) -> bool:
    """The code is an open invitation's, or a closed one's still remembered: a new
    invitation must not get it."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM invitations WHERE code = ? AND state = ?)"
        " OR EXISTS (SELECT 1 FROM spent_codes WHERE code = ?)",
        (code, InvitationState.OPEN.value, code),
    ).fetchone()
    return bool(row[0])


def create_invitation(
    conn: Tx,
    *,
    household_id: int,
    conversation_id: int | None,
    code: str,
    token_hash: str,
    created_by: int | None,
    now: datetime,
    expires_at: datetime,
) -> Invitation:
    rows = named_rows(
        conn,
        "INSERT INTO invitations (id, household_id, conversation_id, code, token_hash,"
        " created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            next_row_id(conn, "invitations"),
            household_id,
            conversation_id,
            code,
            token_hash,
            created_by,
            to_db(now),
            to_db(expires_at),
        ),
    )
    found = get_invitation(conn, rows[0]["id"])
    assert found is not None
    return found


def get_invitation(conn: Tx, invitation_id: int) -> Invitation | None:
    return _one_invitation(conn, "id = ?", (invitation_id,))


def by_code(conn: Tx, code: str) -> Invitation | None:
    """The invitation a normalised code belongs to: the open one, else the latest used one.
    A closed invitation has no code any more (see `code_was_closed`)."""
    return _one_invitation(
        conn,
        "code = ? ORDER BY CASE state WHEN ? THEN 0 ELSE 1 END, id DESC LIMIT 1",
        (code, InvitationState.OPEN.value),
    )


def code_was_closed(conn: Tx, code: str, now: datetime) -> bool:
    """The code was a closed invitation's (revoked or declined), within its time."""
    row = conn.execute(
        "SELECT 1 FROM spent_codes WHERE code = ? AND until > ?", (code, to_db(now))
    ).fetchone()
    return row is not None


def by_token(conn: Tx, token_hash: str) -> Invitation | None:
    """The invitation of a web link (its token's SHA-256); None once it is closed."""
    return _one_invitation(conn, "token_hash = ?", (token_hash,))


def open_for_household(conn: Tx, household_id: int) -> list[Invitation]:
    rows = named_rows(
        conn,
        f"{_INVITATION} WHERE household_id = ? AND state = ? ORDER BY id",
        (household_id, InvitationState.OPEN.value),
    )
    return [_invitation(row) for row in rows]


def use(conn: Tx, invitation_id: int, now: datetime) -> bool:
    """The person said yes: the invitation is used. False if it was no longer open (closed
    or used in the meantime), and then nothing changed."""
    cursor = conn.execute(
        "UPDATE invitations SET state = ?, closed_at = ? WHERE id = ? AND state = ?",
        (InvitationState.USED.value, to_db(now), invitation_id, InvitationState.OPEN.value),
    )
    return cursor.rowcount == 1


def close(conn: Tx, invitation_id: int, now: datetime) -> bool:
    """Revoked by staff or declined by the person, the same way: the code and the token are
    forgotten (the code kept, unlinked, in spent_codes). False if it was not open."""
    invitation = get_invitation(conn, invitation_id)
    if invitation is None or invitation.state != InvitationState.OPEN:
        return False
    if invitation.code is not None:
        conn.execute(
            "INSERT INTO spent_codes (code, until) VALUES (?, ?)"
            " ON CONFLICT (code) DO UPDATE SET until = MAX(until, excluded.until)",
            (invitation.code, to_db(invitation.expires_at)),
        )
    # Kept to the day only: a 「いいえ」 closes it at the minute the person wrote, and that
    # time beside the transcript would point at who declined.
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    conn.execute(
        "UPDATE invitations SET state = ?, closed_at = ?, code = NULL, token_hash = NULL"
        " WHERE id = ?",
        (InvitationState.CLOSED.value, to_db(day), invitation_id),
    )
    return True


def is_expired(invitation: Invitation, now: datetime) -> bool:
    """Open but past its time (never stored: 'expired' is read, INVITATION_EXPIRED)."""
    return invitation.state == InvitationState.OPEN and now >= invitation.expires_at


# --- the consent question waiting for an answer


def offer(conn: Tx, contact_id: int, invitation_id: int, now: datetime) -> None:
    """The consent question was asked: its invitation waits for the contact's answer."""
    conn.execute(
        "INSERT INTO invitation_offers (contact_id, invitation_id, asked_at) VALUES (?, ?, ?)"
        " ON CONFLICT (contact_id) DO UPDATE SET invitation_id = excluded.invitation_id,"
        " asked_at = excluded.asked_at",
        (contact_id, invitation_id, to_db(now)),
    )


def pending_offer(conn: Tx, contact_id: int) -> int | None:
    """The invitation whose consent question the contact has not answered yet."""
    row = conn.execute(
        "SELECT invitation_id FROM invitation_offers WHERE contact_id = ?", (contact_id,)
    ).fetchone()
    return int(row[0]) if row else None


def drop_offer(conn: Tx, contact_id: int) -> None:
    conn.execute("DELETE FROM invitation_offers WHERE contact_id = ?", (contact_id,))


def question_is_last(conn: Tx, conversation_id: int) -> bool:
    """The consent question is the last thing said to the client in this conversation: a
    typed 「はい」 or 「いいえ」 answers it (later, only its buttons do)."""
    row = conn.execute(
        "SELECT kind FROM messages WHERE conversation_id = ? AND direction = 'out'"
        " ORDER BY id DESC LIMIT 1",
        (conversation_id,),
    ).fetchone()
    return row is not None and row[0] == MessageKind.INVITATION_QUESTION.value


# --- wrong code guesses

GUESS_WINDOW = timedelta(days=1)


def blocked(conn: Tx, subject: str, now: datetime) -> bool:
    """Codes from the subject are not checked now (too many wrong ones)."""
    row = conn.execute(
        "SELECT 1 FROM code_guesses WHERE subject = ? AND blocked_until > ?",
        (subject, to_db(now)),
    ).fetchone()
    return row is not None


def count_wrong(conn: Tx, subject: str, now: datetime, limit: int) -> int:
    """One more wrong guess within the day's window (a new window when the last began a day
    ago or more); at `limit`, the subject is blocked for a day. Returns the count."""
    start = to_db(now - GUESS_WINDOW)
    row = conn.execute(
        "INSERT INTO code_guesses (subject, window_start, wrong) VALUES (?, ?, 1)"
        " ON CONFLICT (subject) DO UPDATE SET"
        "   wrong = CASE WHEN window_start <= ? THEN 1 ELSE wrong + 1 END,"
        "   window_start = CASE WHEN window_start <= ? THEN excluded.window_start"
        "                  ELSE window_start END"
        " RETURNING wrong",
        (subject, to_db(now), start, start),
    ).fetchone()
    wrong = int(row[0])
    if wrong >= limit:
        conn.execute(
            "UPDATE code_guesses SET blocked_until = ? WHERE subject = ?",
            (to_db(now + GUESS_WINDOW), subject),
        )
    return wrong


def contact_subject(contact_id: int) -> str:
    return f"contact:{contact_id}"


def address_subject(address_hash: str) -> str:
    """A web address, as its SHA-256 (the address itself is not kept)."""
    return f"web:{address_hash}"
