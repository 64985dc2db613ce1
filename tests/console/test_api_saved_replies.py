"""Saved replies (定型文) through the API: shared ones are the supervisors' to edit, personal
ones their owner's alone; placeholders are only what we know; text comes back as data."""

from __future__ import annotations

from bot.conversation.saved_replies import fill, unknown_placeholders
from tests.console.api_desk import ApiDesk, jst

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"
AFTER_HOURS = "{counselor_name}です。{service_name}は、{next_opening}にまたお返事します。"


async def test_supervisors_share_replies_and_counselors_keep_their_own(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki", display="鈴木"))
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))

        status, body = await sato.post(
            "/api/v1/saved-replies", {"title": "共有", "text": "x", "shared": True}
        )
        assert status == 403 and "スーパーバイザー" in body["error"]
        status, shared = await boss.post(
            "/api/v1/saved-replies", {"title": "時間外", "text": AFTER_HOURS, "shared": True}
        )
        assert status == 201 and shared["saved_reply"]["shared"] is True
        status, own = await sato.post(
            "/api/v1/saved-replies", {"title": "はじめに", "text": "お話を聞かせてください。"}
        )
        assert status == 201 and own["saved_reply"]["shared"] is False
        own_id, shared_id = own["saved_reply"]["id"], shared["saved_reply"]["id"]

        _, listed = await sato.get("/api/v1/saved-replies")
        assert [r["title"] for r in listed["saved_replies"]] == ["時間外", "はじめに"]
        _, listed = await suzuki.get("/api/v1/saved-replies")
        assert [r["title"] for r in listed["saved_replies"]] == ["時間外"]
        assert listed["placeholders"] == ["counselor_name", "next_opening", "service_name"]

        # Another's personal reply is not there to touch; a shared one is the supervisors'.
        edit = {"title": "変更", "text": "変更"}
        assert (await suzuki.post(f"/api/v1/saved-replies/{own_id}", edit))[0] == 404
        assert (await suzuki.post(f"/api/v1/saved-replies/{own_id}/delete"))[0] == 404
        assert (await sato.post(f"/api/v1/saved-replies/{shared_id}", edit))[0] == 403
        assert (await sato.post(f"/api/v1/saved-replies/{shared_id}/delete"))[0] == 403
        status, edited = await sato.post(f"/api/v1/saved-replies/{own_id}", edit)
        assert status == 200 and edited["saved_reply"]["text"] == "変更"
        assert (await boss.post(f"/api/v1/saved-replies/{shared_id}/delete"))[0] == 200
        _, listed = await suzuki.get("/api/v1/saved-replies")
        assert listed["saved_replies"] == []
        assert (await boss.post("/api/v1/saved-replies/999/delete"))[0] == 404


async def test_placeholders_are_filled_for_the_conversation_after_hours(tmp_path):
    # Wednesday 16:50: the welfare centre closes at 17:00 and opens again Thursday 9:00.
    from datetime import timedelta

    async with ApiDesk.open(tmp_path, start=jst(2026, 11, 25, 16, 50)) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        await boss.post(
            "/api/v1/saved-replies", {"title": "時間外", "text": AFTER_HOURS, "shared": True}
        )
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        status, listed = await sato.get(f"/api/v1/saved-replies?conversation={conversation_id}")
        assert status == 200
        [reply] = listed["saved_replies"]
        assert reply["text"] == AFTER_HOURS  # as stored, for editing
        assert reply["filled"] == (
            "佐藤です。ひきこもり相談窓口は、今日（11月25日）16時50分以降にまたお返事します。"
        ), "open until 17:00: not 「明日9時以降」 while the office is open"
        # Once closed, the next opening.
        await desk.move(timedelta(minutes=15))
        sato = await desk.sign_in(await desk.add_staff("sato2", display="佐藤"))
        _, listed = await sato.get(f"/api/v1/saved-replies?conversation={conversation_id}")
        assert listed["saved_replies"][0]["filled"] == (
            "佐藤です。ひきこもり相談窓口は、明日（11月26日）9時以降にまたお返事します。"
        )
        # A conversation the counselor cannot see is not filled in for them.
        tanaka = await desk.sign_in(await desk.add_staff("tanaka", org="psych"))
        status, _ = await tanaka.get(f"/api/v1/saved-replies?conversation={conversation_id}")
        assert status == 404


async def test_a_clients_name_cannot_be_a_placeholder_and_bad_input_is_a_readable_400(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        for body, words in [
            ({"title": "x", "text": "{client_name}さん、こんにちは"}, "{client_name}"),
            ({"title": "x", "text": "{name}"}, "お名前は伺っていない"),
            ({"title": " ", "text": "x"}, "「title」"),
            ({"title": "x" * 61, "text": "x"}, "題名が長すぎます"),
            ({"title": "x", "text": "  "}, "本文が空です"),
            ({"title": "x", "text": "x", "shared": "yes"}, "true か false"),
            ({"text": "x"}, "「title」"),
        ]:
            status, answer = await sato.post("/api/v1/saved-replies", body)
            assert status == 400, (body, answer)
            assert words in answer["error"], (body, answer)


async def test_hostile_html_in_a_saved_reply_comes_back_as_data(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        status, _ = await sato.post("/api/v1/saved-replies", {"title": HOSTILE, "text": HOSTILE})
        assert status == 201
        _, listed = await sato.get("/api/v1/saved-replies")
        assert listed["saved_replies"][0]["title"] == HOSTILE
        assert listed["saved_replies"][0]["text"] == HOSTILE


def test_fill_replaces_only_our_placeholders():
    values = {"counselor_name": "佐藤", "next_opening": "明日9時以降", "service_name": "窓口"}
    assert fill("{counselor_name}です {other} {", values) == "佐藤です {other} {"
    assert unknown_placeholders("{counselor_name}{client_name}{x}{x}") == ["client_name", "x"]
