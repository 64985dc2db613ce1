"""The console on a laptop, worked from the keyboard: focus is visible and in order, alerts
arrive live with a chime that can be turned off, and the case actions work."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Page, expect

from tests.console.browser import LAPTOP, Desk, jst, needs_browser, no_sideways_scroll

pytestmark = needs_browser


async def _focused(page: Page) -> dict[str, str]:
    return await page.evaluate(
        """() => {
            const node = document.activeElement;
            const style = getComputedStyle(node);
            return {id: node.id, tag: node.tagName, text: node.textContent.trim(),
                    outline: style.outlineStyle, width: style.outlineWidth};
        }"""
    )


async def _until(page: Page, condition: str, timeout: float = 5.0) -> None:
    # Not page.wait_for_function: it evaluates a string in the page, which our CSP forbids.
    for _ in range(int(timeout / 0.05)):
        if await page.evaluate(condition):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still false after {timeout} s: {condition}")


async def test_keyboard_live_alerts_and_a_sound_that_can_be_turned_off(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        first = await desk.asks_for_a_person()
        conversation = await desk.conversation_of(first)
        async with desk.signed_in("sato", LAPTOP) as tab:
            page = tab.page
            await expect(page.locator("#rows tr")).to_have_count(1)
            await expect(page.locator("#live")).to_have_attribute("data-state", "open")

            # The first Tab lands on "skip to content", and focus is drawn, not hidden.
            await page.keyboard.press("Tab")
            focused = await _focused(page)
            assert focused["text"] == "本文へ移動"
            assert focused["outline"] != "none" and focused["width"] != "0px"

            # Fifteen minutes without an answer: the reminder reaches this counselor live.
            sound = page.locator("#sound")
            await expect(sound).to_have_text("通知音：オン")
            await desk.move_to(jst(2026, 11, 25, 10, 16))
            alert = page.locator(".alert")
            await expect(alert).to_contain_text("返信期限が近づいています")
            await expect(alert).to_contain_text(f"#{conversation.id}")
            await expect(sound).to_have_attribute("data-chimes", "1")

            await sound.click()
            await expect(sound).to_have_text("通知音：オフ")
            await alert.get_by_role("button", name="閉じる").click()
            await expect(alert).to_have_count(0)
            await page.reload()
            await expect(sound).to_have_text("通知音：オフ")
            await expect(page.locator(".alert")).to_have_count(0)  # dismissed stays dismissed
            await expect(page.locator("#live")).to_have_attribute("data-state", "open")
            second = await desk.asks_for_a_person()
            await desk.move_to(jst(2026, 11, 25, 10, 32))
            await expect(page.locator(".alert")).to_have_count(1)
            assert await sound.get_attribute("data-chimes") is None  # silent, as chosen

            # Open the first case from the keyboard; the reply box is next to the send button.
            link = page.locator(f'#rows tr[data-conversation-id="{conversation.id}"] a.open')
            await link.focus()
            # The list redraws itself when something happens; the keyboard's place stays.
            await page.evaluate("document.querySelectorAll('#rows tr').forEach(r => r.old = 1)")
            await desk.client_writes(first, "もうひとつ書きます")
            await _until(page, "!document.querySelector('#rows tr').old")
            assert await link.evaluate("node => node === document.activeElement")
            await page.keyboard.press("Enter")
            await page.wait_for_url(desk.url(f"/console/conversations/{conversation.id}"))
            await page.get_by_label("返信").focus()
            await page.keyboard.press("Tab")
            assert (await _focused(page))["id"] == "send"
            assert await no_sideways_scroll(page)
            del second


async def test_accept_urgent_resolve_and_reopen(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        # Nobody can take the case when it arrives: it waits, unassigned.
        user = await desk.asks_for_a_person()
        conversation = await desk.conversation_of(user)
        await desk.add_staff("kimura", "木村", role="supervisor")
        async with desk.signed_in("kimura", LAPTOP) as tab:
            page = tab.page
            await page.get_by_role("link", name="担当なし").click()
            row = page.locator(f'#rows tr[data-conversation-id="{conversation.id}"]')
            await expect(row).to_contain_text("担当なし")
            await row.locator("a.open").click()

            await page.get_by_role("button", name="この相談を担当する").click()
            await expect(page.locator("#facts")).to_contain_text("担当：木村")
            await expect(page.get_by_role("button", name="この相談を担当する")).to_be_hidden()

            await page.get_by_role("button", name="緊急にする").click()
            await expect(page.locator("#facts .badge.urgent")).to_have_text("緊急")
            await page.get_by_role("button", name="緊急を解除する").click()
            await expect(page.locator("#facts .badge.urgent")).to_have_count(0)

            await page.get_by_role("button", name="対応済みにする").click()
            # Asked once, in the page.
            await (
                page.locator("#resolve-confirm")
                .get_by_role("button", name="対応済みにする")
                .click()
            )
            await expect(page.locator("#facts")).to_contain_text("対応済み")
            await expect(page.get_by_label("返信")).to_be_disabled()
            await expect(page.locator("#reply-state")).to_contain_text("対応を再開してください")
            await page.get_by_role("button", name="対応を再開する").click()
            await expect(page.get_by_label("返信")).to_be_enabled()
            await expect(page.get_by_role("button", name="対応済みにする")).to_be_visible()

            await page.get_by_role("link", name=re.compile("受信箱にもどる")).click()
            await page.wait_for_url(desk.url("/console/"))
            assert tab.dialogs == []
