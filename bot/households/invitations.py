"""What staff do with households: invite the person from a relative's conversation, revoke
an invitation, make a household by hand. Each a sync job on the writer, audited in its
transaction, refusing with `Refusal` when it does not apply; bot/conversation/desk.py runs
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config.settings import HouseholdSettings
from bot.households import codes
from bot.runtime.refusal import Refusal, active_member
from flows.intake import SKIPPED
from storage import audit, conversations
from storage import households as store
from storage.conversations import Conversation
from storage.households import Household
from storage.read_side.common import json_object
from storage.statuses import HouseholdRole
from storage.tx import Tx

# The web chat's page; the token travels in the fragment, which a browser never sends to a
# server, so no access log (ours or a proxy's) ever holds it. The page hands it over itself.
WEB_PATH = "/chat"
WEB_FRAGMENT = "invite="
LINE_URL = "https://line.me/R/oaMessage/{basic_id}/?{code}"


@dataclass(frozen=True)
class NewInvitation:
    """An invitation as made: the only moment its web token is known in plain."""

    id: int
    household_id: int
    code: str  # shown form, XXXX-XXXX
    token: str
    expires_at: datetime
    web_path: str  # /chat#invite=<token>: the console puts its own origin before it
    line_url: str | None  # None without [line] basic_id


def web_path(token: str) -> str:
    return f"{WEB_PATH}#{WEB_FRAGMENT}{token}"


def line_url(basic_id: str | None, code: str) -> str | None:
    """The LINE link that opens the chat with the code typed (None without a basic ID)."""
    if not basic_id:
        return None
    return LINE_URL.format(basic_id=basic_id, code=codes.shown(code))


def _conversation(conn: Tx, conversation_id: int) -> Conversation:
    conversation = conversations.get(conn, conversation_id)
    if conversation is None:
        raise Refusal("no such conversation", "no_conversation")
    return conversation


def relation_of(conversation: Conversation) -> str | None:
    """The intake's answer to "who are you to the person" (a choice id), if given."""
    intake = json_object(conversation.intake)
    value = intake.get("relationship") if intake else None
    return value if isinstance(value, str) and value and value != SKIPPED else None


def _household_for(
    conn: Tx, conversation: Conversation, staff_id: int, now: datetime
) -> tuple[Household, bool]:
    """The household of the conversation's contact, made (with the contact as `family`) when
    there is none. True when it was made now."""
    member = store.membership(conn, conversation.contact_id)
    if member is not None:
        if member.role == HouseholdRole.SELF:
            raise Refusal("the invitation is for the person; this is their own", "invite_from_self")
        found = store.get(conn, member.household_id)
        assert found is not None
        return found, False
    household = store.create(conn, created_by=staff_id, now=now)
    store.add_member(
        conn,
        household.id,
        conversation.contact_id,
        HouseholdRole.FAMILY,
        relation_of(conversation),
        now,
    )
    return household, True


def invite(
    conn: Tx, settings: HouseholdSettings, conversation_id: int, staff_id: int, now: datetime
) -> NewInvitation:
    """An invitation for the person, from a relative's (or supporter's) conversation; the
    household is made on the first one."""
    conversation = _conversation(conn, conversation_id)
    member = active_member(conn, staff_id)
    household, made = _household_for(conn, conversation, member.id, now)
    # An ended household's records only wait for retention: nobody new is asked into it.
    if not made and store.is_closed(conn, household.id):
        raise Refusal("the household's support has ended", "household_closed")
    code = codes.new_code()
    while store.code_taken(conn, code):
        code = codes.new_code()
    token = codes.new_token()
    expires_at = now + settings.invitation_life
    invitation = store.create_invitation(
        conn,
        household_id=household.id,
        conversation_id=conversation.id,
        code=code,
        token_hash=codes.token_hash(token),
        created_by=member.id,
        now=now,
        expires_at=expires_at,
    )
    if made:
        _audit_created(conn, member.id, conversation.id, household.id, now)
    audit.record(
        conn,
        staff_id=member.id,
        action="invite",
        conversation_id=conversation.id,
        at=now,
        detail={"household_id": household.id, "invitation_id": invitation.id},
    )
    return NewInvitation(
        id=invitation.id,
        household_id=household.id,
        code=codes.shown(code),
        token=token,
        expires_at=expires_at,
        web_path=web_path(token),
        line_url=line_url(settings.line_basic_id, code),
    )


def revoke(conn: Tx, invitation_id: int, staff_id: int, now: datetime) -> None:
    """Close an open invitation: its code and link stop working, exactly as when the person
    says 「いいえ」."""
    member = active_member(conn, staff_id)
    invitation = store.get_invitation(conn, invitation_id)
    if invitation is None:
        raise Refusal("no such invitation", "no_invitation")
    if not invitation.usable(now) or not store.close(conn, invitation.id, now):
        raise Refusal("the invitation is not open", "invitation_not_open")
    audit.record(
        conn,
        staff_id=member.id,
        action="revoke_invitation",
        conversation_id=invitation.conversation_id,
        at=now,
        # Not which invitation: a closed one with no revoke naming it would be a 「いいえ」.
        detail={"household_id": invitation.household_id},
    )


def close_open(conn: Tx, household_id: int, now: datetime) -> int:
    """A closed household's open invitations close with it (as a revoke would): a card
    already handed over must not bring anyone into a household whose support has ended.
    How many were closed."""
    return sum(
        store.close(conn, item.id, now) for item in store.open_for_household(conn, household_id)
    )


def create_household(conn: Tx, conversation_id: int, staff_id: int, now: datetime) -> Household:
    """A household made by hand from a conversation, its contact as `family`."""
    conversation = _conversation(conn, conversation_id)
    member = active_member(conn, staff_id)
    if store.membership(conn, conversation.contact_id) is not None:
        raise Refusal("the client already belongs to a household", "already_in_household")
    household, _ = _household_for(conn, conversation, member.id, now)
    _audit_created(conn, member.id, conversation.id, household.id, now)
    return household


def _audit_created(
    conn: Tx, staff_id: int, conversation_id: int, household_id: int, now: datetime
) -> None:
    audit.record(
        conn,
        staff_id=staff_id,
        action="create_household",
        conversation_id=conversation_id,
        at=now,
        detail={"household_id": household_id},
    )
