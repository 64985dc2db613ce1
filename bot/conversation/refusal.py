"""A staff action that does not apply (unknown staff, a closed conversation...): one error
for the desk, reassignment and notes, safe to show, and the look-ups such actions start with.
"""

from __future__ import annotations

from storage import conversations, staff
from storage.conversations import Conversation
from storage.staff import StaffMember
from storage.statuses import HUMAN_OWNED
from storage.tx import Tx


class Refusal(ValueError):
    """`key` names the sentence the console shows (staff_console/errors.toml)."""

    def __init__(self, message: str, key: str = "desk") -> None:
        super().__init__(message)
        self.key = key


def open_conversation(conn: Tx, conversation_id: int) -> Conversation:
    """The conversation, if a human owns it (queued or assigned)."""
    conversation = conversations.get(conn, conversation_id)
    if conversation is None or conversation.status not in HUMAN_OWNED:
        raise Refusal("this conversation is not waiting for staff", "not_open")
    return conversation


def active_member(conn: Tx, staff_id: int) -> StaffMember:
    member = staff.get(conn, staff_id)
    if member is None or not member.active:
        raise Refusal("unknown or inactive staff member", "unknown_staff")
    return member
