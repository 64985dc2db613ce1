"""Erasure through the API (issue 23): POST /api/v1/contacts/{id}/erase {"confirm": "erase"}.

The real service, the fake LINE, real SQLite files: a mother writes marker texts, a
counselor answers and writes a note; a supervisor erases her. Her conversation answers 404,
the raw database and WAL hold neither her texts nor her wrapped data key, the year's
figures are unchanged, the audit log says who erased whom (ids only), another client is
untouched, and when she writes again she is a new contact, greeted as the first time."""

from __future__ import annotations

import json

from storage import contacts, conversations
from tests import line_events as ev
from tests.console.api_desk import ApiDesk
from tests.privacy.erase_scene import (
    MARKER,
    contact_of,
    data_key_of,
    raw_files,
    their_values,
    wrote_and_was_answered,
)

YEAR = "/api/v1/figures?from=2026-04-01&to=2027-03-31"


async def test_a_supervisor_erases_a_contact_and_nothing_of_theirs_is_left(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        boss_member = await desk.add_staff("kimura", role="supervisor")
        boss = await desk.sign_in(boss_member)
        mother = ev.new_user_id()
        conversation_id = await wrote_and_was_answered(desk, sato, mother)
        first_greeting = [m["text"] for m in desk.line.delivered_messages(mother)]
        other = await desk.ask_for_a_person(first="ほかの人の相談です")
        other_conversation = await desk.conversation_id(other)
        contact_id = await contact_of(desk, mother)
        wrapped = await data_key_of(desk, contact_id)
        values = await their_values(desk, contact_id)
        assert len(values) >= 5  # three client texts, the staff answer, the note, raw events
        status, _ = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 200  # a look, audited against the conversation
        status, figures_before = await boss.get(YEAR)
        assert status == 200
        # The scan can see: her wrapped key is in the files now.
        assert wrapped in raw_files(desk.db.path)

        # Counselors may not; the confirmation is required; an unknown contact is 404.
        erase = f"/api/v1/contacts/{contact_id}/erase"
        status, body = await sato.post(erase, {"confirm": "erase"})
        assert status == 403, body
        for wrong in (None, {}, {"confirm": "yes"}, {"confirm": "ERASE"}):
            status, body = await boss.post(erase, wrong)
            assert status == 400 and "erase" in body["error"], (wrong, body)
        status, body = await boss.post("/api/v1/contacts/999999/erase", {"confirm": "erase"})
        assert status == 404, body
        assert await desk.db.read(contacts.get, contact_id) is not None  # nothing lost yet

        status, body = await boss.post(erase, {"confirm": "erase"})
        assert status == 200, body
        erased = body["erased"]
        assert erased["contact_id"] == contact_id
        assert erased["conversations"] == [conversation_id]
        assert erased["files_clean"] is True
        deleted = erased["deleted"]
        assert deleted["contacts"] == 1 and deleted["conversations"] == 1
        assert deleted["messages"] >= 4 and deleted["staff_notes"] == 1
        assert deleted["inbound_events"] >= 3 and deleted["outbox"] >= 1
        assert deleted["deadlines"] >= 1 and deleted["data_keys"] == 1
        assert deleted["households"] == 0

        # Gone for the console; again is 404.
        for client in (sato, boss):
            status, _ = await client.get(f"/api/v1/conversations/{conversation_id}")
            assert status == 404
        status, _ = await boss.post(erase, {"confirm": "erase"})
        assert status == 404
        # Gone from the files: no text of hers, clear or sealed, and not her wrapped key.
        files = raw_files(desk.db.path)
        assert wrapped not in files
        assert MARKER.encode() not in files
        for value in values:
            assert value not in files
        # Figures unchanged; another client untouched.
        status, figures_after = await boss.get(YEAR)
        assert figures_after == figures_before
        status, _ = await sato.get(f"/api/v1/conversations/{other_conversation}")
        assert status == 200

        # The audit log: who erased whom, ids only; the looks at her conversation are kept
        # without a link a reused id could follow.
        status, audit = await boss.get("/api/v1/audit?action=erase_contact")
        assert status == 200
        (entry,) = audit["audit"]
        assert entry["staff"]["id"] == boss_member.id
        assert entry["detail"]["contact_id"] == contact_id
        assert entry["detail"]["conversations"] == [conversation_id]
        assert MARKER not in json.dumps(audit, ensure_ascii=False)

        def looks(conn):
            return conn.execute(
                "SELECT conversation_id, detail FROM audit_log WHERE action = 'view'"
                " AND json_extract(detail, '$.erased_conversation') = ?",
                (conversation_id,),
            ).fetchall()

        kept = await desk.db.read(looks)
        assert kept and all(row[0] is None for row in kept)

        # She writes again: a new contact, greeted as the first time.
        before = len(desk.line.delivered_messages(mother))
        await desk.send(mother, "こんにちは")
        again = await contact_of(desk, mother)
        greeted = [m["text"] for m in desk.line.delivered_messages(mother)[before:]]
        assert greeted == first_greeting[: len(greeted)] and greeted
        assert again != contact_id
        found = await desk.db.read(conversations.open_for, again)
        assert found is not None and found.contact_id == again

        def facts(conn):
            return conn.execute(
                "SELECT COUNT(*) FROM reporting_events WHERE kind = 'first_contact'"
                " AND contact_id = ?",
                (again,),
            ).fetchone()[0]

        assert await desk.db.read(facts) == 1


async def test_the_ids_of_an_erased_person_are_never_given_to_the_next(tmp_path):
    """SQLite gives a new row MAX(id) + 1: erasing the newest person would hand their ids to
    the next newcomer, and a console tab still open on the erased one would act on them."""
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        newest = ev.new_user_id()
        await desk.send(newest, "はじめまして")
        contact_id = await contact_of(desk, newest)
        erased_conversation = await desk.db.read(conversations.open_for, contact_id)
        assert erased_conversation is not None
        status, body = await boss.post(f"/api/v1/contacts/{contact_id}/erase", {"confirm": "erase"})
        assert status == 200, body

        newcomer = ev.new_user_id()
        await desk.send(newcomer, "こんにちは")
        again = await contact_of(desk, newcomer)
        assert again > contact_id
        found = await desk.db.read(conversations.open_for, again)
        assert found is not None and found.id > erased_conversation.id
        status, _ = await boss.get(f"/api/v1/conversations/{erased_conversation.id}")
        assert status == 404
