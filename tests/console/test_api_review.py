"""The weekly review through the API: new intakes wait unassigned; a supervisor accepts
each to a counselor and a pair of the other organisation; the client is told who answers
and when; closing the review moves the cut-off."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.console.api_desk import CONFIG, ApiDesk

REVIEW = 'assignment = "review"\n' + CONFIG


async def test_a_supervisor_accepts_new_intakes_to_a_pair_and_closes_the_review(tmp_path):
    async with ApiDesk.open(tmp_path, config=REVIEW) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        tanaka_id = await desk.add_staff("tanaka", org="psych", display="田中")
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        sato = await desk.sign_in(sato_id)
        first_user = await desk.ask_for_a_person(first="母です。息子のことで相談したいです")
        await desk.move(timedelta(minutes=3))
        second_user = await desk.ask_for_a_person(first="本人です")
        first, second = (
            await desk.conversation_id(first_user),
            await desk.conversation_id(second_user),
        )

        assert (await sato.get("/api/v1/review"))[0] == 403
        status, review = await boss.get("/api/v1/review")
        assert status == 200 and review["assignment"] == "review"
        assert review["last_review"] is None
        assert [i["id"] for i in review["intakes"]] == [first, second]
        assert all(i["new"] for i in review["intakes"])
        assert review["intakes"][0]["intake"]["notes"] == ["母です。息子のことで相談したいです"]

        before = len(desk.line.delivered_texts(first_user))
        status, body = await boss.post(
            f"/api/v1/conversations/{first}/accept",
            {"counselor_id": sato_id.id, "pair_id": tanaka_id.id},
        )
        assert status == 200, body
        row = body["conversation"]
        assert row["counselor"]["display_name"] == "佐藤"
        assert row["pair"]["display_name"] == "田中"
        await desk.service.settle()
        told = desk.line.delivered_texts(first_user)[before:]
        assert len(told) == 1 and "佐藤" in told[0] and "お返事します" in told[0]

        # A pair from the same organisation is refused, in words.
        status, body = await boss.post(
            f"/api/v1/conversations/{second}/accept",
            {"counselor_id": tanaka_id.id, "pair_id": tanaka_id.id},
        )
        assert status == 409 and "もう一方の機関" in body["error"]
        # A counselor cannot name a pair when taking a case.
        status, _ = await sato.post(
            f"/api/v1/conversations/{second}/accept", {"pair_id": tanaka_id.id}
        )
        assert status == 403

        status, closed = await boss.post("/api/v1/review/close")
        assert status == 200 and closed["accepted"] == 1
        _, review = await boss.get("/api/v1/review")
        assert datetime.fromisoformat(review["last_review"]["closed_at"]) == desk.clock.now()
        assert datetime.fromisoformat(closed["closed_at"]) == desk.clock.now()
        assert [(i["id"], i["new"]) for i in review["intakes"]] == [(second, False)]
        await desk.move(timedelta(minutes=1))
        third = await desk.conversation_id(await desk.ask_for_a_person())
        _, review = await boss.get("/api/v1/review")
        assert [(i["id"], i["new"]) for i in review["intakes"]] == [(second, False), (third, True)]
