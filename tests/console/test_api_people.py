"""Assignment by people through the API: transfer with a handover note, take over from an
escalation, pair across the two organisations, unpair; the client is told once, in one
short message, only when the person who answers them changes."""

from __future__ import annotations

from datetime import timedelta

from storage import conversations
from tests.console.api_desk import ApiDesk


async def _case(desk: ApiDesk) -> tuple[str, int]:
    user = await desk.ask_for_a_person()
    return user, await desk.conversation_id(user)


async def test_a_transfer_tells_the_client_once_and_the_new_counselor_reads_the_note(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        suzuki_id = await desk.add_staff("suzuki", display="鈴木")
        sato, suzuki = await desk.sign_in(sato_id), await desk.sign_in(suzuki_id)
        user, conversation_id = await _case(desk)  # sato's (least loaded, lowest id)
        before = len(desk.line.delivered_texts(user))

        status, body = await sato.post(
            f"/api/v1/conversations/{conversation_id}/transfer",
            {"to": suzuki_id.id, "note": "お母さまは夕方が話しやすいそうです"},
        )
        assert status == 200, body
        assert body["conversation"]["counselor"]["display_name"] == "鈴木"
        await desk.service.settle()
        assert desk.line.delivered_texts(user)[before:] == ["これからは鈴木がお返事します。"]

        _, alerts = await suzuki.get("/api/v1/alerts")
        assert "handover" in [a["kind"] for a in alerts["alerts"]]
        _, detail = await suzuki.get(f"/api/v1/conversations/{conversation_id}")
        [note] = detail["notes"]
        assert note["kind"] == "handover" and note["to"]["id"] == suzuki_id.id
        # Opened: the alert has done its work.
        _, alerts = await suzuki.get("/api/v1/alerts")
        assert "handover" not in [a["kind"] for a in alerts["alerts"]]
        # The promise to the waiting client is the new counselor's now.
        assert detail["escalate_due"] is not None

        # Transferring to whoever already has it changes nothing and says so.
        status, body = await suzuki.post(
            f"/api/v1/conversations/{conversation_id}/transfer", {"to": suzuki_id.id}
        )
        assert status == 409 and "すでに担当" in body["error"]
        await desk.service.settle()
        assert len(desk.line.delivered_texts(user)) == before + 1


async def test_a_counselor_cannot_hand_over_a_colleagues_case(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato")
        suzuki = await desk.sign_in(await desk.add_staff("suzuki"))
        _, conversation_id = await _case(desk)
        for path, body in (
            ("transfer", {"to": sato_id.id}),
            ("take-over", {}),
            ("pair", {"pair": None}),
        ):
            status, answer = await suzuki.post(
                f"/api/v1/conversations/{conversation_id}/{path}", body
            )
            assert status == 403, (path, answer)


async def test_pairing_with_the_other_organisation_and_unpairing(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato", display="佐藤")
        suzuki_id = await desk.add_staff("suzuki", display="鈴木")
        tanaka_id = await desk.add_staff("tanaka", org="psych", display="田中")
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        tanaka = await desk.sign_in(tanaka_id)
        user, conversation_id = await _case(desk)
        before = len(desk.line.delivered_texts(user))
        path = f"/api/v1/conversations/{conversation_id}/pair"

        status, body = await boss.post(path, {"pair": suzuki_id.id})
        assert status == 409 and "もう一方の機関" in body["error"]
        status, body = await boss.post(path, {"pair": tanaka_id.id})
        assert status == 200 and body["conversation"]["pair"]["display_name"] == "田中"
        # The pair sees the case now (another organisation's), and was told.
        _, alerts = await tanaka.get("/api/v1/alerts")
        assert [a["kind"] for a in alerts["alerts"]] == ["paired"]
        assert (await tanaka.get(f"/api/v1/conversations/{conversation_id}"))[0] == 200
        _, alerts = await tanaka.get("/api/v1/alerts")
        assert alerts["alerts"] == []  # opened: seen
        # The counselor still answers: the client is not told anything.
        await desk.service.settle()
        assert len(desk.line.delivered_texts(user)) == before

        status, body = await boss.post(path, {"pair": None})
        assert status == 200 and body["conversation"]["pair"] is None
        assert (await tanaka.get(f"/api/v1/conversations/{conversation_id}"))[0] == 404
        assert (await boss.post(path, {}))[0] == 400


async def test_from_an_escalation_a_supervisor_takes_over_or_hands_to_whoever_is_free(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato", display="佐藤")
        await desk.add_staff("suzuki", display="鈴木")
        boss_id = await desk.add_staff("kimura", role="supervisor", display="木村")
        user, first = await _case(desk)  # sato
        await desk.move(timedelta(minutes=5))
        other, second = await _case(desk)  # suzuki (less loaded)
        await desk.move(timedelta(hours=3))  # both escalated
        boss = await desk.sign_in(boss_id)  # signed in now: the idle timeout is 30 minutes
        _, alerts = await boss.get("/api/v1/alerts")
        assert {a["conversation_id"] for a in alerts["alerts"] if a["kind"] == "escalate"} == {
            first,
            second,
        }

        status, body = await boss.post(f"/api/v1/conversations/{first}/take-over")
        assert status == 200 and body["conversation"]["counselor"]["display_name"] == "木村"
        status, body = await boss.post(
            f"/api/v1/conversations/{second}/transfer", {"to": "available"}
        )
        # suzuki had it; the least loaded other counselor at work is sato (now without a case).
        assert status == 200 and body["conversation"]["counselor"]["display_name"] == "佐藤"
        await desk.service.settle()
        assert desk.line.delivered_texts(user)[-1] == "これからは木村がお返事します。"
        assert desk.line.delivered_texts(other)[-1] == "これからは佐藤がお返事します。"
        found = await desk.db.read(conversations.get, second)
        assert found.counselor_id != boss_id.id
