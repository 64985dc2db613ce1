"""Leave set in the console: the counselor's open conversations go to the cover at the
start (the clients told plainly, a handover note to the cover) and back at the end (the
clients told, a handover note to the counselor); the staff list shows who is where."""

from __future__ import annotations

from bot.app import keys
from tests.console.api_desk import ApiDesk, jst

COVER_WORDS = "担当の佐藤はお休みをいただいています。その間は鈴木がお返事します。"


async def test_leave_moves_conversations_to_the_cover_and_back(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:  # Wednesday 25 Nov, 10:00
        sato_id = await desk.add_staff("sato", display="佐藤")
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        users = [await desk.ask_for_a_person(), await desk.ask_for_a_person()]  # both sato's
        suzuki_id = await desk.add_staff("suzuki", display="鈴木")
        suzuki = await desk.sign_in(suzuki_id)
        sato = await desk.sign_in(sato_id)
        ids = [await desk.conversation_id(user) for user in users]

        assert (await sato.post(f"/api/v1/staff/{sato_id.id}/leave", {"from": "2026-11-25"}))[
            0
        ] == 403
        status, body = await boss.post(
            f"/api/v1/staff/{sato_id.id}/leave",
            {
                "from": "2026-11-25",
                "to": "2026-11-26",
                "cover": suzuki_id.id,
                "note": "木曜の午後は電話が多いです",
            },
        )
        assert status == 201, body
        await desk.service.settle()
        for user in users:
            assert desk.line.delivered_texts(user).count(COVER_WORDS) == 1
        for conversation_id in ids:
            _, detail = await suzuki.get(f"/api/v1/conversations/{conversation_id}")
            [note] = detail["notes"]
            assert note["to"]["id"] == suzuki_id.id and "11月26日まで" in note["text"]
            assert "木曜の午後は電話が多いです" in note["text"]
        _, listed = await boss.get("/api/v1/staff")
        status_of = {s["login"]: s["status"] for s in listed["staff"]}
        assert status_of == {"sato": "on_leave", "suzuki": "covering", "kimura": "working"}

        # Running again changes nothing: each client is told once.
        await desk.app[keys.DESK].move_for_leave()
        await desk.service.settle()
        assert [desk.line.delivered_texts(u).count(COVER_WORDS) for u in users] == [1, 1]

        # Friday: sato is back; the clients are told, and sato reads what happened.
        desk.clock.set(jst(2026, 11, 27, 9, 0))
        assert await desk.app[keys.DESK].move_for_leave() == 2
        await desk.service.settle()
        for user in users:
            assert desk.line.delivered_texts(user)[-1] == "これからは佐藤がお返事します。"
        sato = await desk.sign_in(sato_id)
        _, detail = await sato.get(f"/api/v1/conversations/{ids[0]}")
        back = detail["notes"][-1]
        assert back["to"]["id"] == sato_id.id and back["author"]["display_name"] == "鈴木"
        assert "おかえりなさい" in back["text"]
        assert await desk.app[keys.DESK].move_for_leave() == 0


async def test_bad_leave_is_a_readable_answer(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato")
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        path = f"/api/v1/staff/{sato_id.id}/leave"
        status, body = await boss.post(path, {"from": "2026-11-27", "to": "2026-11-25"})
        assert status == 409 and "before it starts" in body["error"]
        status, body = await boss.post(path, {"from": "next week", "to": "2026-11-25"})
        assert status == 400 and "YYYY-MM-DD" in body["error"]
        status, body = await boss.post(
            path, {"from": "2026-11-25", "to": "2026-11-25", "cover": sato_id.id}
        )
        assert status == 409 and "own leave" in body["error"]
