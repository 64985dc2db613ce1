"""The API's JSON shapes, from the read side's dataclasses (pages may use the same dicts).

Times are ISO 8601 in UTC. Client text is data: it is returned exactly as written and it
is the page's job to show it as text (never as HTML).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.households.consent import TAP as CONSENT_TAPS
from bot.messages.catalogue import Catalogue
from flows import FlowSet
from flows.taps import describe_tap
from storage.households import Household
from storage.notes import Note
from storage.read_side import (
    AlertView,
    AuditEntry,
    Colleague,
    ConversationView,
    EarlierConversation,
    InboxRow,
    StaffRef,
    TranscriptMessage,
)
from storage.read_side.household import HouseholdRef, HouseholdView, InvitationRow
from storage.staff import StaffMember

if TYPE_CHECKING:
    from bot.households.invitations import NewInvitation

# A row turns red this long before the escalation is due (and stays red after).
RED_BEFORE_ESCALATION = timedelta(minutes=30)


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def staff_member(member: StaffMember) -> dict[str, Any]:
    return {
        "id": member.id,
        "login": member.login,
        "name": member.name,
        "display_name": member.display_name,
        "org_id": member.org_id,
        "role": member.role,
        # The pages ask this, never a list of roles of their own (storage/roles.py).
        "can_supervise": member.role.can_supervise,
    }


def staff_ref(ref: StaffRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"id": ref.id, "name": ref.name, "display_name": ref.display_name}


def attention(row: InboxRow, now: datetime) -> str:
    """ "red" when the escalation is near or past, "amber" once the follow-up or the staff
    reminder is due, else "none" (also when nobody waits)."""
    if row.waiting_since is None:
        return "none"
    if row.escalate_due is not None and now >= row.escalate_due - RED_BEFORE_ESCALATION:
        return "red"
    for due in (row.followup_due, row.remind_due):
        if due is not None and now >= due:
            return "amber"
    return "none"


def inbox_row(row: InboxRow, now: datetime) -> dict[str, Any]:
    waited = (now - row.waiting_since).total_seconds() if row.waiting_since else None
    return {
        "id": row.id,
        "status": row.status,
        "channel": row.channel,
        "writer": row.writer,
        "topic": row.topic,
        "org_id": row.org_id,
        "counselor": staff_ref(row.counselor),
        "pair": staff_ref(row.pair),
        "urgent": row.urgent,
        "waiting_since": when(row.waiting_since),
        "waited_seconds": max(0.0, waited) if waited is not None else None,
        "handed_off_at": when(row.handed_off_at),
        "last_message_at": when(row.last_message_at),
        "updated_at": when(row.updated_at),
        "followup_due": when(row.followup_due),
        "remind_due": when(row.remind_due),
        "escalate_due": when(row.escalate_due),
        "attention": attention(row, now),
        "open_alerts": row.open_alerts,
        # The intake in a few words (choice ids: the page shows their labels) and the start
        # of the client's last written message: text, to be shown with textContent only.
        "intake_brief": row.intake,
        "preview": row.preview,
    }


# A tap's postback data -> (the button's label, the question it answered), when known.
TapReader = Callable[[str], "tuple[str, str] | None"]


@cache
def _catalogue() -> Catalogue:
    return Catalogue.load()


def _consent_tap(data: str, language: str) -> tuple[str, str] | None:
    """A tap on the household consent question's 「はい」/「いいえ」 (bot/households): its label,
    as the person saw it (the question is long; the history shows the bot's message above)."""
    answer = CONSENT_TAPS.get(data)
    if answer is None:
        return None
    return _catalogue().text(f"invitation_{answer}", language), ""


def tap_reader(flows: FlowSet, language: str) -> TapReader:
    """Taps read in the conversation's language, from the flows the service runs (and the
    consent question of a family's invitation)."""
    return lambda data: describe_tap(flows, data, language) or _consent_tap(data, language)


def message(item: TranscriptMessage, taps: TapReader | None = None) -> dict[str, Any]:
    """`display_text` is what the client saw or did: for a tap on an answer button, the
    button's label (`question`: the question it answered); else the text itself."""
    tap = taps(item.text) if taps and item.kind == "postback" and item.text else None
    return {
        "display_text": tap[0] if tap else item.text,
        "question": tap[1] if tap else None,
        "id": item.id,
        "direction": item.direction,
        "author_kind": item.author_kind,
        "author": staff_ref(item.author),
        "kind": item.kind,
        "text": item.text,
        "created_at": when(item.created_at),
        "internal": item.internal,
        "delivery": item.delivery,
        "delivery_error": item.delivery_error,
        "sent_at": when(item.sent_at),
        "read_at": when(item.read_at),
    }


def alert(item: AlertView) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "conversation_id": item.conversation_id,
        "action_item_id": item.action_item_id,
        "staff_id": item.staff_id,
        "created_at": when(item.created_at),
        "seen_at": when(item.seen_at),
    }


def conversation_detail(
    view: ConversationView,
    now: datetime,
    taps: TapReader | None = None,
    household: HouseholdRef | Household | None = None,
) -> dict[str, Any]:
    return {
        **inbox_row(view.summary, now),
        "contact_id": view.contact_id,
        # Only staff see a household (the page says so beside it).
        "household": household_ref(household) if household is not None else None,
        "language": view.language,
        "reachable": view.reachable,
        "opened_at": when(view.opened_at),
        "resolved_at": when(view.resolved_at),
        "first_human_answer_at": when(view.first_human_answer_at),
        "intake": view.intake,
        "handoff_summary": view.handoff_summary,
        "messages": [message(item, taps) for item in view.messages],
        "earlier_messages": view.earlier_messages,
        "alerts": [alert(item) for item in view.alerts],
        "notes": [note(item) for item in view.notes],
        "earlier_conversations": [earlier(item) for item in view.earlier_conversations],
    }


def earlier(item: EarlierConversation) -> dict[str, Any]:
    return {
        "id": item.id,
        "number": item.id,  # what staff read and search by: the conversation's number
        "opened_at": when(item.opened_at),
        "resolved_at": when(item.resolved_at),
        "counselor": staff_ref(item.counselor),
    }


def note(item: Note) -> dict[str, Any]:
    return {
        "id": item.id,
        "conversation_id": item.conversation_id,
        "kind": item.kind,
        "internal": True,  # a note is for staff: never sent to the client
        "author": {"id": item.author_id, "display_name": item.author_name},
        "to": (
            {"id": item.to_staff_id, "display_name": item.to_staff_name or ""}
            if item.to_staff_id is not None
            else None
        ),
        "text": item.body,
        "created_at": when(item.created_at),
    }


def colleague(item: Colleague) -> dict[str, Any]:
    return {
        "id": item.id,
        "login": item.login,
        "display_name": item.display_name,
        "org_id": item.org_id,
        "role": item.role,
    }


def audit_entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": when(entry.at),
        "staff": staff_ref(entry.staff),
        "action": entry.action,
        "conversation_id": entry.conversation_id,
        "detail": entry.detail,
    }


def household_ref(item: HouseholdRef | Household) -> dict[str, Any]:
    return {"id": item.id, "number": item.number, "label": item.label}


def invitation(item: InvitationRow) -> dict[str, Any]:
    """An invitation as the household shows it: never its code or link (those are on the
    card, printed from the page that made it)."""
    return {
        "id": item.id,
        "state": item.state,  # open / used / closed / expired
        "created_at": when(item.created_at),
        "expires_at": when(item.expires_at),
        "conversation_id": item.conversation_id,
    }


def household(view: HouseholdView) -> dict[str, Any]:
    """Every member with their role; of their conversations, only those the viewer may see
    (storage/read_side/household.py)."""
    return {
        "id": view.id,
        "number": view.number,
        "label": view.label,
        "created_at": when(view.created_at),
        "closed_at": when(view.closed_at),
        "members": [
            {
                "contact_id": member.contact_id,
                "role": member.role,
                "relation": member.relation,
                "channel": member.channel,
                "joined_at": when(member.joined_at),
                "conversations": [
                    {"id": item.id, "status": item.status, "opened_at": when(item.opened_at)}
                    for item in member.conversations
                ],
            }
            for member in view.members
        ],
        "invitations": [invitation(item) for item in view.invitations],
    }


def new_invitation(made: NewInvitation, web_url: str, card_url: str) -> dict[str, Any]:
    """The invitation as just made: the only answer that holds its web link."""
    return {
        "id": made.id,
        "code": made.code,
        "household_id": made.household_id,
        "expires_at": when(made.expires_at),
        "web_url": web_url,
        "line_url": made.line_url,
        "card_url": card_url,
    }
