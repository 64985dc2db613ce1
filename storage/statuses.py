"""Every status and kind stored in the database, in one place for Python and SQL alike.

SQL strings use these through `sql_list(...)`, so a status is spelled once.
"""

from __future__ import annotations

from enum import StrEnum


class ConversationStatus(StrEnum):
    BOT = "bot"  # the scripted flow is talking
    QUEUED = "queued"  # handed off, no counselor yet
    ASSIGNED = "assigned"  # a counselor owns it
    RESOLVED = "resolved"


# A human owns these: the bot only acknowledges, and they count against a counselor's load.
HUMAN_OWNED = (ConversationStatus.QUEUED, ConversationStatus.ASSIGNED)


class EventStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    # A push kept back, no call made, because the month's push allowance is used up
    # (bot/delivery/allowance.py); the console shows it as held.
    HELD = "held"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


# Still to be sent. The order is the partial index outbox_open's (migration 0011): a query
# naming the same list uses it.
OUTBOX_OPEN = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.HELD)


class DeadlineStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


class DeadlineKind(StrEnum):
    FOLLOWUP = "followup"  # one gentle push to the client
    REMIND_STAFF = "remind_staff"
    ESCALATE = "escalate"


class AlertKind(StrEnum):
    REMIND = "remind"
    ESCALATE = "escalate"
    TURN_FAILED = "turn_failed"
    DELIVERY_FAILED = "delivery_failed"  # an answer could not be delivered
    MENTION = "mention"  # a colleague wrote @login in a note
    HANDOVER = "handover"  # a handover note (申し送り) addressed to this staff member
    TRANSFERRED = "transferred"  # a colleague gave this staff member a case
    PAIRED = "paired"  # this staff member now works a case as the pair
    # An answer waits: the month's push allowance is used up (bot/delivery/allowance.py).
    PUSH_HELD = "push_held"
    # A message signalled danger (bot/safety), by level: a human must look now.
    DANGER_CRISIS = "danger_crisis"
    DANGER_VIOLENCE = "danger_violence"
    DANGER_CHILD = "danger_child"
    # A possible danger signal (a weak one): the bot asked the client how they are; a human
    # should read it. A 「はい」 to the question raises the danger_* alert above.
    POSSIBLE_CRISIS = "possible_crisis"
    POSSIBLE_VIOLENCE = "possible_violence"
    POSSIBLE_CHILD = "possible_child"
    # The client wrote soon after a resolution: the conversation is open again.
    CONVERSATION_REOPENED = "conversation_reopened"
    # A person invited by their family said 「はい」: they joined the household, and their
    # conversation is the household counselor's (bot/households).
    HOUSEHOLD_JOINED = "household_joined"
    # A case conference's action item (issue 21) is due soon or today, or is overdue: to its
    # owner, or to the key worker for an agency's item. About the item, not a conversation.
    ACTION_ITEM_DUE = "action_item_due"
    ACTION_ITEM_OVERDUE = "action_item_overdue"


def danger_alert(level: str) -> AlertKind:
    return AlertKind(f"danger_{level}")


def possible_alert(level: str) -> AlertKind:
    return AlertKind(f"possible_{level}")


class MessageKind(StrEnum):
    """Whose words an outgoing message is, for staff; incoming ones keep the platform's type."""

    FLOW = "flow"
    HANDOFF = "handoff"  # who answers and when, said at the handoff
    ACK = "ack"  # an acknowledgement while a human owns the conversation
    FOLLOWUP = "followup"
    TEXT = "text"  # a counselor's answer
    HANDOFF_SUMMARY = "handoff_summary"  # for staff only
    # A short answer to a word that works everywhere (「やめる」「はじめから」) once a person has
    # the conversation: the counselor still has it.
    NOTICE = "notice"
    # The answer to a message that signalled danger: warm words and helplines, and the short
    # one for another such message within the hour. Like the handoff's announcement, they
    # answer that message: the client's next one is acknowledged (who answers, and when).
    SAFETY = "safety"
    SAFETY_SHORT = "safety_short"
    # A possible danger signal: gentle words and the lines that always answer, then the
    # check-in question (stored as checkin_kind(...): which level, about whom, is the state
    # of the open question), then the warm answer to a 「いいえ」 or 「答えたくない」.
    SAFETY_POSSIBLE = "safety_possible"
    SAFETY_AFTER_CHECKIN = "safety_after_checkin"
    # For staff only: the client wrote soon after a resolution and the conversation opened
    # again. Like a handoff, it starts a new burst: the next client message is acknowledged.
    REOPENED = "reopened"
    # Households (bot/households): the consent question to a person who sent their family's
    # invitation code, and the bot's words about a code (the answer to 「はい」/「いいえ」, a
    # stale code's kind sentence). Neither names the household nor anyone in it.
    INVITATION_QUESTION = "invitation_question"
    INVITATION_REPLY = "invitation_reply"


# The check-in question's kind carries what it asked about, so that a restart loses nothing.
CHECKIN_PREFIX = "safety_checkin_"


def checkin_kind(level: str, about_other: bool) -> str:
    return f"{CHECKIN_PREFIX}{level}_{'other' if about_other else 'self'}"


def checkin_of(kind: str) -> tuple[str, bool] | None:
    """(level, about_other) of a check-in question's kind; None for any other kind."""
    if not kind.startswith(CHECKIN_PREFIX):
        return None
    level, _, who = kind[len(CHECKIN_PREFIX) :].rpartition("_")
    if not level or who not in ("self", "other"):
        return None
    return level, who == "other"


class HouseholdRole(StrEnum):
    """A member's place in a household (migration 0013)."""

    FAMILY = "family"  # a relative who writes about the person; `relation` says who
    SELF = "self"  # the person themself
    SUPPORTER = "supporter"  # someone who supports the household (a school, a caseworker)


class InvitationState(StrEnum):
    """An invitation's stored state. A revoked and a declined invitation are both CLOSED:
    nothing tells them apart. 'expired' is never stored: it is an open one past its time
    (`INVITATION_EXPIRED`, computed when read)."""

    OPEN = "open"
    USED = "used"
    CLOSED = "closed"


# What the console shows for an open invitation whose expires_at has passed.
INVITATION_EXPIRED = "expired"


class ActionItemState(StrEnum):
    """A case conference's action item (migration 0014). 'overdue' is never stored: it is
    an open one whose due date has passed (`ACTION_ITEM_OVERDUE`, computed when read)."""

    OPEN = "open"
    DONE = "done"  # with a short result: what came back
    DROPPED = "dropped"  # no longer needed


# What the console shows for an open action item past its due date.
ACTION_ITEM_OVERDUE = "overdue"


class ReminderKind(StrEnum):
    """The moments an open action item reminds its owner (each fires once)."""

    BEFORE = "before"  # `[conferences] remind_before` ahead of the due date
    DUE = "due"  # on the due date
    OVERDUE = "overdue"  # the day after it, once


class SummaryForm(StrEnum):
    """How a conference summary left the console (audited with to whom)."""

    PRINT = "print"
    PDF = "pdf"


# The `author` of a staff member's message; which one is its `staff_id` (migration 0012).
STAFF_AUTHOR = "staff"


def sql_list(values: tuple[StrEnum, ...]) -> str:
    """('a', 'b') for an SQL IN list of known constants (never for client data)."""
    return "(" + ", ".join(f"'{value.value}'" for value in values) + ")"
