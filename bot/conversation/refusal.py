"""A staff action that does not apply (unknown staff, a closed conversation...): one error
for the desk, reassignment, notes and households, safe to show, and the look-ups such
actions start with. The class and `active_member` are defined in bot/runtime/refusal.py
(below every package that acts for staff, bot/households among them) and re-exported here.
"""

from __future__ import annotations

from bot.handoff.assignment import can_pair
from bot.runtime.refusal import Refusal, active_member
from storage import conversations
from storage.conversations import Conversation
from storage.staff import StaffMember
from storage.statuses import HUMAN_OWNED
from storage.tx import Tx

__all__ = ["Refusal", "active_member", "open_conversation", "pair_for"]


def open_conversation(conn: Tx, conversation_id: int) -> Conversation:
    """The conversation, if a human owns it (queued or assigned)."""
    conversation = conversations.get(conn, conversation_id)
    if conversation is None or conversation.status not in HUMAN_OWNED:
        raise Refusal("this conversation is not waiting for staff", "not_open")
    return conversation


def pair_for(conn: Tx, counselor: StaffMember, pair_id: int) -> StaffMember:
    """The named pair of a counselor's case, if the pair rule allows them."""
    pair = active_member(conn, pair_id)
    if not can_pair(counselor, pair):
        raise Refusal("the pair is a counselor of the other organisation", "pair_other_org")
    return pair
