"""Deleting what we promised to delete: old resolved conversations and raw platform events.

Special-care personal data (APPI) is kept only as long as the window needs it. The audit
log keeps who did what and when, without the link to the deleted conversation.
"""

from __future__ import annotations

from datetime import datetime

from storage.statuses import ConversationStatus, EventStatus
from storage.timefmt import to_db
from storage.tx import Tx


def purge(conn: Tx, *, conversations_before: datetime, events_before: datetime) -> dict[str, int]:
    """Delete conversations resolved before the first cut-off (with everything that hangs on
    them), processed raw events received before the second, and contacts nothing is left
    of. Returns counts per kind."""
    cut = to_db(conversations_before)
    old = (
        "SELECT id FROM conversations"
        f" WHERE status = '{ConversationStatus.RESOLVED}' AND resolved_at < ?"
    )
    conn.execute(
        f"UPDATE audit_log SET conversation_id = NULL WHERE conversation_id IN ({old})", (cut,)
    )
    counts: dict[str, int] = {}
    # Staff marks on messages (safety feedback) and the signals the detector raised on them
    # before the messages; messages before the outbox rows they point at.
    tables = (
        "safety_feedback",
        "safety_signals",
        "staff_alerts",
        "staff_notes",
        "leave_moves",
        "deadlines",
        "messages",
        "outbox",
    )
    for table in tables:
        counts[table] = conn.execute(
            f"DELETE FROM {table} WHERE conversation_id IN ({old})", (cut,)
        ).rowcount
    counts["conversations"] = conn.execute(
        f"DELETE FROM conversations WHERE status = '{ConversationStatus.RESOLVED}' AND"
        " resolved_at < ?",
        (cut,),
    ).rowcount

    events_cut = to_db(events_before)
    processed = (
        f"SELECT id FROM inbound_events WHERE status != '{EventStatus.PENDING}' AND received_at < ?"
    )
    conn.execute(
        f"UPDATE messages SET inbound_event_id = NULL WHERE inbound_event_id IN ({processed})",
        (events_cut,),
    )
    counts["inbound_events"] = conn.execute(
        f"DELETE FROM inbound_events WHERE status != '{EventStatus.PENDING}' AND received_at < ?",
        (events_cut,),
    ).rowcount

    # A contact with no conversation left and not seen since the cut-off: forget the
    # platform user id too.
    counts["contacts"] = conn.execute(
        "DELETE FROM contacts WHERE last_seen_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = contacts.id)"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = contacts.id)",
        (cut,),
    ).rowcount
    return counts
