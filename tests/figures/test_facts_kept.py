"""The facts behind the figures outside the traffic test: the migration's backfill of rows
written before it, open hours between two instants, the retention that keeps the counts,
and `[figures] suppress_below` with its errors."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config.errors import ConfigError
from bot.config.loading import load_settings
from bot.config.organizations import Organization
from bot.figures import FIGURE_KEYS, definition, figures_for, label
from bot.runtime.clock import TOKYO
from storage import migrate, retention, sealing
from storage.sealing import Keyring, keyring_of
from tests.sealing_keys import TEST_KEYS

FY2026 = (date(2026, 4, 1), date(2027, 3, 31))


def at_version(path, version: int) -> sqlite3.Connection:
    # A sealing connection: retention erases whole contacts, data keys included.
    conn = sealing.connect(path, Keyring(TEST_KEYS), isolation_level=None)
    for number, sql in migrate.available()[:version]:
        for statement in migrate._statements(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    return conn


def utc(*args: int) -> str:
    return datetime(*args, tzinfo=TOKYO).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_the_migration_counts_what_was_written_before_it(tmp_path):
    conn = at_version(tmp_path / "old.db", 14)
    rows = [
        # contact, channel, topic, opened (Tokyo), handed, first human answer, resolved
        (1, "line", "family", (2026, 5, 1, 10), (2026, 5, 1, 10, 5), (2026, 5, 1, 10, 35), None),
        (2, "web", "self", (2026, 5, 2, 23), None, None, (2026, 5, 3, 9)),
        (3, "line", None, (2026, 6, 30, 23, 30), (2026, 7, 1, 0), (2026, 7, 1, 10), None),
    ]
    for contact, channel, topic, opened, handed, answered, resolved in rows:
        conn.execute(
            "INSERT INTO contacts (id, channel, platform_user_id, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (contact, channel, f"u{contact}", utc(*opened), utc(*opened)),
        )
        conn.execute(
            "INSERT INTO conversations (id, contact_id, status, topic, intake, opened_at,"
            " updated_at, handed_off_at, first_human_answer_at, resolved_at,"
            " longest_wait_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                contact,
                contact,
                "resolved" if resolved else "assigned",
                topic,
                '{"age_band": "40s", "relationship": "_skip", "wishes": ["listen", "visit"]}'
                if contact == 1
                else None,
                utc(*opened),
                utc(*opened),
                utc(*handed) if handed else None,
                utc(*answered) if answered else None,
                utc(*resolved) if resolved else None,
                12.0 if resolved else None,
            ),
        )
    # The person themself (contact 2) joined the mother's household after her.
    conn.execute(
        "INSERT INTO households (id, number, label, created_at) VALUES (1, 1, 'H', ?)",
        (utc(2026, 5, 1, 11),),
    )
    conn.execute(
        "INSERT INTO household_members VALUES"
        " (1, 1, 'family', 'mother', ?), (1, 2, 'self', NULL, ?)",
        (utc(2026, 5, 1, 11), utc(2026, 5, 2, 23)),
    )
    conn.execute(
        "INSERT INTO messages (id, conversation_id, direction, author, kind, body, created_at)"
        " VALUES (1, 3, 'in', 'client', 'text', '...', ?)",
        (utc(2026, 6, 30, 23, 30),),
    )
    conn.execute(
        "INSERT INTO safety_signals VALUES (1, 3, 'violence', 1, 'x', ?)",
        (utc(2026, 6, 30, 23, 30),),
    )
    conn.execute(
        "INSERT INTO staff (id, login, name, display_name, role, created_at)"
        " VALUES (1, 's', 's', 's', 'counselor', ?)",
        (utc(2026, 5, 1, 9),),
    )
    conn.execute(
        "INSERT INTO conferences (id, household_id, held_on, agencies, lead_agency,"
        " key_worker_id, created_at)"
        " VALUES (1, 1, '2026-06-10', '[\"保健センター\"]', '保健センター', 1, ?)",
        (utc(2026, 6, 10, 15),),
    )
    conn.execute(
        "INSERT INTO action_items (conference_id, what, owner_staff_id, due_on, state, done_at)"
        " VALUES (1, 'a', 1, '2026-06-20', 'done', ?), (1, 'b', 1, '2026-06-20', 'done', ?)",
        (utc(2026, 6, 20, 23, 59), utc(2026, 6, 21, 0, 1)),
    )
    assert migrate.migrate(conn) == (14, len(migrate.available()))
    keyring_of(conn).prepare(conn)  # as Database.open does after migrating

    found = figures_for(conn, *FY2026, today=date(2026, 12, 1)).to_api()
    # The household role names the writer: the son's conversation was "self" anyway, the
    # unanswered topic of contact 3 is unknown. Days are Tokyo's: 23:30 on 30 June is June.
    assert found["new_contacts"] == {
        "family": 1,
        "self": 1,
        "supporter": 0,
        "unknown": 1,
        "total": 3,
    }
    assert found["by_channel"] == {"line": 2, "web": 1}
    assert found["family_to_self"] == 1
    assert found["conversations"]["handed"] == 2 and found["conversations"]["resolved"] == 1
    assert found["first_human_answer"]["n"] == 2
    assert found["first_human_answer"]["p50_seconds"] == pytest.approx(1800, abs=0.01)
    assert found["first_human_answer"]["buckets"]["8h_24h"] == 1
    assert found["first_human_answer_open_hours"]["n"] == 0  # not known for old rows
    assert found["danger"] == {"crisis": 0, "violence": 1, "child": 0}
    assert found["intake"] == {
        "age_band": {"40s": 1},
        "relation": {},
        "topic": {"listen": 1, "visit": 1},
    }
    assert found["conferences"] == {"held": 1, "agencies": 1}
    assert found["action_items"]["done"] == 2 and found["action_items"]["done_by_due"] == 1
    assert [m["new_contacts"]["total"] for m in found["months"][1:4]] == [2, 1, 0]
    assert found["longest_waits"] == [{"day": "2026-05-03", "seconds": 12.0}]

    # Retention deletes the resolved conversation (once its household has closed): it stays
    # counted, pointing at nothing.
    conn.execute("UPDATE households SET closed_at = ?", (utc(2026, 7, 1, 9),))
    retention.purge(
        conn,
        conversations_before=datetime(2027, 1, 1, tzinfo=UTC),
        events_before=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert conn.execute("SELECT COUNT(*) FROM conversations WHERE id = 2").fetchone()[0] == 0
    assert figures_for(conn, *FY2026, today=date(2026, 12, 1)).to_api() == found
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM reporting_events WHERE conversation_id = 2 OR contact_id = 2"
        ).fetchone()[0]
        == 0
    )


def test_open_time_between_counts_only_the_open_hours():
    org = Organization.from_config(
        {
            "id": "w",
            "name": "窓口",
            "hours": {d: "09:00-12:00,13:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")},
        },
        "organizations[0]",
    )
    friday_16 = datetime(2026, 11, 27, 16, 0, tzinfo=TOKYO)
    monday_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)
    assert org.open_time_between(friday_16, monday_10) == timedelta(hours=2)
    assert org.open_time_between(
        datetime(2026, 11, 30, 11, 30, tzinfo=TOKYO), datetime(2026, 11, 30, 13, 30, tzinfo=TOKYO)
    ) == timedelta(hours=1)
    assert org.open_time_between(monday_10, friday_16) == timedelta(0)


def settings_from(tmp_path, text: str):
    path = tmp_path / "tobira.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env={})


def test_suppress_below_has_a_default_and_clear_errors(tmp_path):
    assert settings_from(tmp_path, "").figures.suppress_below == 3
    assert settings_from(tmp_path, "[figures]\nsuppress_below = 10\n").figures.suppress_below == 10
    for wrong in ("0", "true", '"3"', "2.5", "101"):
        with pytest.raises(ConfigError) as error:
            settings_from(tmp_path, f"[figures]\nsuppress_below = {wrong}\n")
        message = str(error.value)
        assert "figures.suppress_below" in message and "1 to 100" in message
        assert "tobira.toml:2" in message


def test_every_figure_has_a_name_and_a_definition_in_both_languages():
    keys = [*FIGURE_KEYS, "action_items.overdue_now", "longest_waits", "agencies"]
    keys += ["intake.age_band", "intake.relation", "intake.topic"]
    for key in keys:
        for language in ("ja", "en"):
            assert label(key, language).strip() and definition(key, language).strip(), key
    assert label("new_contacts.self", "ja") != label("new_contacts.self", "en")
