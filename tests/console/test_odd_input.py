"""Input no form would send, on the household and conference routes (issues 20 and 21): an
id too big for SQLite in a page's path is a 404, a staff id too big a 400 with a sentence,
and a lone surrogate ("\\ud800", valid JSON but no text) a 400 with a sentence on every JSON
route, the web chat's too; never a 500, and nothing written."""

from __future__ import annotations

import json

import weasyprint  # noqa: F401  (loaded at collection, as in test_api_conferences.py)

from staff_console.errors import sentence
from tests.console.api_desk import ApiDesk
from tests.console.test_api_conferences import _conference, _household
from tests.web.visitor import Visitor

HUGE = "9" * 25
LONE = b'"\\ud800"'


async def _count(desk: ApiDesk, table: str) -> int:
    return await desk.db.read(lambda c: c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def test_huge_ids_in_page_paths_are_not_found(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        _, client, _ = await _household(desk)
        for method, path in [
            ("GET", f"/console/households/{HUGE}"),
            ("GET", f"/console/invitations/{HUGE}/card"),
            ("POST", f"/console/invitations/{HUGE}/card"),
            ("GET", f"/console/conferences/{HUGE}/summary"),
            ("POST", f"/console/conferences/{HUGE}/summary.pdf"),
        ]:
            status, _ = await client.request(
                method,
                path,
                raw=b"shared_with=x" if method == "POST" else None,
                headers={"Content-Type": "application/x-www-form-urlencoded"}
                if method == "POST"
                else None,
            )
            assert status == 404, (method, path, status)


async def test_a_staff_id_too_big_for_sqlite_is_refused_with_a_sentence(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        path = f"/api/v1/households/{household_id}/conferences"
        big = _conference(sato, key_worker_id=10**20)
        status, body = await client.post(path, big)
        assert status == 400 and "key_worker_id" in body["error"], body
        owner = _conference(sato)
        owner["action_items"][1]["owner"]["staff_id"] = 10**20
        status, body = await client.post(path, owner)
        assert status == 400 and "owner.staff_id" in body["error"], body
        assert await _count(desk, "conferences") == 0


async def test_a_lone_surrogate_is_refused_with_a_sentence_everywhere(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, client, household_id = await _household(desk)
        status, made = await client.post(
            f"/api/v1/households/{household_id}/conferences", _conference(sato)
        )
        assert status == 201, made
        conference_id = made["conference"]["id"]
        item_id = made["conference"]["action_items"][0]["id"]
        conversation_id = await desk.db.read(
            lambda c: c.execute("SELECT MAX(id) FROM conversations").fetchone()[0]
        )
        valid = json.dumps(_conference(sato, decisions="@")).encode()
        conference = valid.replace(b'"@"', LONE)
        for path, raw in [
            (f"/api/v1/households/{household_id}/conferences", conference),
            (f"/api/v1/action-items/{item_id}/done", b'{"result":' + LONE + b"}"),
            (
                f"/api/v1/conferences/{conference_id}/shared",
                b'{"shared_with":' + LONE + b',"results":false,"form":"print"}',
            ),
            (f"/api/v1/conversations/{conversation_id}/notes", b'{"text":' + LONE + b"}"),
            (f"/api/v1/conversations/{conversation_id}/notes", b"{" + LONE + b':"x"}'),
        ]:
            status, body = await client.post(path, raw=raw)
            assert (status, body["error"]) == (400, sentence("not_text", "ja")), (path, body)
        assert await _count(desk, "conferences") == 1
        assert await _count(desk, "staff_notes") == 0
        async with Visitor(desk.service) as visitor:
            await visitor.start()
            before = await _count(desk, "inbound_events")
            async with visitor.session.post(
                visitor.url("/chat/api/messages"),
                data=b'{"text":' + LONE + b"}",
                headers={"Content-Type": "application/json"},
            ) as got:
                assert got.status == 400
                assert (await got.json())["error"] == "not_text"
            assert await _count(desk, "inbound_events") == before
