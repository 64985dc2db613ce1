"""Staff members and their leave.

Sync functions take the writer's connection: the handoff logic picks a counselor inside the
turn's own transaction, so it reads staff, leave and load with the same `conn`. Async
readers are for the CLI and the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.roles import ROLES, SUPERVISING_SQL, Role
from storage.statuses import HUMAN_OWNED, sql_list
from storage.timefmt import to_db
from storage.tx import Tx
from storage.tx import fetch_all as _all
from storage.tx import fetch_one as _one

# A conversation counts against a counselor's load until it is resolved.
_OPEN = sql_list(HUMAN_OWNED)


class StaffError(ValueError):
    """A staff change that cannot be made; the message is one sentence for the operator."""


@dataclass(frozen=True)
class StaffMember:
    id: int
    login: str
    name: str
    display_name: str  # what clients see: 「担当は{display_name}です」
    org_id: str | None
    role: Role
    active: bool


@dataclass(frozen=True)
class Leave:
    id: int
    staff_id: int
    starts_on: date  # local dates, both inclusive
    ends_on: date
    cover_staff_id: int | None


_COLUMNS = "id, login, name, display_name, org_id, role, active"
_LEAVE_COLUMNS = "id, staff_id, starts_on, ends_on, cover_staff_id"


def _member(row: Sequence[Any]) -> StaffMember:
    return StaffMember(row[0], row[1], row[2], row[3], row[4], Role(row[5]), bool(row[6]))


def _leave(row: Sequence[Any]) -> Leave:
    return Leave(row[0], row[1], date.fromisoformat(row[2]), date.fromisoformat(row[3]), row[4])


# -- writers (inside db.write) ----------------------------------------------------------


def add(
    conn: Tx,
    *,
    login: str,
    name: str,
    display_name: str,
    org_id: str | None,
    role: str,
    password_hash: str | None,
    at: datetime,
) -> int:
    """A new active staff member; without a password hash the account cannot log in yet."""
    if role not in ROLES:
        raise StaffError(f"role {role!r} is not one of {', '.join(ROLES)}")
    for field, value in (("login", login), ("name", name), ("display name", display_name)):
        if not value.strip():
            raise StaffError(f"the {field} must not be empty")
    if by_login(conn, login) is not None:
        raise StaffError(f"a staff member with login {login!r} already exists")
    if org_id is not None:
        found = conn.execute("SELECT 1 FROM organizations WHERE id = ?", (org_id,)).fetchone()
        if found is None:
            known = [
                r[0] for r in conn.execute("SELECT id FROM organizations ORDER BY id").fetchall()
            ]
            raise StaffError(
                f"unknown organisation {org_id!r}; known: {', '.join(known) or '(none)'}"
            )
    row = conn.execute(
        "INSERT INTO staff (login, name, display_name, org_id, role, password_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (login, name, display_name, org_id, role, password_hash, to_db(at)),
    ).fetchone()
    return int(row[0])


def set_password_hash(conn: Tx, staff_id: int, password_hash: str) -> None:
    """Set or replace the hash (a new password, or a rehash after login with old parameters)."""
    cursor = conn.execute(
        "UPDATE staff SET password_hash = ? WHERE id = ?", (password_hash, staff_id)
    )
    if cursor.rowcount == 0:
        raise StaffError(f"no staff member with id {staff_id}")


def add_leave(
    conn: Tx,
    staff_id: int,
    starts_on: date,
    ends_on: date,
    cover_staff_id: int | None,
    at: datetime,
) -> int:
    """Record leave; overlapping entries are allowed and the newest one wins in `leave_on`."""
    if ends_on < starts_on:
        raise StaffError(f"the leave ends ({ends_on}) before it starts ({starts_on})")
    if get(conn, staff_id) is None:
        raise StaffError(f"no staff member with id {staff_id}")
    if cover_staff_id is not None:
        if cover_staff_id == staff_id:
            raise StaffError("a staff member cannot cover their own leave")
        cover = get(conn, cover_staff_id)
        if cover is None:
            raise StaffError(f"no staff member with id {cover_staff_id} to cover")
        if not cover.active:
            raise StaffError(f"{cover.login!r} is inactive and cannot cover")
    row = conn.execute(
        "INSERT INTO staff_leave (staff_id, starts_on, ends_on, cover_staff_id, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (staff_id, starts_on.isoformat(), ends_on.isoformat(), cover_staff_id, to_db(at)),
    ).fetchone()
    return int(row[0])


# -- readers inside a write transaction -------------------------------------------------


def get(conn: Tx, staff_id: int) -> StaffMember | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM staff WHERE id = ?", (staff_id,)).fetchone()
    return _member(row) if row else None


def by_login(conn: Tx, login: str) -> StaffMember | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM staff WHERE login = ?", (login,)).fetchone()
    return _member(row) if row else None


def counselors(conn: Tx, org_id: str) -> list[StaffMember]:
    """Active counselors of one organisation, oldest account first (a stable tie-break)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM staff"
        f" WHERE org_id = ? AND role = '{Role.COUNSELOR}' AND active = 1 ORDER BY id",
        (org_id,),
    ).fetchall()
    return [_member(r) for r in rows]


def supervisors(conn: Tx, org_id: str | None = None) -> list[StaffMember]:
    """Active supervisors and admins: the given organisation's first, supervisors before
    admins (admins run the system; they are the last resort for a client)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM staff WHERE role IN {SUPERVISING_SQL} AND active = 1"
        f" ORDER BY (org_id IS NOT NULL AND org_id = ?) DESC, role = '{Role.SUPERVISOR}' DESC, id",
        (org_id,),
    ).fetchall()
    return [_member(r) for r in rows]


def leave_on(conn: Tx, staff_id: int, day: date) -> Leave | None:
    """The leave covering a local date, if any (the newest entry when several overlap)."""
    row = conn.execute(
        f"SELECT {_LEAVE_COLUMNS} FROM staff_leave"
        " WHERE staff_id = ? AND starts_on <= ? AND ends_on >= ? ORDER BY id DESC LIMIT 1",
        (staff_id, day.isoformat(), day.isoformat()),
    ).fetchone()
    return _leave(row) if row else None


def open_load(conn: Tx, staff_ids: Sequence[int]) -> dict[int, int]:
    """Open (queued or assigned) conversations per staff member, as counselor or pair.

    Every requested id is in the answer, with 0 when it has none.
    """
    load = dict.fromkeys(staff_ids, 0)
    if not load:
        return load
    marks = ",".join("?" * len(load))
    # UNION (not UNION ALL): someone who is both counselor and pair of one conversation
    # carries it once.
    rows = conn.execute(
        "SELECT staff_id, COUNT(*) FROM ("
        f"  SELECT id, counselor_id AS staff_id FROM conversations WHERE status IN {_OPEN}"
        "  UNION"
        f"  SELECT id, pair_counselor_id FROM conversations WHERE status IN {_OPEN}"
        f") WHERE staff_id IN ({marks}) GROUP BY staff_id",
        tuple(load),
    ).fetchall()
    for staff_id, count in rows:
        load[staff_id] = count
    return load


# -- async readers (CLI, console) -------------------------------------------------------


def list_all(conn: Tx) -> list[StaffMember]:
    rows = _all(conn, f"SELECT {_COLUMNS} FROM staff ORDER BY org_id IS NULL, org_id, login")
    return [_member(r) for r in rows]


def credentials(conn: Tx, login: str) -> tuple[StaffMember, str] | None:
    """An active member and their password hash, for logging in; None when they cannot."""
    row = _one(
        conn,
        f"SELECT {_COLUMNS}, password_hash FROM staff"
        " WHERE login = ? AND active = 1 AND password_hash IS NOT NULL",
        (login,),
    )
    return (_member(row), row[7]) if row else None


def leaves(conn: Tx, staff_id: int) -> list[Leave]:
    rows = _all(
        conn,
        f"SELECT {_LEAVE_COLUMNS} FROM staff_leave WHERE staff_id = ? ORDER BY starts_on, id",
        (staff_id,),
    )
    return [_leave(r) for r in rows]
