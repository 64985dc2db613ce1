"""Staff sign-in sessions and wrong-password counts, kept in the database.

A session is found by the SHA-256 of its cookie value (the value itself is never stored),
ends when it is signed out, revoked or idle too long, and every worker process sees the
same rows. Wrong passwords are counted per login as typed, whether or not it exists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.roles import Role
from storage.staff import StaffMember
from storage.timefmt import from_db, to_db
from storage.tx import Tx


@dataclass(frozen=True)
class SessionRow:
    id: int
    staff_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    end_reason: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_COLUMNS = "id, staff_id, csrf_token, created_at, last_seen_at, ended_at, end_reason"


def _row(row: tuple[Any, ...]) -> SessionRow:
    created, seen = from_db(row[3]), from_db(row[4])
    assert created is not None and seen is not None  # NOT NULL columns
    return SessionRow(row[0], row[1], row[2], created, seen, from_db(row[5]), row[6])


def start(conn: Tx, *, staff_id: int, token: str, csrf_token: str, at: datetime) -> int:
    row = conn.execute(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (token_hash(token), staff_id, csrf_token, to_db(at), to_db(at)),
    ).fetchone()
    return int(row[0])


def by_token(conn: Tx, token: str) -> SessionRow | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM staff_sessions WHERE token_hash = ?", (token_hash(token),)
    ).fetchone()
    return _row(tuple(row)) if row else None


def signed_in(conn: Tx, token: str) -> tuple[SessionRow, StaffMember] | None:
    """The open session of this cookie value and its active staff member, in one query."""
    row = conn.execute(
        "SELECT s.id, s.staff_id, s.csrf_token, s.created_at, s.last_seen_at, s.ended_at,"
        " s.end_reason, m.login, m.name, m.display_name, m.org_id, m.role"
        " FROM staff_sessions s JOIN staff m ON m.id = s.staff_id"
        " WHERE s.token_hash = ? AND s.ended_at IS NULL AND m.active = 1",
        (token_hash(token),),
    ).fetchone()
    if row is None:
        return None
    values = tuple(row)
    member = StaffMember(
        values[1], values[7], values[8], values[9], values[10], Role(values[11]), True
    )
    return _row(values[:7]), member


def get(conn: Tx, session_id: int) -> SessionRow | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM staff_sessions WHERE id = ?", (session_id,)
    ).fetchone()
    return _row(tuple(row)) if row else None


def touch(conn: Tx, session_id: int, at: datetime) -> None:
    conn.execute(
        "UPDATE staff_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL",
        (to_db(at), session_id),
    )


def end(conn: Tx, session_id: int, reason: str, at: datetime) -> bool:
    cursor = conn.execute(
        "UPDATE staff_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
        (to_db(at), reason, session_id),
    )
    return cursor.rowcount > 0


def end_all_for(conn: Tx, staff_id: int, reason: str, at: datetime) -> int:
    """Revoke every open session of one staff member (`tobira staff logout-all`)."""
    cursor = conn.execute(
        "UPDATE staff_sessions SET ended_at = ?, end_reason = ?"
        " WHERE staff_id = ? AND ended_at IS NULL",
        (to_db(at), reason, staff_id),
    )
    return cursor.rowcount


def open_count(conn: Tx, staff_id: int) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM staff_sessions WHERE staff_id = ? AND ended_at IS NULL",
        (staff_id,),
    ).fetchone()
    return int(row[0])


# -- wrong passwords ------------------------------------------------------------------------


def locked_until(conn: Tx, login: str, now: datetime) -> datetime | None:
    """When the lock on this login ends, if it is locked now."""
    row = conn.execute(
        "SELECT locked_until FROM login_attempts WHERE login = ?", (login,)
    ).fetchone()
    until = from_db(row[0]) if row else None
    return until if until is not None and until > now else None


def record_failure(
    conn: Tx, login: str, now: datetime, *, lock_after: int, lock_for: timedelta
) -> datetime | None:
    """Count one wrong password; returns when the lock ends if this one locked the login.

    The count starts again after a lock has run out, so a lock is never permanent."""
    row = conn.execute(
        "SELECT failures, locked_until FROM login_attempts WHERE login = ?", (login,)
    ).fetchone()
    failures = 0
    if row is not None:
        expired_lock = row[1] is not None and from_db(row[1]) <= now  # type: ignore[operator]
        failures = 0 if expired_lock else int(row[0])
    failures += 1
    until = now + lock_for if failures >= lock_after else None
    conn.execute(
        "INSERT INTO login_attempts (login, failures, last_failed_at, locked_until)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET failures = excluded.failures,"
        " last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until",
        (login, failures, to_db(now), to_db(until) if until else None),
    )
    return until


def clear_failures(conn: Tx, login: str) -> None:
    conn.execute("DELETE FROM login_attempts WHERE login = ?", (login,))


def purge(conn: Tx, *, before: datetime) -> dict[str, int]:
    """Forget sessions that ended (or went idle) and failed logins older than `before`."""
    cut = to_db(before)
    return {
        "staff_sessions": conn.execute(
            "DELETE FROM staff_sessions WHERE COALESCE(ended_at, last_seen_at) < ?", (cut,)
        ).rowcount,
        "login_attempts": conn.execute(
            "DELETE FROM login_attempts WHERE last_failed_at < ?"
            " AND (locked_until IS NULL OR locked_until < ?)",
            (cut, cut),
        ).rowcount,
    }
