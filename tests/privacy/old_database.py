"""A database as a version before sealing (schema 15) left it: every text in clear.

Built with plain sqlite3 from the shipped migrations 1..15, then filled with rows in every
column that storage/sealing/columns.py lists, each holding a marker a test can look for in
the raw bytes.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from storage.migrate import _statements, available
from storage.sealing.columns import SEALED

BEFORE_SEALING = 15
AT = "2026-11-02T01:02:03.000000+00:00"


def marker(kind: str, n: int) -> str:
    return f"MARK-{kind}-{n:05d}-ひみつ"


def user_id(n: int) -> str:
    return f"U{n:032x}"


def build(path: Path, people: int = 3) -> None:
    """Schema 15 and `people` contacts with everything a person leaves behind, plus a raw
    event whose contact was already deleted (twice, the same person) and a malformed raw
    event with no user."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    # As SQLite builds without it leave a deleted row: its text in the file's free space.
    conn.execute("PRAGMA secure_delete = OFF")
    for version, sql in available():
        if version > BEFORE_SEALING:
            break
        for statement in _statements(sql):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {BEFORE_SEALING}")
    with conn:
        conn.execute(
            "INSERT INTO staff (id, login, name, display_name, role, created_at)"
            " VALUES (1, 'sato', '佐藤', '佐藤', 'counselor', ?)",
            (AT,),
        )
        for n in range(1, people + 1):
            _person(conn, n)
        for k, event in enumerate(("orphan-1", "orphan-2")):
            conn.execute(
                "INSERT INTO inbound_events (channel, event_id, user_key, kind,"
                " occurred_at_ms, received_at, payload, status)"
                " VALUES ('line', ?, ?, 'message', ?, ?, ?, 'done')",
                (event, user_id(10**6), k, AT, json.dumps({"text": marker("orphan", k)})),
            )
        conn.execute(
            "INSERT INTO inbound_events (channel, event_id, user_key, kind, occurred_at_ms,"
            " received_at, payload) VALUES ('line', 'malformed:x:0', NULL, 'malformed', 0,"
            " ?, '{}')",
            (AT,),
        )
    with conn:  # a message the old version deleted (its retention)
        conn.execute(
            "INSERT INTO messages (id, conversation_id, direction, author, kind, body,"
            " created_at) VALUES (?, 1, 'in', 'client', 'text', ?, ?)",
            (10**6, marker("deleted", 0), AT),
        )
    with conn:
        conn.execute("DELETE FROM messages WHERE id = ?", (10**6,))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _person(conn: sqlite3.Connection, n: int) -> None:
    uid = user_id(n)
    conn.execute(
        "INSERT INTO contacts (id, channel, platform_user_id, created_at, last_seen_at)"
        " VALUES (?, 'line', ?, ?, ?)",
        (n, uid, AT, AT),
    )
    conn.execute(
        "INSERT INTO conversations (id, contact_id, status, flow_state, intake, opened_at,"
        " updated_at) VALUES (?, ?, 'assigned', ?, ?, ?, ?)",
        (
            n,
            n,
            json.dumps({"step": "free", "answer": marker("state", n)}, ensure_ascii=False),
            json.dumps({"worry": marker("intake", n)}, ensure_ascii=False),
            AT,
            AT,
        ),
    )
    conn.execute(
        "INSERT INTO inbound_events (id, channel, event_id, user_key, kind, occurred_at_ms,"
        " received_at, payload, status) VALUES (?, 'line', ?, ?, 'message', ?, ?, ?, 'done')",
        (
            n,
            f"ev-{n}",
            uid,
            n,
            AT,
            json.dumps(
                {"source": {"userId": uid}, "message": {"text": marker("event", n)}},
                ensure_ascii=False,
            ),
        ),
    )
    conn.execute(
        "INSERT INTO messages (id, conversation_id, direction, author, kind, body,"
        " inbound_event_id, created_at) VALUES (?, ?, 'in', 'client', 'text', ?, ?, ?)",
        (n, n, marker("message", n), n, AT),
    )
    conn.execute(
        "INSERT INTO safety_signals (message_id, conversation_id, level, certain, matched, at)"
        " VALUES (?, ?, 'high', 1, ?, ?)",
        (n, n, marker("matched", n), AT),
    )
    conn.execute(
        "INSERT INTO outbox (id, contact_id, conversation_id, channel, payload, retry_key,"
        " status, created_at) VALUES (?, ?, ?, 'line', ?, ?, 'delivered', ?)",
        (n, n, n, json.dumps([{"text": marker("outbox", n)}], ensure_ascii=False), f"r{n}", AT),
    )
    conn.execute(
        "INSERT INTO staff_notes (conversation_id, author_id, kind, body, created_at)"
        " VALUES (?, 1, 'private', ?, ?)",
        (n, marker("note", n), AT),
    )
    conn.execute(
        "INSERT INTO households (id, number, label, created_at) VALUES (?, ?, ?, ?)",
        (n, n, f"世帯{n}", AT),
    )
    conn.execute(
        "INSERT INTO conferences (id, household_id, held_on, lead_agency, key_worker_id,"
        " decisions, created_at) VALUES (?, ?, '2026-11-01', '区', 1, ?, ?)",
        (n, n, marker("decision", n), AT),
    )
    conn.execute(
        "INSERT INTO action_items (conference_id, what, owner_agency, owner_person, due_on,"
        " state, result) VALUES (?, ?, '保健所', ?, '2026-12-01', 'done', ?)",
        (n, marker("what", n), marker("person", n), marker("result", n)),
    )


def clear_values(path: Path) -> dict[tuple[str, str, int], str]:
    """Every clear text in a sealed column: (table, column, row) -> text."""
    found: dict[tuple[str, str, int], str] = {}
    with sqlite3.connect(path) as conn:
        for column in SEALED:
            for row, value in conn.execute(
                f"SELECT {column.row}, {column.column} FROM {column.table}"
                f" WHERE typeof({column.column}) = 'text'"
            ):
                found[(column.table, column.column, row)] = value
    return found


def opened_values(conn: Any) -> dict[tuple[str, str, int], str | None]:
    """Every value of every sealed column, opened the way storage readers open them: with
    the subject the registry names. `conn` is a connection the Database made."""
    from storage.sealing import keyring_of

    keyring = keyring_of(conn)
    found: dict[tuple[str, str, int], str | None] = {}
    for column in SEALED:
        rows = conn.execute(
            f"SELECT t.{column.row}, {column.subject}, t.{column.column}"
            f" FROM {column.table} t WHERE t.{column.column} IS NOT NULL"
        ).fetchall()
        for row, subject, value in rows:
            key = (column.table, column.column, row)
            if subject is None:
                found[key] = value  # the registry names no key: never sealed
            else:
                found[key] = keyring.open(conn, subject, column.table, column.column, row, value)
    return found
