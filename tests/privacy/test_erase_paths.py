"""Erasure beyond one contact (issue 23): a household goes with its last member (its
conferences, items and data key); retention erases a whole contact through the same path
(their data key destroyed) and clears old web chat visitors; `tobira erase contact`."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

from bot.app import keys
from bot.cli import db_lock
from bot.cli.main import main
from bot.conferences.records import ConferenceInput, ItemInput
from storage import households
from storage.database import Database
from storage.sealing import contact_subject, household_subject, keyring_of
from tests.console.api_desk import ApiDesk
from tests.households.test_line_consent import code_sent, son_follows
from tests.privacy.erase_scene import contact_of, data_key_of, raw_files
from tests.sealing_keys import TEST_KEYS


async def key_exists(desk: ApiDesk, subject: str) -> bool:
    def read(conn):
        row = conn.execute("SELECT 1 FROM data_keys WHERE subject = ?", (subject,)).fetchone()
        return row is not None

    return await desk.db.read(read)


async def test_a_household_goes_with_its_last_member_only(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        mother = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(mother)
        made = await desk.app[keys.DESK].invite(conversation_id, sato.id)
        son = await son_follows(desk)
        await code_sent(desk, son, made.code)
        await code_sent(desk, son, "はい")
        mother_id, son_id = await contact_of(desk, mother), await contact_of(desk, son)
        household_id = (await desk.db.read(households.membership, son_id)).household_id
        await desk.app[keys.DESK].record_conference(
            household_id,
            sato.id,
            ConferenceInput(
                held_on=date(2026, 11, 25),
                lead_agency="保健センター",
                key_worker_id=sato.id,
                decisions="HOUSEHOLDMARK 次回は訪問",
                action_items=(ItemInput("調べる", date(2026, 12, 1), owner_staff_id=sato.id),),
            ),
        )
        subject = household_subject(household_id)

        def seal(conn):
            keyring_of(conn).seal(conn, subject, "conferences", "decisions", 0, "x")
            return bytes(
                conn.execute(
                    "SELECT wrapped FROM data_keys WHERE subject = ?", (subject,)
                ).fetchone()[0]
            )

        wrapped = await desk.db.write(seal)

        first = await desk.app[keys.DESK].erase_contact(mother_id, None, via="test")
        assert first.counts["household_members"] == 1 and first.counts["households"] == 0
        assert await desk.db.read(households.get, household_id) is not None
        assert await key_exists(desk, subject)

        last = await desk.app[keys.DESK].erase_contact(son_id, None, via="test")
        assert last.counts["households"] == 1 and last.counts["conferences"] == 1
        assert last.counts["action_items"] == 1 and last.counts["action_item_reminders"] >= 1
        assert last.counts["invitations"] == 1
        assert await desk.db.read(households.get, household_id) is None
        assert not await key_exists(desk, subject)
        files = raw_files(desk.db.path)
        assert wrapped not in files and b"HOUSEHOLDMARK" not in files


async def test_retention_erases_a_whole_contact_with_their_key(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")
        client = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(client)
        contact_id = await contact_of(desk, client)
        wrapped = await data_key_of(desk, contact_id)
        now = desk.clock.now()
        await desk.db.write(
            lambda c: c.execute(
                "INSERT INTO web_visitors (token_hash, created_at, last_seen_at)"
                " VALUES ('old', ?, ?)",
                (now.isoformat(), now.isoformat()),
            )
        )
        await desk.app[keys.DESK].resolve(conversation_id, sato.id)
        desk.clock.advance(timedelta(days=4 * 365))
        counts = await desk.app[keys.RETENTION].run()
        assert counts["conversations"] == 1 and counts["contacts"] == 1
        assert counts["data_keys"] == 1 and counts["web_visitors"] == 1
        assert counts["wal_truncated"] == 1
        assert not await key_exists(desk, contact_subject(contact_id))
        assert wrapped not in raw_files(desk.db.path)


def test_the_command_erases_only_when_confirmed_and_alone(tmp_path, monkeypatch, capsys):
    path = tmp_path / "tobira.db"
    monkeypatch.setenv("TOBIRA_DB", str(path))

    async def make_contact() -> int:
        db = await Database.open(path, keys=TEST_KEYS)
        try:
            return await db.write(
                lambda c: c.execute(
                    "INSERT INTO contacts (channel, platform_user_id, user_hash, created_at,"
                    " last_seen_at) VALUES ('line', 'Uerase', 'h', 'x', 'x') RETURNING id"
                ).fetchone()[0]
            )
        finally:
            await db.close()

    contact_id = asyncio.run(make_contact())
    assert main(["erase", "contact", str(contact_id)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["erase", "contact", "abc", "--yes"]) == 2
    assert "positive whole number" in capsys.readouterr().err
    lock = db_lock.hold(path)  # a tobira serving the same file
    try:
        assert main(["erase", "contact", str(contact_id), "--yes"]) == 2
        assert "erase from the console" in capsys.readouterr().err
    finally:
        lock.close()
    assert main(["erase", "contact", str(contact_id), "--yes"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["contact_id"] == contact_id and printed["deleted"]["contacts"] == 1
    assert main(["erase", "contact", str(contact_id), "--yes"]) == 2
    assert f"no contact {contact_id}" in capsys.readouterr().err


async def test_a_supervisor_closes_a_household_once(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_member = await desk.add_staff("sato")
        sato = await desk.sign_in(sato_member)
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        mother = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(mother)
        household = await desk.app[keys.DESK].create_household(conversation_id, sato_member.id)
        close = f"/api/v1/households/{household.id}/close"
        status, _ = await sato.post(close, {})
        assert status == 403
        status, body = await boss.post(close, {})
        assert status == 200 and body == {"household": {"id": household.id, "closed": True}}
        status, _ = await boss.post(close, {})
        assert status == 404
        status, audit = await boss.get("/api/v1/audit?action=close_household")
        assert [e["detail"]["household_id"] for e in audit["audit"]] == [household.id]
