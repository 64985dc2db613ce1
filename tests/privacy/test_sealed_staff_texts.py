"""What staff write about people is sealed at rest (issue 23): a note, a conference's
decisions and an action item's what, contact person and result, written through the real
console API, are BLOBs in their columns that hold none of their words (read with a plain
sqlite3 connection, as whoever copied the file would), and read back as they were written
in the API and the console's pages."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import weasyprint  # noqa: F401  (loaded at collection: see tests/console/test_api_conferences)

from tests.console.api_desk import ApiDesk, Client

# ASCII words in each marker too: the pages' JSON escapes what is not ASCII.
NOTE = "NOTE-MARK-4711 お母さんは夜のほうが話しやすい"
HANDOVER = "HANDOVER-MARK-2290 木曜に電話の約束"
DECISIONS = "DECISIONS-MARK-6603 母の介護の相談は包括が受ける"
WHAT = "WHAT-MARK-1185 介護保険の申請を案内する"
PERSON = "PERSON-MARK-3374 田中"
RESULT = "RESULT-MARK-9052 申請は済んだ"
MARKERS = (NOTE, HANDOVER, DECISIONS, WHAT, PERSON, RESULT)

_PAGE_DATA = re.compile(r'<script type="application/json" id="page-data">(.*?)</script>', re.S)


def _raw(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows as stored, through a connection that has no key."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _assert_sealed(values: list[Any], *markers: str) -> None:
    assert values, "nothing stored"
    for value in values:
        assert isinstance(value, bytes), f"stored in clear: {value!r}"
        for marker in markers:
            for word in marker.split(" "):
                assert word.encode() not in value


def _assert_not_in_audit(path: Path) -> None:
    """The audit log says who did what to which row, never the words."""
    details = [row[0] for row in _raw(path, "SELECT detail FROM audit_log")]
    assert details
    for marker in MARKERS:
        word = marker.split(" ")[0]
        assert not [d for d in details if d and word in d], marker


async def _page_data(client: Client, path: str) -> dict[str, Any]:
    async with client.session.get(client.base_url + path, allow_redirects=False) as response:
        assert response.status == 200, path
        found = _PAGE_DATA.search(await response.text())
    assert found is not None, path
    data = json.loads(found.group(1))
    assert isinstance(data, dict)
    return data


async def _household(desk: ApiDesk) -> tuple[int, Client, int, int]:
    sato = await desk.add_staff("sato", display="佐藤")
    client = await desk.sign_in(sato)
    conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
    status, body = await client.post(f"/api/v1/conversations/{conversation_id}/household", {})
    assert status == 201, body
    return sato.id, client, conversation_id, body["household"]["id"]


async def test_notes_are_sealed_at_rest_and_read_back_everywhere(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        _, client, conversation_id, household_id = await _household(desk)
        path = f"/api/v1/conversations/{conversation_id}/notes"
        status, body = await client.post(path, {"text": NOTE, "kind": "private"})
        assert status == 201 and body["note"]["text"] == NOTE
        status, body = await client.post(path, {"text": HANDOVER, "kind": "handover"})
        assert status == 201 and body["note"]["text"] == HANDOVER

        stored = _raw(tmp_path / "tobira.db", "SELECT body FROM staff_notes ORDER BY id")
        _assert_sealed([row[0] for row in stored], NOTE, HANDOVER)
        _assert_not_in_audit(tmp_path / "tobira.db")

        _, detail = await client.get(f"/api/v1/conversations/{conversation_id}")
        assert [n["text"] for n in detail["notes"]] == [NOTE, HANDOVER]
        _, handover = await client.get("/api/v1/handover")
        assert [n["text"] for n in handover["notes"]] == [HANDOVER]
        page = await _page_data(client, f"/console/conversations/{conversation_id}")
        assert [n["text"] for n in page["conversation"]["notes"]] == [NOTE, HANDOVER]
        page = await _page_data(client, "/console/handover")
        assert [n["text"] for n in page["notes"]] == [HANDOVER]
        page = await _page_data(client, f"/console/households/{household_id}")
        assert sorted(n["text"] for n in page["notes"]) == sorted([NOTE, HANDOVER])


async def test_conference_texts_are_sealed_at_rest_and_read_back_everywhere(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id, client, _, household_id = await _household(desk)
        status, body = await client.post(
            f"/api/v1/households/{household_id}/conferences",
            {
                "held_on": "2026-11-25",
                "agencies": ["地域包括支援センター", "保健センター"],
                "lead_agency": "保健センター",
                "key_worker_id": sato_id,
                "decisions": DECISIONS,
                "action_items": [
                    {
                        "what": WHAT,
                        "owner": {"agency": "地域包括支援センター", "person": PERSON},
                        "due_on": "2026-12-02",
                    }
                ],
            },
        )
        assert status == 201, body
        conference = body["conference"]
        item_id = conference["action_items"][0]["id"]
        status, body = await client.post(f"/api/v1/action-items/{item_id}/done", {"result": RESULT})
        assert status == 200 and body["action_item"]["result"] == RESULT

        database = tmp_path / "tobira.db"
        _assert_sealed(
            [row[0] for row in _raw(database, "SELECT decisions FROM conferences")], *MARKERS
        )
        items = _raw(database, "SELECT what, owner_person, result FROM action_items")
        _assert_sealed([value for row in items for value in row], *MARKERS)
        _assert_not_in_audit(database)

        # Read back: the API, the queue, the household page, the summary sheet.
        _, body = await client.get(f"/api/v1/conferences/{conference['id']}")
        shown = body["conference"]
        assert shown["decisions"] == DECISIONS
        (item,) = shown["action_items"]
        assert (item["what"], item["owner"]["person"], item["result"]) == (WHAT, PERSON, RESULT)
        _, body = await client.get("/api/v1/action-items?state=done")
        assert [(i["what"], i["result"]) for i in body["action_items"]] == [(WHAT, RESULT)]
        page = await _page_data(client, f"/console/households/{household_id}")
        assert [c["decisions"] for c in page["conferences"]] == [DECISIONS]
        page = await _page_data(client, "/console/action-items?view=done")
        assert [i["what"] for i in page["action_items"]] == [WHAT]
        async with client.session.get(
            f"{client.base_url}/console/conferences/{conference['id']}/summary?results=1"
        ) as response:
            assert response.status == 200
            sheet = await response.text()
        for words in (DECISIONS, WHAT, PERSON, RESULT):
            assert words in sheet, words
