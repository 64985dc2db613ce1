"""Sealing what older versions wrote in clear (issue 23), at the first open after the upgrade.

Runs on the writer connection in Database.open, after the keyring is prepared and before
anything else writes. Work goes in batches, one short transaction each (BEGIN IMMEDIATE,
under the connection's busy_timeout), so an interrupted run (kill -9) loses nothing and the
next open goes on where it stopped: a value is sealed (BLOB) or still clear
(`typeof(col) = 'text'`), and that is all the state there is. The steps, in order:

1. raw events (`inbound_events`) of older versions hold the platform id in `user_key`: it
   becomes the keyed hash, and `contact_id` names the contact (found by its still clear
   platform id, or made for an event whose contact was already deleted), whose key seals
   the payload;
2. every column of columns.SEALED but the platform ids, from the registry alone;
3. the platform ids (`contacts.platform_user_id`);
4. VACUUM and an emptied WAL: an UPDATE leaves the old text in the page's free space and in
   WAL frames, and rows deleted before the upgrade live on in free pages;
5. the contacts' lookup hash (`user_hash`), from their sealed platform ids.

Contacts get their hash last, so "a contact without user_hash" is the mark of a backfill
with work left: checking it is the whole cost of an open once the backfill is done. Every
contact written since the upgrade has its hash (contacts are found by it). A raw event
without a user (a malformed one) is sealed with whatever key the registry names for it.

`hash_web_visitors` runs after it at every open: web chat rows that named the visitor (the
cookie's SHA-256 in `web_visitors`, its first characters in web event ids) become keyed.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from storage.sealing.columns import SEALED, SealedColumn
from storage.sealing.keyring import Keyring, contact_subject
from storage.sealing.rows import next_row_id

log = logging.getLogger("tobira.sealing")

BATCH = 500
_PLATFORM_IDS = ("contacts", "platform_user_id")


def pending(conn: sqlite3.Connection) -> bool:
    """Whether this database holds data written before sealing that is not sealed yet."""
    if conn.execute("SELECT 1 FROM contacts WHERE user_hash IS NULL LIMIT 1").fetchone():
        return True
    # A raw event of an older version names its user but no contact. Those came before any
    # event written since (ids grow), so the first event with a user says it, without a
    # scan of the whole table at every open.
    first = conn.execute(
        "SELECT contact_id IS NULL FROM inbound_events WHERE user_key IS NOT NULL"
        " ORDER BY id LIMIT 1"
    ).fetchone()
    return first is not None and bool(first[0])


def seal_clear_values(
    conn: sqlite3.Connection, keyring: Keyring, batch: int = BATCH
) -> dict[str, int]:
    """Seal everything still in clear; returns how many values each step sealed (empty when
    there was nothing to do). `conn` is in autocommit mode (isolation_level=None)."""
    if not pending(conn):
        return {}
    done: dict[str, int] = {"inbound_events.user_key": _link_raw_events(conn, keyring, batch)}
    for column in SEALED:
        if (column.table, column.column) != _PLATFORM_IDS:
            done[f"{column.table}.{column.column}"] = _seal_column(conn, keyring, column, batch)
    platform_ids = next(c for c in SEALED if (c.table, c.column) == _PLATFORM_IDS)
    done["contacts.platform_user_id"] = _seal_column(conn, keyring, platform_ids, batch)
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    done["contacts.user_hash"] = _hash_platform_ids(conn, keyring, batch)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log.info("sealed what was written in clear", extra={"sealed": done})
    return done


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _link_raw_events(conn: sqlite3.Connection, keyring: Keyring, batch: int) -> int:
    total = 0
    while True:
        with _transaction(conn):
            rows = conn.execute(
                "SELECT id, channel, user_key, received_at FROM inbound_events"
                " WHERE contact_id IS NULL AND user_key IS NOT NULL ORDER BY id LIMIT ?",
                (batch,),
            ).fetchall()
            for event_id, channel, user_key, received_at in rows:
                user_hash = keyring.user_hash(channel, user_key)
                # Its contact in clear, or one made for an earlier event of the same person.
                found = conn.execute(
                    "SELECT id FROM contacts WHERE channel = ?"
                    " AND (platform_user_id = ? OR user_hash = ?)",
                    (channel, user_key, user_hash),
                ).fetchone()
                contact_id = (
                    int(found[0])
                    if found is not None
                    else _make_contact(conn, keyring, channel, user_key, received_at)
                )
                conn.execute(
                    "UPDATE inbound_events SET user_key = ?, contact_id = ? WHERE id = ?",
                    (user_hash, contact_id, event_id),
                )
        total += len(rows)
        if len(rows) < batch:
            return total


def _make_contact(
    conn: sqlite3.Connection, keyring: Keyring, channel: str, user_id: str, seen_at: str
) -> int:
    """A raw event whose contact was deleted (retention keeps raw events longer) or not made
    yet (a pending event): its contact, made as the service would make it."""
    contact_id = next_row_id(conn, "contacts")
    sealed = keyring.seal(
        conn, contact_subject(contact_id), "contacts", "platform_user_id", contact_id, user_id
    )
    conn.execute(
        "INSERT INTO contacts (id, channel, platform_user_id, user_hash, created_at,"
        " last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        (contact_id, channel, sealed, keyring.user_hash(channel, user_id), seen_at, seen_at),
    )
    return contact_id


def _seal_column(
    conn: sqlite3.Connection, keyring: Keyring, column: SealedColumn, batch: int
) -> int:
    """Seal one column's clear values, by rowid, one batch per transaction."""
    table, name = column.table, column.column
    select = (
        f"SELECT t.rowid, t.{column.row}, {column.subject}, t.{name} FROM {table} t"
        f" WHERE t.rowid > ? AND typeof(t.{name}) = 'text' ORDER BY t.rowid LIMIT ?"
    )
    update = f"UPDATE {table} SET {name} = ? WHERE rowid = ?"
    after, total, skipped = 0, 0, 0
    while True:
        with _transaction(conn):
            rows = conn.execute(select, (after, batch)).fetchall()
            for rowid, row, subject, text in rows:
                if subject is None:
                    skipped += 1  # the registry names nobody's key: left as it is
                    continue
                sealed = keyring.seal(conn, subject, table, name, row, text)
                conn.execute(update, (sealed, rowid))
                total += 1
        if len(rows) < batch:
            break
        after = rows[-1][0]
    if skipped:
        log.warning(
            "values left in clear: no subject", extra={"column": f"{table}.{name}", "rows": skipped}
        )
    return total


def _hash_platform_ids(conn: sqlite3.Connection, keyring: Keyring, batch: int) -> int:
    total = 0
    while True:
        with _transaction(conn):
            rows = conn.execute(
                "SELECT id, channel, platform_user_id FROM contacts WHERE user_hash IS NULL"
                " ORDER BY id LIMIT ?",
                (batch,),
            ).fetchall()
            for contact_id, channel, value in rows:
                user_id = keyring.open(
                    conn,
                    contact_subject(contact_id),
                    "contacts",
                    "platform_user_id",
                    contact_id,
                    value,
                )
                assert user_id is not None  # NOT NULL column
                # Two contacts of one platform id cannot both be found: a second one (only a
                # process of the old version writing beside the upgrade could make it) keeps
                # its data under a hash nothing looks up.
                conn.execute(
                    "UPDATE contacts SET user_hash = CASE WHEN EXISTS (SELECT 1 FROM contacts"
                    " WHERE channel = :channel AND user_hash = :hash) THEN 'unlinked:' || :id"
                    " ELSE :hash END WHERE id = :id",
                    {
                        "channel": channel,
                        "hash": keyring.user_hash(channel, user_id),
                        "id": contact_id,
                    },
                )
        total += len(rows)
        if len(rows) < batch:
            return total


def hash_web_visitors(conn: sqlite3.Connection, keyring: Keyring, batch: int = BATCH) -> int:
    """Web chat rows of older versions named the visitor: `web_visitors.token_hash` held the
    cookie's SHA-256 (the contact's platform id) and a web event's id began with it. The
    first becomes its keyed hash (the cookie goes on working), the second a keyed hash of
    itself. Runs before anything serves, in batches; what is done is the state: a SHA-256
    has 64 characters, a keyed hash 32, and a new event id has no ':'. Returns how many
    rows changed (0 once done: two cheap queries per open)."""
    total = 0
    while True:
        with _transaction(conn):
            rows = conn.execute(
                "SELECT token_hash FROM web_visitors WHERE length(token_hash) = 64 LIMIT ?",
                (batch,),
            ).fetchall()
            for (old,) in rows:
                conn.execute(
                    "UPDATE web_visitors SET token_hash = ? WHERE token_hash = ?",
                    (keyring.visitor_hash(old), old),
                )
        total += len(rows)
        if len(rows) < batch:
            break
    # Event ids were "<16 characters of the visitor>:<client's id or random>"; converted
    # oldest first, so the oldest web event says whether any is left.
    old_ids = (
        "SELECT id, event_id FROM inbound_events WHERE channel = 'web' AND id > ?"
        " AND instr(event_id, ':') > 0 ORDER BY id LIMIT ?"
    )
    first = conn.execute(
        "SELECT instr(event_id, ':') > 0 FROM inbound_events WHERE channel = 'web'"
        " ORDER BY id LIMIT 1"
    ).fetchone()
    after = 0
    while first is not None and first[0]:
        with _transaction(conn):
            events = conn.execute(old_ids, (after, batch)).fetchall()
            for event_id, old in events:
                conn.execute(
                    "UPDATE inbound_events SET event_id = ? WHERE id = ?",
                    (keyring.lookup_hash(f"web-event-before:{old}"), event_id),
                )
        total += len(events)
        if len(events) < batch:
            break
        after = events[-1][0]
    if total:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        log.info("web chat rows keyed", extra={"rows": total})
    return total
