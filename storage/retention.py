"""Deleting what we promised to delete, over every table that holds something of a person.

Special-care personal data (APPI) is kept only as long as the window needs it:
- a resolved conversation, with everything that hangs on it, after `resolved_conversations`,
  unless its contact belongs to a household still open (or closed less than that long ago):
  a household's support is one story, kept whole until it has ended;
- a contact with nothing left, not seen since that cut-off, through the erasure path
  (storage/erasure.py): their rows, and their data key destroyed (crypto-shredding);
- a household whose last member is gone, with its invitations, conferences, action items,
  reminders and data key (erasure path too);
- processed raw platform events, finished outbox rows that belong to no conversation,
  wrong-code counts and spent codes after `raw_events`; web chat visitor tokens unused
  since the first cut-off (the web channel's own purge forgets them much sooner).

The audit log keeps who did what and when, without the link to what was deleted; the
year's figures keep their counts (their facts hold no personal data, and lose their ids).
"""

from __future__ import annotations

from datetime import datetime

from storage import erasure
from storage.statuses import OUTBOX_OPEN, ConversationStatus, EventStatus, OutboxStatus, sql_list
from storage.timefmt import to_db
from storage.tx import Tx

# Members of a household that is open, or closed after the cut-off, are kept.
_KEPT_BY_HOUSEHOLD = (
    "SELECT m.contact_id FROM household_members m JOIN households h ON h.id = m.household_id"
    " WHERE h.closed_at IS NULL OR h.closed_at >= :cut"
)
_FINISHED = sql_list(
    (OutboxStatus.DELIVERED, OutboxStatus.FAILED, OutboxStatus.CANCELLED),
)


def purge(conn: Tx, *, conversations_before: datetime, events_before: datetime) -> dict[str, int]:
    """Delete what is past its time (see the module's docstring). Returns counts per kind."""
    erasure.secure(conn)
    cut = {"cut": to_db(conversations_before)}
    counts = erasure.delete_conversations(
        conn,
        f"status = '{ConversationStatus.RESOLVED}' AND resolved_at < :cut"
        f" AND contact_id NOT IN ({_KEPT_BY_HOUSEHOLD})",
        cut,
    )

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
    # Sent (or given up) calls that belong to no conversation: no transcript points at them.
    counts["outbox"] += conn.execute(
        f"DELETE FROM outbox WHERE conversation_id IS NULL AND status IN {_FINISHED}"
        " AND created_at < ?"
        " AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.outbox_id = outbox.id)",
        (events_cut,),
    ).rowcount
    # Web chat visitor tokens (a hash and times): the web channel forgets them after
    # `[web] visitor_ttl`; this is the backstop for when that channel is off, at a cut-off
    # no configured token lifetime reaches.
    counts["web_visitors"] = conn.execute(
        "DELETE FROM web_visitors WHERE last_seen_at < :cut", cut
    ).rowcount

    # A contact with no conversation left, nothing waiting to be sent, not seen since the
    # cut-off and not kept by a household: erased whole, data key included.
    gone = conn.execute(
        "SELECT id FROM contacts WHERE last_seen_at < :cut"
        " AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = contacts.id)"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.contact_id = contacts.id"
        f"  AND o.status IN {sql_list(OUTBOX_OPEN)})"
        f" AND id NOT IN ({_KEPT_BY_HOUSEHOLD}) ORDER BY id",
        cut,
    ).fetchall()
    for kind in (*erasure.CONTACT_KINDS, *erasure.HOUSEHOLD_KINDS):
        counts.setdefault(kind, 0)
    for kind, n in erasure.erase_contacts(conn, [int(row[0]) for row in gone]).items():
        counts[kind] += n
    # Households left with nobody (their members erased some other way).
    for household_id in erasure.empty_households(conn):
        for kind, n in erasure.erase_household(conn, household_id).items():
            counts[kind] += n

    # Counts of wrong codes and closed codes are only of use for a day, and until the
    # invitation would have expired: gone with the raw events.
    conn.execute(
        "DELETE FROM code_guesses WHERE window_start < ?"
        " AND (blocked_until IS NULL OR blocked_until < ?)",
        (events_cut, events_cut),
    )
    conn.execute("DELETE FROM spent_codes WHERE until < ?", (events_cut,))
    return counts


def close_household(conn: Tx, household_id: int, staff_id: int | None, at: datetime) -> bool:
    """A household's support has ended: from now on, retention counts its members' time.
    False when there is no such open household."""
    cursor = conn.execute(
        "UPDATE households SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL",
        (to_db(at), staff_id, household_id),
    )
    return cursor.rowcount > 0
