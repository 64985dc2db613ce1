"""Staff notes on a conversation: private notes and handover notes (申し送り).

A note is written for colleagues only. It is stored apart from the transcript
(storage/notes.py) and never goes through `say`, so it cannot reach the client. `@login`
in a note raises an alert for that colleague, and a handover note addressed to one raises
one too; the alerts reach them live, after the commit, as `alert_raised` events.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.conversation.refusal import Refusal, active_member
from bot.delivery.outcome import Outcome
from bot.runtime.alerting import raise_alert
from bot.runtime.events import Event, EventKind
from storage import audit, conversations, notes, staff
from storage.statuses import AlertKind
from storage.tx import Tx

# A mention is @ and a login (letters, digits, . _ -), not inside an e-mail address.
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")
MAX_NOTE_CHARS = 5000


def mentioned_logins(text: str) -> list[str]:
    """Logins written as @login, in order, once each (a trailing full stop is not part of
    the login)."""
    found = [match.rstrip(".-_") for match in _MENTION.findall(text)]
    return list(dict.fromkeys(login for login in found if login))


def add_note(
    conn: Tx,
    *,
    conversation_id: int,
    author_id: int,
    kind: str,
    text: str,
    to_staff_id: int | None,
    now: datetime,
) -> tuple[int, Outcome]:
    """Store the note, alert whom it mentions or is addressed to; audited without its text."""
    if not text.strip():
        raise Refusal("the note is empty", "note_empty")
    if kind not in notes.KINDS:
        raise Refusal(f"unknown note kind {kind!r}", "note_kind")
    if to_staff_id is not None and kind != "handover":
        raise Refusal("only a handover note is addressed to someone", "note_kind")
    if conversations.get(conn, conversation_id) is None:
        raise Refusal("no such conversation", "no_conversation")
    active_member(conn, author_id)  # refused if unknown or inactive
    if to_staff_id is not None:
        addressee = staff.get(conn, to_staff_id)
        if addressee is None or not addressee.active:
            raise Refusal("the addressee is not an active staff member", "unknown_staff")
    note_id = notes.add(
        conn,
        conversation_id=conversation_id,
        author_id=author_id,
        kind=kind,
        body=text,
        at=now,
        to_staff_id=to_staff_id,
    )
    outcome = Outcome(events=[Event(EventKind.NOTE_ADDED, conversation_id, staff_id=author_id)])
    alerted: set[int] = {author_id}  # nobody is alerted by their own note

    def alert(staff_id: int, alert_kind: AlertKind) -> None:
        alerted.add(staff_id)
        raise_alert(
            conn,
            outcome.events,
            conversation_id=conversation_id,
            staff_id=staff_id,
            kind=alert_kind,
            now=now,
        )

    if to_staff_id is not None and to_staff_id not in alerted:
        alert(to_staff_id, AlertKind.HANDOVER)
    mentioned = []
    for login in mentioned_logins(text):
        member = staff.by_login(conn, login)
        if member is not None and member.active and member.id not in alerted:
            alert(member.id, AlertKind.MENTION)
            mentioned.append(member.id)
    audit.record(
        conn,
        staff_id=author_id,
        action="note",
        conversation_id=conversation_id,
        at=now,
        detail={"note_id": note_id, "kind": kind, "to": to_staff_id, "mentioned": mentioned},
    )
    return note_id, outcome
