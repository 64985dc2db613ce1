"""Who is looking, through the API: presence and typing in memory with expiry, told live
over the same server-sent events; a second answer within a minute of a colleague's is
asked to confirm; LINE's loading animation while the client's counselor types."""

from __future__ import annotations

from datetime import timedelta

from tests.console.api_desk import ApiDesk
from tests.console.test_api_conversations import read_until


async def test_colleagues_see_who_has_a_conversation_open_and_who_types(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki", display="鈴木"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        path = f"/api/v1/conversations/{conversation_id}/presence"
        stream = await suzuki.session.get(desk.service.url + "/api/v1/events")

        status, body = await sato.post(path, {"state": "viewing"})
        assert status == 200
        assert body["present"] == [{"staff_id": 1, "display_name": "佐藤", "typing": False}]
        seen = await read_until(stream, lambda kind, _: kind == "presence_changed")
        assert seen[-1][1] == {"conversation_id": conversation_id, "staff_id": 1}

        await suzuki.post(path, {"state": "viewing"})
        await sato.post(path, {"state": "typing"})
        _, body = await suzuki.get(path)
        assert [(p["display_name"], p["typing"]) for p in body["present"]] == [
            ("佐藤", True),
            ("鈴木", False),
        ]
        # Typing ends by itself; a page not renewed goes away by itself.
        desk.clock.advance(timedelta(seconds=10))
        _, body = await suzuki.get(path)
        assert [p["typing"] for p in body["present"]] == [False, False]
        await suzuki.post(path, {"state": "viewing"}, headers={"X-Tobira-Background": "1"})
        desk.clock.advance(timedelta(seconds=40))
        _, body = await suzuki.get(path)
        assert [p["display_name"] for p in body["present"]] == ["鈴木"]
        await suzuki.post(path, {"state": "left"})
        _, body = await sato.get(path)
        assert body["present"] == []
        # Signing out leaves every conversation.
        await sato.post(path, {"state": "viewing"})
        assert (await sato.post("/api/v1/logout"))[0] == 200
        _, body = await suzuki.get(path)
        assert body["present"] == []
        stream.close()


async def test_presence_is_for_those_who_may_see_the_conversation(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato")
        tanaka = await desk.sign_in(await desk.add_staff("tanaka", org="psych"))
        sato = await desk.sign_in(await desk.add_staff("suzuki"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        path = f"/api/v1/conversations/{conversation_id}/presence"
        assert (await tanaka.get(path))[0] == 404
        assert (await tanaka.post(path, {"state": "viewing"}))[0] == 404
        status, body = await sato.post(path, {"state": "dancing"})
        assert status == 400 and "viewing" in body["error"]


async def test_a_second_answer_within_a_minute_of_a_colleagues_is_asked_to_confirm(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki", display="鈴木"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        path = f"/api/v1/conversations/{conversation_id}/messages"
        assert (await sato.post(path, {"text": "佐藤です。"}))[0] == 202
        # Sato may go on writing; suzuki is asked first.
        assert (await sato.post(path, {"text": "続けて書きます。"}))[0] == 202
        status, body = await suzuki.post(path, {"text": "鈴木です。"})
        assert status == 409 and body["code"] == "colleague_just_answered"
        assert "佐藤さんが1分以内に" in body["error"]
        assert body["colleague"]["display_name"] == "佐藤"
        await desk.service.settle()
        assert "鈴木です。" not in desk.line.delivered_texts(user)
        assert (await suzuki.post(path, {"text": "鈴木です。", "confirmed": True}))[0] == 202
        desk.clock.advance(timedelta(seconds=61))
        assert (await sato.post(path, {"text": "また後で。"}))[0] == 202


async def test_lines_loading_animation_while_the_clients_counselor_types(tmp_path):
    async with ApiDesk.open(tmp_path, **{"line.typing_indicator": True}) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        suzuki = await desk.sign_in(await desk.add_staff("suzuki"))
        user = await desk.ask_for_a_person()  # sato's
        conversation_id = await desk.conversation_id(user)
        path = f"/api/v1/conversations/{conversation_id}/presence"
        await suzuki.post(path, {"state": "typing"})  # not the counselor: nothing shown
        await sato.post(path, {"state": "typing"})
        await sato.post(path, {"state": "typing"})  # within 15 s: not asked again
        # The call goes out in the background: wait for it at the fake LINE, not for a
        # number of settles (under load 50 settles passed before it arrived).
        await desk.line.wait_for(lambda fake: fake.loading_shown())
        await desk.service.settle()
        assert desk.line.loading_shown() == [(user, 20)]
        desk.clock.advance(timedelta(seconds=16))
        await sato.post(path, {"state": "typing"})
        await desk.line.wait_for(lambda fake: len(fake.loading_shown()) >= 2)
        await desk.service.settle()
        assert desk.line.loading_shown() == [(user, 20), (user, 20)]


async def test_without_the_setting_the_client_sees_no_loading_animation(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        await sato.post(f"/api/v1/conversations/{conversation_id}/presence", {"state": "typing"})
        await desk.service.settle()
        assert desk.line.calls_to("loading") == []
