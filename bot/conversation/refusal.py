"""A staff action that does not apply (unknown staff, a closed conversation...): one error
for the desk, reassignment and notes, safe to show, and the look-ups such actions start with.
"""

from __future__ import annotations

from bot.handoff.assignment import can_pair
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


def pair_for(conn: Tx, counselor: StaffMember, pair_id: int) -> StaffMember:
    """The named pair of a counselor's case, if the pair rule allows them."""
    pair = active_member(conn, pair_id)
    if not can_pair(counselor, pair):
        raise Refusal("the pair is a counselor of the other organisation", "pair_other_org")
    return pair
