"""The error of a staff action that does not apply, defined at the bottom of bot's layers so
that every package that does staff actions (the conversation desk, households) raises the
same one. Its home for callers is bot/conversation/refusal.py, which re-exports it with the
look-ups actions start with."""

from __future__ import annotations

from storage import staff
from storage.staff import StaffMember
from storage.tx import Tx


class Refusal(ValueError):
    """`key` names the sentence the console shows (staff_console/errors.toml)."""

    def __init__(self, message: str, key: str = "desk") -> None:
        super().__init__(message)
        self.key = key


def active_member(conn: Tx, staff_id: int) -> StaffMember:
    member = staff.get(conn, staff_id)
    if member is None or not member.active:
        raise Refusal("unknown or inactive staff member", "unknown_staff")
    return member
