"""Opening or answering a conversation marks the counselor's alerts on it seen (audited as
a dismissal is), never a colleague's; a page refreshing itself is not an opening."""

from __future__ import annotations

from datetime import timedelta

from tests.console.api_desk import ApiDesk


async def test_opening_and_answering_mark_my_alerts_on_it_seen(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_member = await desk.add_staff("sato", display="佐藤")
        first = await desk.ask_for_a_person()
        second = await desk.ask_for_a_person()  # both sato's: he is the only counselor
        suzuki_member = await desk.add_staff("suzuki", display="鈴木")
        boss_member = await desk.add_staff("kimura", display="木村", role="supervisor")
        first_id, second_id = [await desk.conversation_id(u) for u in (first, second)]
        await desk.move(timedelta(minutes=16))  # both reminders are due: one alert each
        sato, suzuki = await desk.sign_in(sato_member), await desk.sign_in(suzuki_member)
        boss = await desk.sign_in(boss_member)
        status, _ = await sato.post(
            f"/api/v1/conversations/{first_id}/notes", {"text": "@suzuki 見てください"}
        )
        assert status == 201

        async def open_alerts(client) -> set[tuple[str, int]]:
            status, body = await client.get("/api/v1/alerts")
            assert status == 200
            return {(a["kind"], a["conversation_id"]) for a in body["alerts"]}

        assert {("remind", first_id), ("remind", second_id)} <= await open_alerts(sato)
        assert ("mention", first_id) in await open_alerts(suzuki)

        # The page refreshing itself after an event: not a look, the alert stays.
        status, _ = await sato.get(
            f"/api/v1/conversations/{first_id}", headers={"X-Tobira-Background": "1"}
        )
        assert status == 200 and ("remind", first_id) in await open_alerts(sato)

        # sato opens it: his alert on it is seen; the other case's and suzuki's are not.
        status, _ = await sato.get(f"/api/v1/conversations/{first_id}")
        assert status == 200
        mine = await open_alerts(sato)
        assert ("remind", first_id) not in mine and ("remind", second_id) in mine
        assert ("mention", first_id) in await open_alerts(suzuki)

        # sato answers the second one (from the page he already had open): seen too.
        status, _ = await sato.post(
            f"/api/v1/conversations/{second_id}/messages", {"text": "佐藤です。"}
        )
        assert status == 202
        assert ("remind", second_id) not in await open_alerts(sato)

        # Audited as a dismissal is, with why.
        status, audit = await boss.get("/api/v1/audit?action=alert_seen")
        assert status == 200
        seen = {(e["conversation_id"], e["detail"].get("because")) for e in audit["audit"]}
        assert {(first_id, "opened"), (second_id, "answered")} <= seen
        assert all(e["staff"]["display_name"] == "佐藤" for e in audit["audit"])
