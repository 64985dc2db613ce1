"""Platform ids, raw events and outbox payloads are stored sealed (issue 23), read raw from
the real database file; people are still found, answered and recovered after a restart."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage import contacts, events, outbox
from storage.database import Database
from storage.events import NewEvent
from tests import line_events as ev
from tests.sealing_keys import TEST_KEYS
from tests.service import RunningService, settings_for

MARKER = "秘密のマーカー文字列です"


def _raw(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows as the file holds them, read with no keyring at all."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _clear_in(value: Any, *texts: str) -> bool:
    data = value if isinstance(value, bytes) else str(value).encode()
    return any(text.encode() in data for text in texts)


async def test_stored_rows_hold_no_platform_id_and_no_text_in_clear(service, line, tmp_path):
    user = ev.new_user_id()
    await service.post_events(ev.text(user, MARKER, line.issue_reply_token(user)))
    await service.settle()
    assert line.delivered_texts(user), "the person was answered"
    db = tmp_path / "tobira.db"

    [(platform_id, user_hash)] = _raw(db, "SELECT platform_user_id, user_hash FROM contacts")
    assert isinstance(platform_id, bytes) and not _clear_in(platform_id, user)
    assert user_hash != user and user not in user_hash
    [(payload, user_key, contact_id)] = _raw(
        db, "SELECT payload, user_key, contact_id FROM inbound_events"
    )
    assert isinstance(payload, bytes) and not _clear_in(payload, user, MARKER)
    assert user_key == user_hash and contact_id is not None
    reply = line.delivered_texts(user)[0].split("\n")[0]  # a line of it, as JSON holds it
    for (sent,) in _raw(db, "SELECT payload FROM outbox"):
        assert isinstance(sent, bytes) and not _clear_in(sent, user, reply)
    for table in ("contacts", "inbound_events", "outbox"):
        for row in _raw(db, f"SELECT * FROM {table}"):
            assert not any(_clear_in(value, user, MARKER) for value in row), table

    # ... and storage opens them again.
    found = await service.db.read(contacts.find, "line", user)
    assert found is not None and found.id == contact_id and found.platform_user_id == user
    [(row_id, sealed)] = _raw(db, "SELECT id, payload FROM inbound_events")
    opened = await service.db.read(events.open_payload, row_id, contact_id, sealed)
    assert json.loads(opened)["message"]["text"] == MARKER
    outbox_id, sealed_call = _raw(db, "SELECT id, payload FROM outbox ORDER BY id")[0]
    call = await service.db.read(outbox.open_payload, contact_id, outbox_id, sealed_call)
    assert reply in call


async def test_an_event_without_a_user_is_sealed_with_the_service_key(service, tmp_path):
    group_event = ev.text("Uignored", MARKER, "token")
    group_event["source"] = {"type": "group", "groupId": "C" + "1" * 32}
    await service.post_events(group_event)
    await service.settle()
    [(payload, user_key, contact_id, status)] = _raw(
        tmp_path / "tobira.db", "SELECT payload, user_key, contact_id, status FROM inbound_events"
    )
    assert (user_key, contact_id, status) == (None, None, "done")  # kept, not answered
    assert isinstance(payload, bytes) and not _clear_in(payload, MARKER)
    [(subject,)] = _raw(
        tmp_path / "tobira.db", "SELECT subject FROM data_keys WHERE subject = 'service'"
    )
    assert subject == "service"


async def test_the_same_line_user_is_one_contact(service, line, tmp_path):
    mother, son = ev.new_user_id(), ev.new_user_id()
    for text in ("こんにちは", "家族のこと"):
        await service.post_events(ev.text(mother, text, line.issue_reply_token(mother)))
        await service.settle()
    await service.post_events(ev.text(son, "こんにちは", line.issue_reply_token(son)))
    await service.settle()

    found = {who: await service.db.read(contacts.find, "line", who) for who in (mother, son)}
    assert found[mother] is not None and found[son] is not None
    assert found[mother].id != found[son].id
    assert _raw(tmp_path / "tobira.db", "SELECT COUNT(*) FROM contacts") == [(2,)]
    by_event = _raw(
        tmp_path / "tobira.db",
        "SELECT contact_id, user_key, COUNT(*) FROM inbound_events GROUP BY 1, 2 ORDER BY 1",
    )
    mother_hash = service.db.keyring.user_hash("line", mother)
    son_hash = service.db.keyring.user_hash("line", son)
    assert by_event == [(found[mother].id, mother_hash, 2), (found[son].id, son_hash, 1)]
    assert len(line.delivered_texts(mother)) >= 2 and line.delivered_texts(son)


async def test_a_sealed_event_stored_before_a_restart_is_processed_after_it(tmp_path, line):
    """Stored (sealed) by one process, which stopped before processing it: the next start
    opens it, answers the person (a push: the event has no reply token, so the sealed
    platform id is opened too) and marks it done."""
    path = tmp_path / "tobira.db"
    user = ev.new_user_id()
    event = ev.text(user, MARKER, "unused")
    del event["replyToken"]
    db = await Database.open(path, keys=TEST_KEYS)
    try:
        new = NewEvent(
            "line",
            event["webhookEventId"],
            user,
            "message",
            event["timestamp"],
            json.dumps(event, ensure_ascii=False),
        )
        now = datetime.now(UTC)
        stored = await db.write(lambda conn: events.insert_fresh(conn, [new], now))
        assert len(stored) == 1
    finally:
        await db.close()
    [(payload, status)] = _raw(path, "SELECT payload, status FROM inbound_events")
    assert status == "pending" and isinstance(payload, bytes) and not _clear_in(payload, MARKER)

    async with RunningService(settings_for(path, line)) as service:
        await service.settle()
        assert await service.db.read(events.counts_by_status) == {"done": 1}
        [body] = await service.db.fetch_all("SELECT COUNT(*) FROM messages WHERE author = 'client'")
        assert body[0] == 1
    pushes = [call for call in line.delivered if call.endpoint == "push"]
    assert pushes and all(call.user_id == user for call in pushes)
