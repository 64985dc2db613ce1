"""A staff member's role, and the one place that says who supervises.

Supervisors and admins see every conversation, give a case to someone else, take one that
is already someone's, read the audit log and accept cases at the weekly review; counselors
work their own and their organisation's cases. Python asks `Role.can_supervise`, SQL uses
`SUPERVISING_SQL`, and the console's pages receive `can_supervise` from the server.
"""

from __future__ import annotations

from enum import StrEnum

from storage.statuses import sql_list


class Role(StrEnum):
    COUNSELOR = "counselor"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def can_supervise(self) -> bool:
        return self in SUPERVISING


# Admins run the system; they supervise too (the last resort for a client).
SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)
SUPERVISING_SQL = sql_list(SUPERVISING)
ROLES = tuple(role.value for role in Role)


def can_supervise(role: str) -> bool:
    """For a role read as text (a stored row, a session): an unknown role supervises nothing."""
    return role in SUPERVISING
