"""Sign-in as a counselor meets it: wrong passwords, the lockout, the language switch."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.console.browser import PASSWORD, TABLET, Desk, jst, needs_browser

pytestmark = needs_browser

WRONG = "この人はパスワードを間違えています"
LOCKED = "パスワードの誤りが続いたため、しばらくサインインできません"


async def _try(page: Page, login: str, password: str) -> None:
    await page.get_by_label("ログインID").fill(login)
    await page.get_by_label("パスワード").fill(password)
    await page.get_by_role("button", name="サインイン").click()


async def test_wrong_passwords_then_a_clear_lockout_that_tells_nothing_about_the_login(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(TABLET) as tab:
            page = tab.page
            await page.goto(desk.url("/console/login"))
            await _try(page, "sato", WRONG)
            await expect(page.locator("#error")).to_have_text("ログインIDかパスワードが違います。")
            # The login stays filled in, the password does not, and the cursor is on it.
            await expect(page.get_by_label("ログインID")).to_have_value("sato")
            await expect(page.get_by_label("パスワード")).to_have_value("")
            await expect(page.get_by_label("パスワード")).to_be_focused()
            for _ in range(4):
                await _try(page, "sato", WRONG)
            await _try(page, "sato", PASSWORD)  # even the right one, while locked
            await expect(page.locator("#error")).to_contain_text(LOCKED)
            await expect(page.locator("#error")).to_contain_text("15分ほどたってから")
            await expect(page).to_have_url(re.compile(r"/console/login"))

            # A login that does not exist reads exactly the same.
            for _ in range(6):
                await _try(page, "nobody", WRONG)
            await expect(page.locator("#error")).to_contain_text(LOCKED)
            assert tab.dialogs == []


async def test_japanese_first_english_on_request_and_remembered(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(TABLET, locale="en-US") as tab:
            page = tab.page
            await page.goto(desk.url("/console/login"))
            # Japanese by default, whatever the browser's own language.
            await expect(page.locator("html")).to_have_attribute("lang", "ja")
            await expect(page.locator("h1")).to_have_text("サインイン")
            await desk.sign_in(page, "sato")
            await expect(page.locator("th").first).to_have_text("待ち時間")

            await page.get_by_role("link", name="English").click()
            await page.wait_for_url(desk.url("/console/"))
            await expect(page.locator("html")).to_have_attribute("lang", "en")
            await expect(page.locator("th").first).to_have_text("Waited")
            await expect(page.get_by_role("link", name="Waiting")).to_have_attribute(
                "aria-current", "page"
            )
            await page.reload()
            await expect(page.locator("h1")).to_have_text("Inbox")
            await expect(page.get_by_role("button", name="Sign out")).to_be_visible()

            await page.get_by_role("link", name="日本語").click()
            await expect(page.locator("h1")).to_have_text("受信箱")
