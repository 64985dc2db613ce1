"""Reopen, not restart (issue 19): a client who writes soon after 「対応済み」 gets the same
conversation back, with the same counselor, no intake question, the usual promise and a live
alert; after `[conversations] reopen_within`, a new conversation that lists the earlier one.
The real app on a loopback port, LINE through the fake LINE API, the console's JSON API."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from storage import staff
from tests.console.api_desk import WEDNESDAY_10, ApiDesk
from tests.console.test_api_conversations import read_until
from tests.safety.test_safety_e2e import buttons, calls_to, texts

INTAKE_QUESTION = "どなたのことでのご相談ですか"


async def answered_and_resolved(desk: ApiDesk, counselor) -> tuple[str, int]:
    """A mother asks for a person, the counselor answers, then marks it 対応済み."""
    user = await desk.ask_for_a_person()
    conversation_id = await desk.conversation_id(user)
    path = f"/api/v1/conversations/{conversation_id}"
    status, _ = await counselor.post(
        f"{path}/messages", {"text": "佐藤です。お話を聞かせてください。"}
    )
    assert status == 202
    await desk.service.settle()
    status, _ = await counselor.post(f"/api/v1/conversations/{conversation_id}/resolve")
    assert status == 200
    return user, conversation_id


async def test_writing_within_the_window_reopens_the_same_conversation(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        await desk.add_staff("suzuki", display="鈴木")
        sato = await desk.sign_in(sato_id)
        user, conversation_id = await answered_and_resolved(desk, sato)
        await desk.move(timedelta(days=3))  # Saturday: the window is closed
        sato = await desk.sign_in(sato_id)  # a new day, a new sign-in
        stream = await sato.session.get(desk.service.url + "/api/v1/events")
        before = len(calls_to(desk, user))

        await desk.send(user, "ありがとうございました。また少し相談させてください")

        calls = calls_to(desk, user)
        assert len(calls) == before + 1, "one answer"
        said = texts(calls[-1])
        assert not any(INTAKE_QUESTION in text for text in said), "no intake question"
        assert not buttons(calls[-1])
        assert len(said) == 1 and "佐藤" in said[0], "the same counselor, named"
        assert "メッセージを受け取りました" in said[0] and "以降" in said[0], "and when"
        assert await desk.conversation_id(user) == conversation_id, "the same conversation"
        # Read before opening the conversation, which marks its alerts seen.
        _, alerts = await sato.get("/api/v1/alerts")
        assert [a["kind"] for a in alerts["alerts"]] == ["conversation_reopened"]
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert detail["status"] == "assigned" and detail["counselor"]["id"] == sato_id.id
        assert detail["resolved_at"] is None
        assert detail["first_human_answer_at"] is None, "the measures count from now"
        assert detail["handed_off_at"] == desk.clock.now().astimezone(UTC).isoformat()
        seen = await read_until(
            stream,
            lambda kind, data: (
                kind == "alert_raised" and data["conversation_id"] == conversation_id
            ),
        )
        assert seen[-1][1]["staff_id"] == sato_id.id
        kinds = [m["kind"] for m in detail["messages"]]
        assert kinds[-3:] == ["reopened", "message/text", "ack"]


async def test_during_leave_the_cover_answers_the_reopened_conversation(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        suzuki_id = await desk.add_staff("suzuki", display="鈴木")
        sato = await desk.sign_in(sato_id)
        user, conversation_id = await answered_and_resolved(desk, sato)
        await desk.db.write(
            lambda c: staff.add_leave(
                c,
                sato_id.id,
                date(2026, 11, 26),
                date(2026, 11, 27),
                cover_staff_id=suzuki_id.id,
                at=desk.clock.now(),
            )
        )
        await desk.move(timedelta(days=1))  # Thursday: 佐藤 is on leave

        await desk.send(user, "少しいいですか")

        said = texts(calls_to(desk, user)[-1])
        assert any("鈴木" in text for text in said), said
        assert await desk.conversation_id(user) == conversation_id
        suzuki = await desk.sign_in(suzuki_id)
        _, alerts = await suzuki.get("/api/v1/alerts")
        assert [a["kind"] for a in alerts["alerts"]] == ["conversation_reopened"]


async def test_after_the_window_a_new_conversation_lists_the_earlier_one(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        sato = await desk.sign_in(sato_id)
        user, earlier_id = await answered_and_resolved(desk, sato)
        kimura_id = await desk.add_staff("kimura", role="supervisor")
        await desk.move(timedelta(days=31))
        # The new conversation is still with the bot: a supervisor sees it.
        kimura = await desk.sign_in(kimura_id)

        await desk.send(user, "おひさしぶりです")

        latest = await desk.conversation_id(user)
        assert latest != earlier_id
        said = texts(calls_to(desk, user)[-1])
        assert buttons(calls_to(desk, user)[-1]), "the bot greets as for a new conversation"
        assert "佐藤" not in " ".join(said)
        status, detail = await kimura.get(f"/api/v1/conversations/{latest}")
        assert status == 200
        [earlier] = detail["earlier_conversations"]
        assert earlier["id"] == earlier_id and earlier["number"] == earlier_id
        assert earlier["counselor"]["display_name"] == "佐藤"
        assert earlier["resolved_at"] is not None and earlier["opened_at"] is not None
        _, old = await kimura.get(f"/api/v1/conversations/{earlier_id}")
        assert old["status"] == "resolved" and old["earlier_conversations"] == []


async def test_the_window_is_configured(tmp_path):
    from tests.console.api_desk import CONFIG

    config = CONFIG + '\n[conversations]\nreopen_within = "2d"\n'
    async with ApiDesk.open(tmp_path, config=config) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user, earlier_id = await answered_and_resolved(desk, sato)
        await desk.move(timedelta(days=3))
        await desk.send(user, "こんにちは")
        assert await desk.conversation_id(user) != earlier_id


@pytest.mark.browser
async def test_the_conversation_page_lists_the_earlier_conversations(tmp_path):
    from playwright.async_api import expect

    from bot.app import keys
    from tests import line_events as ev
    from tests.web.browser import web_desk

    async with web_desk(tmp_path, WEDNESDAY_10) as desk:
        sato = await desk.add_staff("sato", "佐藤")
        await desk.add_staff("kimura", "木村", role="supervisor")
        user = ev.new_user_id()
        for text in ("こんにちは", "人と話したい"):
            token = desk.line.issue_reply_token(user)
            ms = int(desk.clock.now().timestamp() * 1000)
            await desk.service.post_events(ev.text(user, text, token, ms))
            await desk.service.settle()
        earlier_id = await desk.db.read(
            lambda c: c.execute("SELECT id FROM conversations").fetchone()[0]
        )
        await desk.service.app[keys.DESK].resolve(earlier_id, sato)
        desk.clock.advance(timedelta(days=40))
        token = desk.line.issue_reply_token(user)
        ms = int(desk.clock.now().timestamp() * 1000)
        await desk.service.post_events(ev.text(user, "おひさしぶりです", token, ms))
        await desk.service.settle()
        latest = await desk.db.read(
            lambda c: c.execute("SELECT MAX(id) FROM conversations").fetchone()[0]
        )
        assert latest != earlier_id
        async with desk.signed_in("kimura", path=f"/console/conversations/{latest}") as console:
            box = console.page.locator("#earlier")
            await expect(box).to_be_visible()
            link = box.locator(f'a[href="/console/conversations/{earlier_id}"]')
            await expect(link).to_contain_text(f"#{earlier_id}")
            await expect(link).to_contain_text("佐藤")
            await link.click()
            await console.page.wait_for_url(f"**/console/conversations/{earlier_id}")
            await expect(console.page.locator("#earlier")).to_be_hidden()
