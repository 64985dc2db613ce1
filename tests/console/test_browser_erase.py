"""A supervisor erases a client on their request from the conversation page: the control is
there for supervisors only, the erase button waits for the typed word, and the result says
what was deleted. A counselor's page has no such control."""

from __future__ import annotations

from playwright.async_api import expect

from storage import contacts
from tests.console.browser import SCREENSHOTS, TABLET, Desk, jst, needs_browser, no_sideways_scroll

pytestmark = needs_browser


async def test_a_supervisor_erases_a_client_after_typing_the_word(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("kimura", "木村", role="supervisor")
        mother = await desk.mother_through_the_family_flow()
        conversation = await desk.conversation_of(mother)
        path = f"/console/conversations/{conversation.id}"

        async with desk.signed_in("sato", TABLET, path) as tab:
            await expect(tab.page.locator("#conv-title")).to_be_visible()
            assert await tab.page.locator("#erase-open").count() == 0

        async with desk.signed_in("kimura", TABLET, path) as tab:
            page = tab.page
            # She is the only member of her household: the dialog says it goes with her.
            await page.locator("#household-create").click()
            await expect(page.locator("#household-name")).to_contain_text("H-0001")
            await page.get_by_role("button", name="この方の記録を消去").click()
            dialog = page.locator("#erase-dialog")
            await expect(dialog).to_be_visible()
            await expect(dialog.locator("#erase-household")).to_have_text(
                "この方は世帯 H-0001 のただ一人のメンバーです。"
                "世帯の会議の記録、対応項目、招待もいっしょに消去されます。"
            )
            erase = dialog.get_by_role("button", name="消去する")
            await expect(erase).to_be_disabled()
            await page.get_by_label("確かめるために「消去」と入力してください").fill("けす")
            await expect(erase).to_be_disabled()
            await page.get_by_label("確かめるために「消去」と入力してください").fill("消去")
            await expect(erase).to_be_enabled()
            await page.screenshot(path=str(SCREENSHOTS / "erase_confirm.png"))
            assert await desk.db.read(contacts.find, "line", mother) is not None

            await erase.click()
            await expect(dialog.locator("#erase-done-text")).to_have_text(
                "この方の記録を消去しました。"
            )
            counts = dialog.locator("#erase-counts li")
            await expect(counts.filter(has_text="会話")).to_contain_text("1")
            await expect(counts.filter(has_text="相談者")).to_contain_text("1")
            assert await no_sideways_scroll(page)
            await page.screenshot(path=str(SCREENSHOTS / "erase_done.png"))
            assert await desk.db.read(contacts.find, "line", mother) is None

            # The page of the conversation is gone.
            response = await page.goto(desk.url(path))
            assert response is not None and response.status == 404
