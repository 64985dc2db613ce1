"""Who owns a conversation once a person is asked for, and who answers it today.

Runs inside the writer's transaction (sync, repository calls only), so an assignment and
the words that announce it are committed together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.config.organizations import Organization
from bot.config.settings import HandoffSettings
from storage import contacts, conversations, staff
from storage.contacts import Contact
from storage.conversations import Conversation
from storage.roles import Role
from storage.staff import StaffMember
from storage.tx import Tx


@dataclass(frozen=True)
class Owner:
    org: Organization
    counselor: StaffMember | None  # the named counselor; None while queued for review
    responder: StaffMember | None  # who answers today: the counselor, or their cover
    pair: StaffMember | None = None

    @property
    def covering(self) -> bool:
        return self.responder is not None and self.responder != self.counselor


def local_day(org: Organization, now: datetime) -> date:
    return now.astimezone(org.timezone).date()


def at_work(conn: Tx, member: StaffMember | None, org: Organization, now: datetime) -> bool:
    """Active and not on leave today (in the organisation's own calendar)."""
    return _available(conn, member, local_day(org, now))


def _available(conn: Tx, member: StaffMember | None, day: date) -> bool:
    return member is not None and member.active and staff.leave_on(conn, member.id, day) is None


def _least_loaded(
    conn: Tx,
    org_id: str,
    day: date,
    exclude: frozenset[int] = frozenset(),
) -> StaffMember | None:
    candidates = [
        member
        for member in staff.counselors(conn, org_id)
        if member.id not in exclude and _available(conn, member, day)
    ]
    if not candidates:
        return None
    load = staff.open_load(conn, [member.id for member in candidates])
    return min(candidates, key=lambda member: (load.get(member.id, 0), member.id))


def available_counselor(
    conn: Tx, org: Organization, now: datetime, exclude: frozenset[int] = frozenset()
) -> StaffMember | None:
    """The least loaded counselor of the organisation at work today, if any (not one of
    `exclude`)."""
    return _least_loaded(conn, org.id, local_day(org, now), exclude)


def assign_on_handoff(
    conn: Tx,
    settings: HandoffSettings,
    contact: Contact,
    conversation: Conversation,
    topic: str | None,
    now: datetime,
) -> Owner:
    org = settings.organization_for_topic(topic)
    day = local_day(org, now)
    counselor: StaffMember | None = None
    # Continuity: someone who wrote before goes back to the counselor they know.
    previous = staff.get(conn, contact.counselor_id) if contact.counselor_id else None
    if previous is not None and _available(conn, previous, day):
        counselor = previous
        org = settings.organization(previous.org_id)
    elif settings.assignment == "auto":
        counselor = _least_loaded(conn, org.id, day)
    pair = None
    if counselor is not None and settings.pair_counselors:
        pair = _pair_for(conn, settings, org, counselor, day)
    assign(
        conn,
        conversation.id,
        contact.id,
        org_id=org.id,
        counselor_id=counselor.id if counselor else None,
        pair_id=pair.id if pair else None,
        now=now,
    )
    return Owner(org, counselor, counselor, pair)


def assign(
    conn: Tx,
    conversation_id: int,
    contact_id: int,
    *,
    org_id: str,
    counselor_id: int | None,
    pair_id: int | None,
    now: datetime,
) -> None:
    """The one way a case gets its people (a handoff, an acceptance, a transfer, a pairing):
    the conversation's organisation, counselor and pair, and the counselor remembered for
    the contact, so that a return goes to them again (continuity). No counselor: the case
    waits in the queue."""
    conversations.assign(
        conn,
        conversation_id,
        org_id=org_id,
        counselor_id=counselor_id,
        pair_counselor_id=pair_id,
        at=now,
    )
    if counselor_id is not None:
        contacts.set_counselor(conn, contact_id, counselor_id)


def can_pair(counselor: StaffMember, pair: StaffMember) -> bool:
    """A pair is a counselor of the other organisation (the window's two organisations
    work a case together)."""
    return pair.role == Role.COUNSELOR and pair.org_id != counselor.org_id


def accept(
    conn: Tx,
    settings: HandoffSettings,
    conversation: Conversation,
    counselor: StaffMember,
    now: datetime,
) -> Owner:
    """A supervisor gives a queued case to a counselor (the weekly review's intake)."""
    org = settings.organization(counselor.org_id)
    pair_id = conversation.pair_counselor_id
    if pair_id is None and settings.pair_counselors:
        pair = _pair_for(conn, settings, org, counselor, local_day(org, now))
        pair_id = pair.id if pair else None
    assign(
        conn,
        conversation.id,
        conversation.contact_id,
        org_id=org.id,
        counselor_id=counselor.id,
        pair_id=pair_id,
        now=now,
    )
    accepted = conversations.get(conn, conversation.id)
    assert accepted is not None
    return owner_of(conn, settings, accepted, now)


def _pair_for(
    conn: Tx,
    settings: HandoffSettings,
    org: Organization,
    counselor: StaffMember,
    day: date,
) -> StaffMember | None:
    """The least loaded counselor of another organisation, to work the case in a pair."""
    for other in settings.organizations:
        if other.id != org.id:
            pair = _least_loaded(conn, other.id, day, frozenset({counselor.id}))
            if pair is not None:
                return pair
    return None


def owner_of(
    conn: Tx,
    settings: HandoffSettings,
    conversation: Conversation,
    now: datetime,
) -> Owner:
    """Who answers now: the counselor, or during their leave the pair, the named cover,
    else a supervisor."""
    org = settings.organization(conversation.org_id)
    day = local_day(org, now)
    counselor = staff.get(conn, conversation.counselor_id) if conversation.counselor_id else None
    pair = (
        staff.get(conn, conversation.pair_counselor_id) if conversation.pair_counselor_id else None
    )
    if counselor is None:
        return Owner(org, None, None, pair)
    leave = staff.leave_on(conn, counselor.id, day)
    if counselor.active and leave is None:
        return Owner(org, counselor, counselor, pair)
    named = staff.get(conn, leave.cover_staff_id) if leave and leave.cover_staff_id else None
    for candidate in (pair, named):
        if _available(conn, candidate, day):
            return Owner(org, counselor, candidate, pair)
    for supervisor in staff.supervisors(conn, org.id):
        if _available(conn, supervisor, day):
            return Owner(org, counselor, supervisor, pair)
    return Owner(org, counselor, None, pair)


def escalation_targets(conn: Tx, owner: Owner, now: datetime) -> list[int | None]:
    """The pair when there is one at work, else the organisation's supervisors; None (the
    shared queue) when nobody is."""
    day = local_day(owner.org, now)
    pair = owner.pair
    if pair is not None and pair != owner.responder and _available(conn, pair, day):
        return [pair.id]
    supervisors: list[int | None] = [
        s.id for s in staff.supervisors(conn, owner.org.id) if _available(conn, s, day)
    ]
    return supervisors or [None]
