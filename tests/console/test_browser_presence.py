"""Two counselors signed in at once, in two browser contexts, on the same conversation:
each sees the other's presence and typing, live; the second to answer within a minute of
the other is asked first, and one tap sends it anyway."""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.browser import SCREENSHOTS, TABLET, Desk, jst, needs_browser

pytestmark = needs_browser


async def test_two_counselors_see_each_others_presence_and_typing(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("suzuki", "鈴木")
        user = await desk.asks_for_a_person()
        conversation = await desk.conversation_of(user)
        page_url = desk.url(f"/console/conversations/{conversation.id}")
        async with desk.browser(TABLET) as sato_tab, desk.browser(TABLET) as suzuki_tab:
            sato, suzuki = sato_tab.page, suzuki_tab.page
            await desk.sign_in(sato, "sato")
            await desk.sign_in(suzuki, "suzuki")
            await sato.goto(page_url)
            await expect(sato.locator("#live")).to_have_attribute("data-state", "open")
            await suzuki.goto(page_url)
            await expect(suzuki.locator("#presence")).to_have_text("佐藤も開いています")
            await expect(sato.locator("#presence")).to_have_text("鈴木も開いています")

            await suzuki.get_by_label("返信", exact=True).press_sequentially("こんにちは、鈴")
            await expect(sato.locator("#presence")).to_contain_text("鈴木が入力中…")
            await sato.screenshot(path=str(SCREENSHOTS / "presence.png"))
            # Typing stops: the mark goes away by itself.
            await expect(sato.locator("#presence")).to_have_text(
                "鈴木も開いています", timeout=15000
            )

            # sato answers; suzuki, a moment later, is asked before a second answer goes.
            await sato.get_by_label("返信", exact=True).fill("佐藤です。お待たせしました。")
            await sato.get_by_role("button", name="送信する").click()
            await expect(sato.locator("#reply-state")).to_have_text("送信しました。")
            await suzuki.get_by_label("返信", exact=True).fill("鈴木です。")
            await suzuki.get_by_role("button", name="送信する").click()
            await expect(suzuki.locator("#reply-state")).to_contain_text("佐藤さんが1分以内に")
            assert not desk.calls_with("鈴木です。")
            await expect(suzuki.get_by_label("返信", exact=True)).to_have_value("鈴木です。")
            await suzuki.get_by_role("button", name="それでも送る").click()
            await expect(suzuki.locator("#reply-state")).to_have_text("送信しました。")
            assert len(desk.calls_with("鈴木です。")) == 1

            # suzuki leaves: sato sees it at once.
            await suzuki.goto(desk.url("/console/"))
            await expect(sato.locator("#presence")).to_have_text("")
