"""Deleting what we promised to delete: old resolved conversations and raw platform events.

Special-care personal data (APPI) is kept only as long as the window needs it. The audit
log keeps who did what and when, without the link to the deleted conversation.

Households (migration 0013) go with their members' data: a contact that is deleted leaves
its household (and its pending consent question, its count of wrong codes); a household
whose last member is gone is deleted with its invitations, and its case conferences
(migration 0014) with their action items, reminders and the alerts about them. An
invitation made from a deleted conversation stays with its household, without the link.
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
    conn.execute(
        f"UPDATE invitations SET conversation_id = NULL WHERE conversation_id IN ({old})", (cut,)
    )
    # The year's figures stay counted; their facts only stop pointing at what is deleted.
    conn.execute(
        f"UPDATE reporting_events SET conversation_id = NULL WHERE conversation_id IN ({old})",
        (cut,),
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
    # platform user id too, and what hangs on it (households: see the docstring).
    gone = (
        "SELECT id FROM contacts WHERE last_seen_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = contacts.id)"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = contacts.id)"
    )
    conn.execute(
        f"UPDATE reporting_events SET contact_id = NULL WHERE contact_id IN ({gone})", (cut,)
    )
    counts["household_members"] = conn.execute(
        f"DELETE FROM household_members WHERE contact_id IN ({gone})", (cut,)
    ).rowcount
    conn.execute(f"DELETE FROM invitation_offers WHERE contact_id IN ({gone})", (cut,))
    conn.execute(
        f"DELETE FROM code_guesses WHERE subject IN (SELECT 'contact:' || id FROM ({gone}))",
        (cut,),
    )
    counts["contacts"] = conn.execute(f"DELETE FROM contacts WHERE id IN ({gone})", (cut,)).rowcount
    counts.update(_empty_households(conn))
    # Counts of wrong codes and closed codes are only of use for a day, and until the
    # invitation would have expired: gone with the raw events.
    conn.execute(
        "DELETE FROM code_guesses WHERE window_start < ?"
        " AND (blocked_until IS NULL OR blocked_until < ?)",
        (events_cut, events_cut),
    )
    conn.execute("DELETE FROM spent_codes WHERE until < ?", (events_cut,))
    return counts


def _empty_households(conn: Tx) -> dict[str, int]:
    """Households whose last member is gone, with their invitations (and a question still
    waiting on one of them) and their conferences (items, reminders, alerts about items)."""
    empty = (
        "SELECT id FROM households h WHERE NOT EXISTS"
        " (SELECT 1 FROM household_members m WHERE m.household_id = h.id)"
    )
    doomed = f"SELECT id FROM invitations WHERE household_id IN ({empty})"
    conn.execute(f"DELETE FROM invitation_offers WHERE invitation_id IN ({doomed})")
    invitations = conn.execute(f"DELETE FROM invitations WHERE household_id IN ({empty})").rowcount
    meetings = f"SELECT id FROM conferences WHERE household_id IN ({empty})"
    items = f"SELECT id FROM action_items WHERE conference_id IN ({meetings})"
    conn.execute(f"DELETE FROM staff_alerts WHERE action_item_id IN ({items})")
    conn.execute(f"DELETE FROM action_item_reminders WHERE action_item_id IN ({items})")
    action_items = conn.execute(
        f"DELETE FROM action_items WHERE conference_id IN ({meetings})"
    ).rowcount
    conferences = conn.execute(f"DELETE FROM conferences WHERE household_id IN ({empty})").rowcount
    households = conn.execute(f"DELETE FROM households WHERE id IN ({empty})").rowcount
    return {
        "invitations": invitations,
        "conferences": conferences,
        "action_items": action_items,
        "households": households,
    }
