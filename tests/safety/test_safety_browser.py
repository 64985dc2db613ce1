"""A counselor's inbox when a message signals danger: the row jumps to the top, marked
urgent, and the alert arrives live. The screenshot goes to docs/."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.console.browser import SCREENSHOTS, Desk, jst, needs_browser

pytestmark = needs_browser


async def test_a_danger_signal_jumps_the_queue_and_alerts_live(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 9, 0)) as desk:  # a Wednesday, open
        await desk.add_staff("sato", "佐藤")
        await desk.asks_for_a_person()
        await desk.move_to(jst(2026, 11, 25, 10, 5))
        await desk.asks_for_a_person()
        await desk.move_to(jst(2026, 11, 25, 10, 40))
        async with desk.signed_in("sato") as tab:
            page = tab.page
            rows = page.locator("#rows tr")
            await expect(rows).to_have_count(2)
            mother = await desk.mother_through_the_family_flow()
            await desk.client_writes(mother, "息子が「もう死にたい」と言って部屋から出てきません")
            conversation = await desk.conversation_of(mother)
            first = rows.first
            await expect(first).to_have_attribute("data-conversation-id", str(conversation.id))
            await expect(first).to_contain_text(re.compile("緊急"))
            alert = page.locator('.alert[data-kind="danger_crisis"]')
            await expect(alert).to_be_visible()
            await expect(alert).to_contain_text("危険のサイン")
            await page.screenshot(path=str(SCREENSHOTS / "danger.png"))


async def test_a_possible_signal_alerts_live_with_its_own_label(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:  # a Wednesday, open
        await desk.add_staff("sato", "佐藤")
        user = await desk.asks_for_a_person()
        async with desk.signed_in("sato") as tab:
            page = tab.page
            await expect(page.locator("#rows tr")).to_have_count(1)
            await desk.client_writes(user, "もう何もかも嫌になった")
            alert = page.locator('.alert[data-kind="possible_crisis"]')
            await expect(alert).to_be_visible()
            await expect(alert).to_contain_text("危険かもしれないサイン（自殺・自傷）があります")
            # Asked, not confirmed: the conversation is not marked urgent.
            await expect(page.locator("#rows tr").first).not_to_contain_text("緊急")
