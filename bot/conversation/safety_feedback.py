"""Staff teach the danger detector: a client's message marked "danger missed" (見逃し) or
"false alarm" (誤検知), for the next training run (`tobira safety export-feedback`).

A missed danger is marked on a client's text message that raised no signal, with the level
it should have had; a false alarm on one that raised a signal. One mark per message per
staff member: marking again replaces it, withdrawing removes it. Each change is audited
(ids, kind and level: never the words) and told to open pages as `conversation_changed`.
Who may mark is the console's check (the staff member must see the conversation).
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation.refusal import Refusal, active_member
from bot.delivery.outcome import Outcome
from bot.runtime.events import Event, EventKind
from storage import audit
from storage import safety_feedback as store
from storage.safety_feedback import KINDS, LEVELS, Mark
from storage.tx import Tx


def _message(conn: Tx, conversation_id: int, message_id: int) -> store.ClientText:
    found = store.client_text(conn, message_id)
    if found is None or found.conversation_id != conversation_id:
        raise Refusal("not a client's text message of this conversation", "feedback_message")
    return found


def mark(
    conn: Tx,
    *,
    conversation_id: int,
    message_id: int,
    staff_id: int,
    kind: str,
    level: str | None,
    now: datetime,
) -> tuple[Mark, Outcome]:
    # The one place the kind and level are checked (the console and storage rely on it).
    if kind not in KINDS:
        raise Refusal(f"unknown feedback kind {kind!r}", "feedback_kind")
    if kind == "missed" and level not in LEVELS:
        raise Refusal("a missed danger needs its level", "feedback_level")
    if kind == "false_alarm" and level is not None:
        raise Refusal("a false alarm has no level", "feedback_level_not_wanted")
    active_member(conn, staff_id)
    message = _message(conn, conversation_id, message_id)
    if kind == "false_alarm" and not message.signalled:
        raise Refusal("this message raised no danger signal", "feedback_not_signalled")
    if kind == "missed" and message.signalled:
        raise Refusal("this message already raised a danger signal", "feedback_signalled")
    before = store.of(conn, message_id, staff_id)
    store.mark(
        conn,
        message_id=message_id,
        conversation_id=conversation_id,
        staff_id=staff_id,
        kind=kind,
        level=level,
        at=now,
    )
    audit.record(
        conn,
        staff_id=staff_id,
        action="safety_feedback",
        conversation_id=conversation_id,
        at=now,
        detail={
            "message_id": message_id,
            "kind": kind,
            "level": level,
            "replaced": None if before is None else {"kind": before.kind, "level": before.level},
        },
    )
    stored = store.of(conn, message_id, staff_id)
    assert stored is not None
    return stored, _told(conversation_id, staff_id)


def withdraw(
    conn: Tx, *, conversation_id: int, message_id: int, staff_id: int, now: datetime
) -> tuple[bool, Outcome]:
    """Remove the staff member's mark; (False, nothing told) when there was none."""
    _message(conn, conversation_id, message_id)
    before = store.of(conn, message_id, staff_id)
    if before is None:
        return False, Outcome()
    store.withdraw(conn, message_id, staff_id)
    audit.record(
        conn,
        staff_id=staff_id,
        action="safety_feedback_withdraw",
        conversation_id=conversation_id,
        at=now,
        detail={"message_id": message_id, "kind": before.kind, "level": before.level},
    )
    return True, _told(conversation_id, staff_id)


def _told(conversation_id: int, staff_id: int) -> Outcome:
    # Colleagues with the conversation open refresh it and see the mark.
    return Outcome(
        events=[Event(EventKind.CONVERSATION_CHANGED, conversation_id, staff_id=staff_id)]
    )
