"""Erasure (issue 23): a person's rows deleted and their data key destroyed.

A contact is erased on request (the console, the API, `tobira erase contact`) or by the
retention job when nothing of theirs is left to keep; a household goes with its last
member. Rows are deleted by ids only: nothing here reads a sealed text.

What stays: the audit log (who did what and when; a row that pointed at an erased
conversation keeps its id in `detail`, not as a link a reused id could follow) and the
year's figures (reporting_events and reporting_days hold kinds, days and numbers; their ids
are cleared, so a new contact that gets a freed id is never counted as the old one).

Freed bytes: every connection runs with `secure_delete` on (storage/database.py), so a
deleted row is zeroed in its page, and `truncate_wal` then empties the WAL of the frames
that held the rows (and the wrapped data key) before. Only on for the erasing job would
not do: copies left by earlier page splits and updates survive (tried: 2,000 keys, some
erased, one key's bytes were still in the file).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from storage.sealing import KeyGone, contact_subject, household_subject, keyring_of
from storage.sealing.rows import NAMED_BY_ID, keep_high_water
from storage.tx import Tx

# Every kind an erasure reports, in this order, present even when 0 (a stable answer).
CONTACT_KINDS = (
    "contacts",
    "conversations",
    "messages",
    "staff_notes",
    "deadlines",
    "outbox",
    "inbound_events",
    "safety_signals",
    "safety_feedback",
    "staff_alerts",
    "leave_moves",
    "invitation_offers",
    "household_members",
    "web_visitors",
    "data_keys",
)
HOUSEHOLD_KINDS = (
    "households",
    "invitations",
    "conferences",
    "action_items",
    "action_item_reminders",
)


def secure(conn: Tx) -> None:
    """Deleted content is overwritten with zeros (also set on every connection)."""
    conn.execute("PRAGMA secure_delete = ON")


def delete_conversations(conn: Tx, where: str, params: Mapping[str, object]) -> dict[str, int]:
    """Delete the conversations `SELECT id FROM conversations WHERE {where}` names, with
    everything that hangs on them; what only points at them (the audit log, an invitation,
    a figure's fact) is kept without the link."""
    ids = f"SELECT id FROM conversations WHERE {where}"
    keep_high_water(conn, *NAMED_BY_ID)  # no id deleted here is given to someone else
    conn.execute(
        "UPDATE audit_log SET detail = json_set(CASE WHEN json_valid(detail) THEN detail"
        " ELSE '{}' END, '$.erased_conversation', conversation_id), conversation_id = NULL"
        f" WHERE conversation_id IN ({ids})",
        params,
    )
    conn.execute(
        f"UPDATE invitations SET conversation_id = NULL WHERE conversation_id IN ({ids})", params
    )
    # The year's figures stay counted; their facts only stop pointing at what is deleted.
    conn.execute(
        f"UPDATE reporting_events SET conversation_id = NULL WHERE conversation_id IN ({ids})",
        params,
    )
    counts: dict[str, int] = {}
    # Marks and signals on messages before the messages; messages before the outbox rows
    # they point at.
    tables = (
        ("safety_feedback", "safety_feedback"),
        ("safety_signals", "safety_signals"),
        ("staff_alerts", "staff_alerts"),
        ("staff_notes", "staff_notes"),
        ("leave_moves", "leave_moves"),
        ("deadlines", "deadlines"),
        ("messages", "messages"),
        ("outbox", "outbox"),
    )
    for kind, table in tables:
        counts[kind] = conn.execute(
            f"DELETE FROM {table} WHERE conversation_id IN ({ids})", params
        ).rowcount
    counts["conversations"] = conn.execute(
        f"DELETE FROM conversations WHERE {where}", params
    ).rowcount
    return counts


def erase_contact(conn: Tx, contact_id: int) -> dict[str, int] | None:
    """Everything of one contact, their data key included; counts per kind (CONTACT_KINDS
    and HOUSEHOLD_KINDS, the latter when their household went with them). None: no such
    contact."""
    if conn.execute("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)).fetchone() is None:
        return None
    return erase_contacts(conn, [contact_id])


def erase_contacts(conn: Tx, contact_ids: Sequence[int]) -> dict[str, int]:
    """Every row of these contacts, and their data keys; a household left with nobody goes
    too (decided in issue 23: nobody is left that it is about). One statement per table for
    all of them (the retention job erases many at once), counts per kind summed."""
    secure(conn)
    counts = dict.fromkeys((*CONTACT_KINDS, *HOUSEHOLD_KINDS), 0)
    if not contact_ids:
        return counts
    ids = "SELECT value FROM json_each(:ids)"
    params = {"ids": json.dumps([int(i) for i in contact_ids])}
    households = [
        int(row[0])
        for row in conn.execute(
            f"SELECT DISTINCT household_id FROM household_members WHERE contact_id IN ({ids})",
            params,
        ).fetchall()
    ]
    counts.update(delete_conversations(conn, f"contact_id IN ({ids})", params))
    conn.execute(
        f"UPDATE reporting_events SET contact_id = NULL WHERE contact_id IN ({ids})", params
    )
    counts["outbox"] += conn.execute(
        f"DELETE FROM outbox WHERE contact_id IN ({ids})", params
    ).rowcount
    # Raw events: whose key seals them, or (written before that column) by the lookup hash
    # or, older still, the platform id in clear, compared in SQL and never read out.
    counts["inbound_events"] = conn.execute(
        f"DELETE FROM inbound_events WHERE contact_id IN ({ids}) OR (channel, user_key) IN"
        f" (SELECT channel, user_hash FROM contacts WHERE id IN ({ids}) AND user_hash IS NOT NULL"
        "  UNION ALL SELECT channel, platform_user_id FROM contacts"
        f"  WHERE id IN ({ids}) AND typeof(platform_user_id) = 'text')",
        params,
    ).rowcount
    counts["invitation_offers"] = conn.execute(
        f"DELETE FROM invitation_offers WHERE contact_id IN ({ids})", params
    ).rowcount
    conn.execute(
        "DELETE FROM code_guesses"
        " WHERE subject IN (SELECT 'contact:' || value FROM json_each(:ids))",
        params,
    )
    counts["household_members"] = conn.execute(
        f"DELETE FROM household_members WHERE contact_id IN ({ids})", params
    ).rowcount
    counts["web_visitors"] = _delete_web_visitors(conn, ids, params)
    counts["contacts"] = conn.execute(f"DELETE FROM contacts WHERE id IN ({ids})", params).rowcount
    for contact_id in contact_ids:
        counts["data_keys"] += _destroy(conn, contact_subject(contact_id))
    for household_id in households:
        if not _has_members(conn, household_id):
            for kind, n in erase_household(conn, household_id).items():
                counts[kind] = counts.get(kind, 0) + n
    return counts


def erase_household(conn: Tx, household_id: int) -> dict[str, int]:
    """A household with its invitations (and questions waiting on them), its conferences
    (action items, their reminders and alerts) and its data key; members it still has only
    leave it. Counts per kind (HOUSEHOLD_KINDS, data_keys, household_members)."""
    secure(conn)
    keep_high_water(conn, *NAMED_BY_ID)
    params = {"household": household_id}
    invitations = "SELECT id FROM invitations WHERE household_id = :household"
    meetings = "SELECT id FROM conferences WHERE household_id = :household"
    items = f"SELECT id FROM action_items WHERE conference_id IN ({meetings})"
    counts = {
        "invitation_offers": conn.execute(
            f"DELETE FROM invitation_offers WHERE invitation_id IN ({invitations})", params
        ).rowcount,
        "household_members": conn.execute(
            "DELETE FROM household_members WHERE household_id = :household", params
        ).rowcount,
    }
    counts["invitations"] = conn.execute(
        "DELETE FROM invitations WHERE household_id = :household", params
    ).rowcount
    counts["staff_alerts"] = conn.execute(
        f"DELETE FROM staff_alerts WHERE action_item_id IN ({items})", params
    ).rowcount
    counts["action_item_reminders"] = conn.execute(
        f"DELETE FROM action_item_reminders WHERE action_item_id IN ({items})", params
    ).rowcount
    counts["action_items"] = conn.execute(
        f"DELETE FROM action_items WHERE conference_id IN ({meetings})", params
    ).rowcount
    counts["conferences"] = conn.execute(
        "DELETE FROM conferences WHERE household_id = :household", params
    ).rowcount
    conn.execute(
        "UPDATE reporting_events SET household_id = NULL WHERE household_id = :household", params
    )
    counts["households"] = conn.execute(
        "DELETE FROM households WHERE id = :household", params
    ).rowcount
    counts["data_keys"] = _destroy(conn, household_subject(household_id))
    return counts


def empty_households(conn: Tx) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM households h WHERE NOT EXISTS"
        " (SELECT 1 FROM household_members m WHERE m.household_id = h.id) ORDER BY id"
    ).fetchall()
    return [int(row[0]) for row in rows]


def conversations_of(conn: Tx, contact_id: int) -> tuple[int, ...]:
    rows = conn.execute(
        "SELECT id FROM conversations WHERE contact_id = ? ORDER BY id", (contact_id,)
    ).fetchall()
    return tuple(int(row[0]) for row in rows)


def _delete_web_visitors(conn: Tx, ids: str, params: Mapping[str, object]) -> int:
    """A web contact's visitor row (their cookie): its key is the keyed hash of their
    platform id, which is sealed, so it is opened here while their data key still exists.
    The cookie then starts a new visitor. Only the hash is compared, never logged."""
    keyring = keyring_of(conn)
    rows = conn.execute(
        f"SELECT id, platform_user_id FROM contacts WHERE id IN ({ids}) AND channel = 'web'",
        params,
    ).fetchall()
    deleted = 0
    for contact_id, sealed in rows:
        try:
            token_hash = keyring.open(
                conn,
                contact_subject(contact_id),
                "contacts",
                "platform_user_id",
                contact_id,
                sealed,
            )
        except KeyGone:
            continue  # nothing of theirs can be opened any more, nor found by it
        if token_hash is None:
            continue
        # The keyed hash; the SHA-256 itself for a row written before it was keyed.
        deleted += conn.execute(
            "DELETE FROM web_visitors WHERE token_hash IN (?, ?)",
            (keyring.visitor_hash(token_hash), token_hash),
        ).rowcount
    return deleted


def _has_members(conn: Tx, household_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM household_members WHERE household_id = ? LIMIT 1", (household_id,)
    ).fetchone()
    return row is not None


def _destroy(conn: Tx, subject: str) -> int:
    """Crypto-shredding: the subject's data key deleted (every copy of what it sealed, in
    backups too, stays unreadable); 1 when there was one."""
    had = conn.execute("SELECT 1 FROM data_keys WHERE subject = ?", (subject,)).fetchone()
    keyring_of(conn).destroy(conn, subject)
    return 0 if had is None else 1


def truncate_wal(path: Path, *, tries: int = 100, pause: float = 0.05) -> bool:
    """Copy the WAL into the database and cut it to zero bytes, so the frames that held
    deleted rows are gone from the files. A reader on an older snapshot blocks it: tried
    again for up to tries x pause seconds. True when the WAL was emptied. Blocking: call it
    off the event loop."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=pause)
    try:
        for _ in range(tries):
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy == 0:
                return True
            time.sleep(pause)
        return False
    finally:
        conn.close()
