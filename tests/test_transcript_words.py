"""The transcript shows what the client saw and did (issue 19): a tap is its button's label
with the question it answered, on LINE and on the web chat; a web chat conversation shows
the web page's greeting, not LINE's 「友だち追加」; a visitor who left is told apart from a
LINE block. The real app, the fake LINE API, the web chat's HTTP API, the console's API."""

from __future__ import annotations

import pytest

from storage import contacts, conversations
from tests import line_events as ev
from tests.console.api_desk import ApiDesk
from tests.safety.test_safety_e2e import buttons, calls_to
from tests.web.visitor import Visitor

QUESTION = "どなたのことでのご相談ですか？"


async def web_conversation(desk: ApiDesk) -> int:
    def find(conn):
        [row] = conn.execute("SELECT id FROM contacts WHERE channel = 'web'").fetchall()
        return conversations.open_for(conn, row[0]).id

    return await desk.db.read(find)


async def line_conversation(desk: ApiDesk, user: str) -> int:
    def find(conn):
        return conversations.open_for(conn, contacts.find(conn, "line", user).id).id

    return await desk.db.read(find)


def client_rows(detail) -> list[dict]:
    return [m for m in detail["messages"] if m["author_kind"] == "client"]


async def test_a_tap_on_line_is_its_label_and_question_not_the_postback_data(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        user = ev.new_user_id()
        await desk.send(user, "こんにちは")
        family = buttons(calls_to(desk, user)[-1])["家族のこと"]
        token = desk.line.issue_reply_token(user)
        await desk.service.post_events(ev.postback(user, family, token, desk.ms()))
        await desk.service.settle()

        _, detail = await boss.get(f"/api/v1/conversations/{await line_conversation(desk, user)}")
        typed, tapped = client_rows(detail)
        assert typed["display_text"] == "こんにちは" and typed["question"] is None
        assert tapped["text"] == family and family.startswith("t1:"), "the data is kept"
        assert tapped["display_text"] == "家族のこと"
        assert tapped["question"].startswith(QUESTION)


async def test_on_the_web_a_tap_is_its_label_and_the_greeting_is_the_pages_own(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as mother:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        await mother.start()
        await mother.choose("家族のこと")
        conversation_id = await web_conversation(desk)

        _, detail = await boss.get(f"/api/v1/conversations/{conversation_id}")
        [tapped] = client_rows(detail)
        assert tapped["display_text"] == "家族のこと"
        assert tapped["question"].startswith(QUESTION)
        ours = " ".join(m["text"] for m in detail["messages"] if m["author_kind"] == "bot")
        assert "このページを開いてくださって" in ours, "what the visitor read"
        assert "友だち追加" not in ours

        status, _ = await mother.post("/chat/api/leave", {})
        assert status == 200
        await desk.service.settle()
        _, left = await boss.get(f"/api/v1/conversations/{conversation_id}")
        # The page words it from the channel: 「すぐに閉じる」, not a LINE block.
        assert left["reachable"] is False and left["channel"] == "web"


@pytest.mark.browser
async def test_the_console_page_shows_the_tap_and_a_visitor_who_left_in_the_webs_words(
    tmp_path,
):
    from playwright.async_api import expect

    from tests.console.api_desk import jst
    from tests.web.browser import web_desk

    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("kimura", "木村", role="supervisor")
        async with Visitor(desk.service) as mother:
            await mother.start()
            await mother.choose("家族のこと")
            await mother.post("/chat/api/leave", {})
            await desk.service.settle()
        conversation_id = await desk.db.read(
            lambda conn: conn.execute("SELECT id FROM conversations").fetchone()[0]
        )
        async with desk.signed_in(
            "kimura", path=f"/console/conversations/{conversation_id}"
        ) as console:
            tap = console.page.locator(".msg.from-client").last
            await expect(tap.locator(".text")).to_have_text("家族のこと")
            await expect(tap.locator(".question")).to_contain_text(QUESTION)
            assert "t1:" not in await console.page.locator("#messages").inner_text()
            left = console.page.locator(".unreachable")
            await expect(left).to_contain_text("すぐに閉じる")
            await expect(left).not_to_contain_text("ブロック")
            history = await console.page.locator("#messages").inner_text()
            assert "友だち追加" not in history and "このページを開いてくださって" in history
