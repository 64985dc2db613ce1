"""Staff authorship is a value (migration 0012): a staff answer names its writer in
`messages.staff_id`; rows written as 'staff:<id>' before are moved over."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from bot.runtime.clock import TOKYO
from storage import contacts, conversations, messages, read_side, sealing, staff
from storage.migrate import available, migrate
from storage.sealing import Keyring, keyring_of
from tests.sealing_keys import TEST_KEYS

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)


def test_rows_written_as_staff_colon_id_are_moved_to_staff_id(tmp_path: Path):
    conn = sealing.connect(tmp_path / "t.db", Keyring(TEST_KEYS), isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    keyring_of(conn).prepare(conn)
    sato = staff.add(
        conn,
        login="sato",
        name="佐藤",
        display_name="佐藤",
        org_id=None,
        role="counselor",
        password_hash=None,
        at=NOW,
    )
    contact = contacts.upsert_seen(conn, "line", "U1", NOW)
    conversation = conversations.open_for_contact(conn, contact.id, NOW)
    # The database as it was before 0012: the writer spelled into `author`.
    conn.execute("DROP INDEX messages_by_staff")
    conn.execute("ALTER TABLE messages DROP COLUMN staff_id")
    for author in (f"staff:{sato}", "staff:999", "bot"):
        conn.execute(
            "INSERT INTO messages (conversation_id, direction, author, kind, body, created_at)"
            " VALUES (?, 'out', ?, 'text', 'x', '2026-11-25T01:00:00+00:00')",
            (conversation.id, author),
        )
    # 0012 itself, run again (later migrations are not this test's).
    conn.executescript(dict(available())[12])
    rows = conn.execute("SELECT author, staff_id FROM messages ORDER BY id").fetchall()
    assert [tuple(row) for row in rows] == [("staff", sato), ("staff", None), ("bot", None)]
    shown, _ = read_side.transcript(conn, conversation.id)
    assert [m.author_kind for m in shown] == ["staff", "staff", "bot"]
    assert shown[0].author is not None and shown[0].author.display_name == "佐藤"
    # A new staff answer is written the same way.
    messages.add(
        conn,
        conversation.id,
        direction="out",
        author="staff",
        kind="text",
        body="y",
        at=NOW,
        staff_id=sato,
    )
    assert read_side.recent_staff_answer(conn, conversation.id, 0, NOW) is not None
    assert read_side.recent_staff_answer(conn, conversation.id, sato, NOW) is None
    conn.close()
