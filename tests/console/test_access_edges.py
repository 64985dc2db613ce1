"""Edges a review found: an `Origin: null` behind a proxy, two counselors taking one case at
once, a shared alert cleared by someone who may not see its case, a deactivated member's
live stream."""

from __future__ import annotations

from bot.app import keys
from bot.conversation.refusal import Refusal
from staff_console.sessions import SessionBook
from tests.console.api_desk import CONFIG, ApiDesk

LOGIN = {"login": "sato", "password": "correct horse battery"}


async def test_a_null_origin_is_refused_behind_a_trusted_proxy(tmp_path):
    async with ApiDesk.open(tmp_path, **{"console.trust_forwarded_proto": True}) as desk:
        await desk.add_staff("sato")
        client = desk.client()
        status, _ = await client.post("/api/v1/login", LOGIN, headers={"Origin": "null"})
        assert status == 403
        status, _ = await client.post("/api/v1/login", LOGIN)  # no Origin: not a browser form
        assert status == 200


async def test_the_second_of_two_counselors_taking_a_case_is_told_not_put_in_place(tmp_path):
    async with ApiDesk.open(tmp_path, config='assignment = "review"\n' + CONFIG) as desk:
        sato = await desk.add_staff("sato")
        suzuki = await desk.add_staff("suzuki")
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        await desk.app[keys.DESK].accept(conversation_id, sato.id, sato.id)
        try:
            await desk.app[keys.DESK].accept(conversation_id, suzuki.id, suzuki.id)
        except Refusal as error:
            assert error.key == "already_taken"
        else:
            raise AssertionError("the second counselor replaced the first")
        boss = await desk.add_staff("kimura", role="supervisor")
        await desk.app[keys.DESK].accept(conversation_id, suzuki.id, boss.id)  # may reassign


async def test_a_shared_alert_is_cleared_only_by_someone_who_may_see_its_case(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        other = await desk.sign_in(await desk.add_staff("tanaka", org="psych"))
        user = await desk.ask_for_a_person()  # welfare's, nobody there, no supervisor: shared
        await desk.send(user, "もう死にたい")
        rows = await desk.db.fetch_all("SELECT id, staff_id FROM staff_alerts")
        shared = [alert_id for alert_id, staff_id in rows if staff_id is None]
        assert shared, rows
        status, _ = await other.post(f"/api/v1/alerts/{shared[0]}/seen")
        assert status == 404
        seen = await desk.db.fetch_one("SELECT seen_at FROM staff_alerts WHERE id = ?", shared)
        assert seen[0] is None


async def test_a_deactivated_members_live_stream_ends(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        member = await desk.add_staff("sato")
        await desk.sign_in(member)
        session_id = (await desk.db.fetch_one("SELECT id FROM staff_sessions"))[0]
        app = desk.app
        book = SessionBook(app[keys.DB], app[keys.CLOCK], app[keys.SETTINGS].console)
        assert await book.still_open(session_id)
        await desk.db.write(
            lambda c: c.execute("UPDATE staff SET active = 0 WHERE id = ?", (member.id,))
        )
        assert not await book.still_open(session_id)
