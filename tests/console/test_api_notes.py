"""Notes staff write for each other (private notes, handover notes 申し送り) through the API:
they never reach the client, they come back as data, and @login alerts that colleague live."""

from __future__ import annotations

from bot.conversation.notes import mentioned_logins
from storage import audit
from tests.console.api_desk import ApiDesk
from tests.console.test_api_conversations import read_until

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


async def test_a_private_note_never_reaches_the_client(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person(first="息子が部屋から出てきません")
        conversation_id = await desk.conversation_id(user)
        await desk.service.settle()
        calls_before = list(desk.line.delivered)

        status, body = await sato.post(
            f"/api/v1/conversations/{conversation_id}/notes",
            {"text": "お母さんは夜のほうが話しやすいそうです", "kind": "private"},
        )
        assert status == 201, body
        note = body["note"]
        assert note["internal"] is True and note["kind"] == "private"
        assert note["author"]["display_name"] == "佐藤" and note["to"] is None
        await desk.service.settle()
        # Not one call to LINE, and no call carries the note's words.
        assert desk.line.delivered == calls_before
        assert not [c for c in desk.line.delivered if any("夜のほうが" in t for t in c.texts)]

        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        words = "お母さんは夜のほうが話しやすいそうです"
        assert [n["text"] for n in detail["notes"]] == [words]
        # Not in the transcript of what was said to the client either.
        assert words not in [m["text"] for m in detail["messages"]]
        # Audited, without its words.
        entries = await desk.db.read(audit.for_conversation, conversation_id)
        assert (note["author"]["id"], "note") in entries
        details = await desk.db.read(
            lambda c: [r[0] for r in c.execute("SELECT detail FROM audit_log").fetchall()]
        )
        assert not [d for d in details if d and "夜のほうが" in d]


async def test_hostile_html_in_a_note_comes_back_as_data(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        status, body = await sato.post(
            f"/api/v1/conversations/{conversation_id}/notes", {"text": HOSTILE}
        )
        assert status == 201 and body["note"]["text"] == HOSTILE
        assert sato.last_headers["Content-Type"].startswith("application/json")
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert detail["notes"][0]["text"] == HOSTILE


async def test_bad_notes_get_a_readable_4xx(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        path = f"/api/v1/conversations/{conversation_id}/notes"
        for body, status, words in [
            ({}, 400, "「text」"),
            ({"text": "  "}, 400, "メモが空です"),
            ({"text": "あ" * 5001}, 400, "長すぎます"),
            ({"text": "x", "kind": "public"}, 400, "メモの種類"),
            ({"text": "x", "kind": "private", "to": 1}, 400, "メモの種類"),
            ({"text": "x", "kind": "handover", "to": "tanaka"}, 400, "正の整数"),
            ({"text": "x", "kind": "handover", "to": 999}, 409, "相談員"),
        ]:
            got, answer = await sato.post(path, body)
            assert got == status, (body, answer)
            assert words in answer["error"], (body, answer)
        assert (await sato.post("/api/v1/conversations/999/notes", {"text": "x"}))[0] == 404


async def test_a_counselor_of_the_other_organisation_cannot_note_what_they_cannot_see(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato")
        tanaka = await desk.sign_in(await desk.add_staff("tanaka", org="psych"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        status, _ = await tanaka.post(
            f"/api/v1/conversations/{conversation_id}/notes", {"text": "見えないはず"}
        )
        assert status == 404


async def test_a_handover_note_reaches_the_colleagues_handover_page_and_alerts_them_live(
    tmp_path,
):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        suzuki_id = await desk.add_staff("suzuki", display="鈴木")
        sato, suzuki = await desk.sign_in(sato_id), await desk.sign_in(suzuki_id)
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        stream = await suzuki.session.get(desk.service.url + "/api/v1/events")
        assert stream.status == 200
        # Let the reminders of the handoff pass first: only the note's alert is new.
        _, before = await suzuki.get("/api/v1/alerts")

        status, body = await sato.post(
            f"/api/v1/conversations/{conversation_id}/notes",
            {
                "text": "明日の午後、お母さんから連絡があるかもしれません",
                "kind": "handover",
                "to": suzuki_id.id,
            },
        )
        assert status == 201, body
        seen = await read_until(
            stream, lambda kind, data: kind == "alert_raised" and data["staff_id"] == suzuki_id.id
        )
        assert seen[-1][1]["conversation_id"] == conversation_id
        _, alerts = await suzuki.get("/api/v1/alerts")
        new = [a for a in alerts["alerts"] if a["id"] not in {b["id"] for b in before["alerts"]}]
        assert [a["kind"] for a in new] == ["handover"]

        status, day = await suzuki.get("/api/v1/handover")
        assert status == 200 and day["day"] == "2026-11-25"
        [note] = day["notes"]
        assert note["to"]["display_name"] == "鈴木" and note["author"]["display_name"] == "佐藤"
        assert note["text"].startswith("明日の午後")
        # Another day's page does not list it; a day that is not a day is a readable 400.
        _, other = await suzuki.get("/api/v1/handover?day=2026-11-26")
        assert other["notes"] == []
        status, bad = await suzuki.get("/api/v1/handover?day=tomorrow")
        assert status == 400 and "YYYY-MM-DD" in bad["error"]
        stream.close()


async def test_a_mention_alerts_that_colleague_and_nobody_else(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato")
        tanaka_id = await desk.add_staff("tanaka", org="psych")
        boss_id = await desk.add_staff("kimura", role="supervisor")
        sato, tanaka, boss = (
            await desk.sign_in(sato_id),
            await desk.sign_in(tanaka_id),
            await desk.sign_in(boss_id),
        )
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        stream = await tanaka.session.get(desk.service.url + "/api/v1/events")
        status, _ = await sato.post(
            f"/api/v1/conversations/{conversation_id}/notes",
            {"text": "@tanaka 心理の立場から見てもらえますか。@nobody @sato"},
        )
        assert status == 201
        seen = await read_until(stream, lambda kind, _: kind == "alert_raised")
        assert seen[-1][1]["staff_id"] == tanaka_id.id
        _, mine = await tanaka.get("/api/v1/alerts")
        assert [a["kind"] for a in mine["alerts"]] == ["mention"]
        # Nobody is alerted by their own @, and the supervisor was not mentioned.
        _, boss_alerts = await boss.get("/api/v1/alerts")
        assert "mention" not in [a["kind"] for a in boss_alerts["alerts"]]
        _, own = await sato.get("/api/v1/alerts")
        assert "mention" not in [a["kind"] for a in own["alerts"]]
        stream.close()


def test_mentions_are_logins_after_an_at_sign_not_mail_addresses():
    assert mentioned_logins("@sato と @tanaka. に共有。@sato") == ["sato", "tanaka"]
    assert mentioned_logins("mail: someone@example.org") == []
    assert mentioned_logins("＠全角 は対象外") == []


async def test_the_staff_list_names_active_colleagues(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        await desk.add_staff("tanaka", org="psych", display="田中")
        status, body = await sato.get("/api/v1/staff")
        assert status == 200
        assert {(s["login"], s["display_name"]) for s in body["staff"]} == {
            ("sato", "佐藤"),
            ("tanaka", "田中"),
        }
        assert "password_hash" not in body["staff"][0]


async def test_notes_and_leave_moves_go_with_their_conversation_at_retention(tmp_path):
    from datetime import timedelta

    from bot.app import keys

    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato")
        suzuki_id = await desk.add_staff("suzuki")
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        await boss.post(f"/api/v1/conversations/{conversation_id}/notes", {"text": "メモ"})
        await boss.post(
            f"/api/v1/staff/{sato_id.id}/leave",
            {"from": "2026-11-25", "to": "2026-11-25", "cover": suzuki_id.id},
        )
        await boss.post(f"/api/v1/conversations/{conversation_id}/resolve")

        def count(conn):
            return [
                conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("staff_notes", "leave_moves")
            ]

        assert await desk.db.read(count) == [2, 1]  # the note, the leave's note; one move
        desk.clock.advance(timedelta(days=4 * 365))
        counts = await desk.app[keys.RETENTION].run()
        assert counts["conversations"] == 1 and counts["staff_notes"] == 2
        assert await desk.db.read(count) == [0, 0]


async def test_a_handover_note_to_the_next_shift_is_on_every_colleagues_page(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki"))
        tanaka = await desk.sign_in(await desk.add_staff("tanaka", org="psych"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        status, body = await sato.post(
            f"/api/v1/conversations/{conversation_id}/notes",
            {"text": "夜に連絡があるかもしれません", "kind": "handover"},
        )
        assert status == 201 and body["note"]["to"] is None
        _, day = await suzuki.get("/api/v1/handover?day=2026-11-25")
        assert [n["text"] for n in day["notes"]] == ["夜に連絡があるかもしれません"]
        # The other organisation's counselor does not see this case, nor its notes.
        _, day = await tanaka.get("/api/v1/handover?day=2026-11-25")
        assert day["notes"] == []
        _, alerts = await suzuki.get("/api/v1/alerts")
        assert "handover" not in [a["kind"] for a in alerts["alerts"]]
