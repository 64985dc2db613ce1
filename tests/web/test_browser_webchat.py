"""The web chat as a worried mother meets it on her phone: real chromium, the real service,
a counselor in the console answering, a dropped network, and "leave quickly"."""

from __future__ import annotations

from playwright.async_api import expect

from storage import conversations
from tests.console.browser import MOTHER_TAPS, SCREENSHOTS, TABLET, jst, needs_browser
from tests.web.browser import NEUTRAL_PATH, PHONE, tap_through_the_family_flow, web_desk

pytestmark = needs_browser


async def web_conversation_id(desk) -> int:
    def find(conn):
        row = conn.execute("SELECT id FROM contacts WHERE channel = 'web'").fetchone()
        return conversations.open_for(conn, row[0]).id

    return await desk.db.read(find)


def drop_connections(desk) -> None:
    """Break every open connection to the service, as a lost network does."""
    for connection in list(desk.service._runner.server.connections):
        if connection.transport is not None:
            connection.transport.abort()


async def ids_on_page(page) -> list[str]:
    return await page.eval_on_selector_all("#log li", "els => els.map(e => e.dataset.id)")


async def test_a_mother_talks_to_a_named_counselor_through_a_dropped_network(tmp_path):
    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(PHONE) as mother, desk.browser(TABLET) as console:
            page = mother.page
            await page.goto(desk.url("/chat"))
            await expect(page.locator("#log")).to_contain_text("このページを開いてくださって")
            await tap_through_the_family_flow(page, MOTHER_TAPS)
            await expect(page.locator("#log")).to_contain_text("佐藤")

            # The counselor answers in the console; the page shows it without a reload.
            conversation_id = await web_conversation_id(desk)
            await desk.sign_in(console.page, "sato")
            await console.page.goto(desk.url(f"/console/conversations/{conversation_id}"))
            answer = "はじめまして、佐藤です。お母さまのお話を、ゆっくり聞かせてください。"
            await console.page.get_by_label("返信").fill(answer)
            await console.page.get_by_role("button", name="送信する").click()
            await expect(page.locator("#log")).to_contain_text(answer)
            await expect(page.locator(".from-tobira .counselor")).to_have_text(["担当 佐藤"])
            await page.screenshot(path=str(SCREENSHOTS / "webchat.png"))

            # The network drops (the phone goes offline and its open connections break);
            # an answer is sent meanwhile; it arrives once, after.
            await mother.context.set_offline(True)
            drop_connections(desk)
            await expect(page.locator("#status")).to_be_visible(timeout=15_000)
            second = "お返事はいつでも大丈夫です。"
            await console.page.get_by_label("返信").fill(second)
            await console.page.get_by_role("button", name="送信する").click()
            await console.page.wait_for_timeout(500)
            await mother.context.set_offline(False)
            await expect(page.locator("#log")).to_contain_text(second, timeout=15_000)
            await expect(page.locator("#status")).to_be_hidden()
            shown = await ids_on_page(page)
            assert len(shown) == len(set(shown)), "nothing is shown twice"
            assert await page.locator(".bubble", has_text=answer).count() == 1
            assert await page.locator(".bubble", has_text=second).count() == 1

            # She writes; the counselor reads it in the console.
            await page.get_by_label("ここに書いてください").fill("ありがとうございます。")
            await page.get_by_role("button", name="送る").click()
            await expect(console.page.locator(".msg.from-client .text").last).to_have_text(
                "ありがとうございます。"
            )

            # "Leave quickly", from the keyboard: Tab reaches it from wherever she is.
            for _ in range(30):
                await page.keyboard.press("Tab")
                if await page.evaluate("document.activeElement.id") == "leave":
                    break
            assert await page.evaluate("document.activeElement.id") == "leave"
            await page.keyboard.press("Enter")
            await page.wait_for_url(f"**{NEUTRAL_PATH}")
            assert await page.evaluate("history.length") == 1 or (
                await page.go_back() is None or "/chat" not in page.url
            ), "Back does not return to the chat"

            # Reopening starts afresh: nothing of before is shown.
            await page.goto(desk.url("/chat"))
            await expect(page.locator("#log")).to_contain_text("このページを開いてくださって")
            await expect(page.locator("#log")).not_to_contain_text(answer)
            await expect(page.locator(".from-tobira").first).to_be_visible()
            assert await page.locator(".from-visitor").count() == 0


async def test_hostile_html_from_a_visitor_stays_text_on_her_page_and_in_the_console(tmp_path):
    attack = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(PHONE) as visitor, desk.browser(TABLET) as console:
            page = visitor.page
            await page.goto(desk.url("/chat"))
            await page.locator("#choices button").first.wait_for()
            await page.get_by_label("ここに書いてください").fill(attack)
            await page.get_by_role("button", name="送る").click()
            await expect(page.locator(".from-visitor .bubble").last).to_have_text(attack)
            await page.reload()
            await expect(page.locator(".from-visitor .bubble").last).to_have_text(attack)
            assert await page.locator("#log img, #log script").count() == 0

            conversation_id = await web_conversation_id(desk)
            await desk.sign_in(console.page, "sato")
            await console.page.goto(desk.url(f"/console/conversations/{conversation_id}"))
            shown = console.page.locator(".msg.from-client .text", has_text="onerror")
            await expect(shown).to_have_text(attack)
            assert await console.page.locator("#messages img, #messages script").count() == 0
            await page.wait_for_timeout(300)  # an onerror would have fired by now
            assert visitor.dialogs == [] and console.dialogs == []


async def test_english_page_and_a_too_long_message_is_refused_kindly(tmp_path):
    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        async with desk.browser(PHONE, locale="en-US") as visitor:
            page = visitor.page
            await page.goto(desk.url("/chat?lang=en"))
            await expect(page.get_by_role("button", name="Leave quickly")).to_be_visible()
            await page.locator("#choices button").first.wait_for()
            await page.get_by_label("Write here").fill("a" * 10_000)
            await page.get_by_role("button", name="Send").click()
            await expect(page.locator("#error")).to_contain_text("at most 2000 characters")
            # What she wrote stays in the box, for her to shorten.
            assert len(await page.get_by_label("Write here").input_value()) == 10_000
