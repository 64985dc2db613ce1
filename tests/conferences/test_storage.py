"""Migration 0014 and retention: the alerts table rebuilt keeps every alert as it was
(ids, seen or not), an alert is about a conversation or an action item and never both or
neither; and a household's conferences go with the household."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import keys
from bot.conferences.records import ConferenceInput, ItemInput
from bot.runtime.clock import TOKYO
from storage import staff
from storage.migrate import available, migrate
from tests.console.api_desk import ApiDesk

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)
TABLES = ("households", "conferences", "action_items", "action_item_reminders")


def test_the_alerts_are_kept_through_the_rebuild(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for _, sql in available()[:13]:
        conn.executescript(sql)
    conn.execute("PRAGMA user_version = 13")
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
    # By hand, as schema 13 had them: today's code writes later migrations' columns (the
    # facts of 0015, the sealed ids of 0016).
    contact_id = conn.execute(
        "INSERT INTO contacts (channel, platform_user_id, created_at, last_seen_at)"
        " VALUES ('line', 'U1', ?, ?) RETURNING id",
        ("2026-11-25T01:00:00.000000Z", "2026-11-25T01:00:00.000000Z"),
    ).fetchone()[0]
    conversation_id = conn.execute(
        "INSERT INTO conversations (contact_id, opened_at, updated_at) VALUES (?, ?, ?)"
        " RETURNING id",
        (contact_id, "2026-11-25T01:00:00.000000Z", "2026-11-25T01:00:00.000000Z"),
    ).fetchone()[0]
    rows = [
        (7, sato, conversation_id, "remind", "2026-11-25T01:00:00.000000Z", None),
        (9, None, conversation_id, "escalate", "2026-11-25T02:00:00.000000Z", "2026-11-25T03"),
    ]
    conn.executemany(
        "INSERT INTO staff_alerts (id, staff_id, conversation_id, kind, created_at, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    assert migrate(conn) == (13, len(available()))
    kept = conn.execute(
        "SELECT id, staff_id, conversation_id, kind, created_at, seen_at, action_item_id"
        " FROM staff_alerts ORDER BY id"
    ).fetchall()
    assert kept == [(*row, None) for row in rows]
    indexes = {r[1] for r in conn.execute("PRAGMA index_list(staff_alerts)").fetchall()}
    assert {"staff_alerts_open", "staff_alerts_by_conversation"} <= indexes
    # About nothing, or about both: refused.
    for about in (None, conversation_id):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO staff_alerts (conversation_id, action_item_id, kind, created_at)"
                " VALUES (?, ?, 'x', 'now')",
                (about, None if about is None else 1),
            )
    conn.close()


async def test_a_household_s_conferences_go_with_it(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        mother = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(mother)
        household = await desk.app[keys.DESK].create_household(conversation_id, sato.id)
        await desk.app[keys.DESK].record_conference(
            household.id,
            sato.id,
            ConferenceInput(
                held_on=date(2026, 11, 25),
                lead_agency="保健センター",
                key_worker_id=sato.id,
                action_items=(
                    ItemInput("調べる", date(2026, 12, 1), owner_staff_id=sato.id),
                    ItemInput(
                        "確認する", date(2027, 3, 1), owner_agency="学校", owner_person="鈴木"
                    ),
                ),
            ),
        )
        await desk.move(timedelta(days=10))  # the first item's reminders have rung

        def counts(conn) -> dict[str, int]:
            found = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
            found["item alerts"] = conn.execute(
                "SELECT COUNT(*) FROM staff_alerts WHERE action_item_id IS NOT NULL"
            ).fetchone()[0]
            return found

        assert await desk.db.read(counts) == {
            "households": 1,
            "conferences": 1,
            "action_items": 2,
            "action_item_reminders": 6,
            "item alerts": 3,
        }
        await desk.app[keys.DESK].resolve(conversation_id, sato.id)
        # Kept while the household is open (storage/retention.py); its support ends.
        assert await desk.app[keys.DESK].close_household(household.id, sato.id)
        desk.clock.advance(timedelta(days=4 * 365))
        result = await desk.app[keys.RETENTION].run()
        assert result["conferences"] == 1 and result["action_items"] == 2
        assert set((await desk.db.read(counts)).values()) == {0}
        # The audit log keeps who recorded it, without anything that names the household's
        # people (only ids).
        actions = await desk.db.read(
            lambda c: [r[0] for r in c.execute("SELECT action FROM audit_log").fetchall()]
        )
        assert "record_conference" in actions
