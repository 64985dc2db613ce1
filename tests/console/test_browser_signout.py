"""Signing out says "signed out", never "your session expired", however slowly the sign-out's
redirect arrives; another tab of the same session follows at once, told the same."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Route, expect

from tests.console.browser import TABLET, Desk, jst, needs_browser

pytestmark = needs_browser


async def test_a_slow_sign_out_is_not_taken_for_an_expired_session(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        user = await desk.asks_for_a_person()
        conversation = await desk.conversation_of(user)
        async with desk.browser(TABLET) as tab, desk.browser(TABLET) as other:
            page = tab.page
            await desk.sign_in(page, "sato")
            # A second tab of the same session (the cookie copied over): the inbox.
            await other.context.add_cookies(await tab.context.cookies())
            await other.page.goto(desk.url("/console/"))
            await expect(other.page.locator("#live")).to_have_attribute("data-state", "open")

            await page.goto(desk.url(f"/console/conversations/{conversation.id}"))
            await expect(page.locator("#live")).to_have_attribute("data-state", "open")

            # The server ends the session at once, but its redirect reaches the page late:
            # meanwhile the live stream says sato left the conversation (presence), the page
            # asks who is there, and is answered 401.
            async def late(route: Route) -> None:
                answer = await route.fetch(max_redirects=0)
                await asyncio.sleep(1.5)
                await route.fulfill(response=answer)

            await page.route("**/console/logout", late)
            await page.get_by_role("button", name="サインアウト").click()
            await page.wait_for_url(re.compile(r"/console/login\?notice=signed_out"))
            await expect(page.locator("#notice")).to_have_text("サインアウトしました。")
            await page.wait_for_timeout(300)
            assert "notice=signed_out" in page.url

            # The other tab heard it from the stream, with the same words.
            await other.page.wait_for_url(re.compile(r"/console/login\?notice=signed_out"))
            await expect(other.page.locator("#notice")).to_have_text("サインアウトしました。")
