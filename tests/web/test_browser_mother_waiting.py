"""The mother waiting on the web chat page (issue 19), in a real browser: helpline numbers
are tel: links that never break inside a number, every message shows its time, and the
tab's title says 「（新着）」 (nothing more) when an answer arrives in the background."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.console.api_desk import jst
from tests.web.browser import PHONE, web_desk

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}  # the narrowest phones: numbers must still not wrap

# Playwright runs these through the debugging protocol, not as page script (the CSP holds).
HIDE = """() => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW = """() => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


async def test_helpline_numbers_are_tel_links_on_one_line_and_messages_show_their_time(tmp_path):
    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(NARROW) as visitor:
            page = visitor.page
            await page.goto(desk.url("/chat"))
            await page.locator("#choices button").first.wait_for()
            mine = "もう死にたい。<b>0120-111-222</b>"
            await page.get_by_label("ここに書いてください").fill(mine)
            await page.get_by_role("button", name="送る").click()
            yorisoi = page.locator(".from-tobira a.tel", has_text="0120-279-338")
            await expect(yorisoi).to_have_attribute("href", "tel:0120279338")
            await expect(
                page.locator(".from-tobira a.tel", has_text="119").first
            ).to_have_attribute("href", "tel:119")
            assert await yorisoi.evaluate("a => getComputedStyle(a).whiteSpace") == "nowrap"
            rects = await page.locator("a.tel").evaluate_all(
                "links => links.map(a => a.getClientRects().length)"
            )
            assert rects and set(rects) == {1}, "no number broken over two lines"
            # What she wrote stays text: no link, no markup.
            assert await page.locator(".from-visitor a, .from-visitor b").count() == 0
            await expect(page.locator(".from-visitor .bubble").last).to_have_text(mine)
            # Every message says when (Tokyo time, as the promises do).
            times = await page.locator("#log .msg time.at").all_inner_texts()
            assert len(times) == await page.locator("#log .msg").count()
            assert all(re.fullmatch(r"\d\d:\d\d", t) for t in times), times
            assert "10:00" in times


async def test_an_answer_in_the_background_marks_the_title_new_and_nothing_more(tmp_path):
    async with web_desk(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(PHONE) as visitor:
            page = visitor.page
            await page.goto(desk.url("/chat"))
            await page.locator("#choices button").first.wait_for()
            title = await page.title()
            assert "新着" not in title
            before = await page.locator(".from-tobira").count()
            await page.evaluate(HIDE)
            await page.get_by_label("ここに書いてください").fill("人と話したい")
            await page.get_by_role("button", name="送る").click()
            await expect(page.locator(".from-tobira")).to_have_count(before + 1)
            await expect(page).to_have_title("（新着）" + title)
            await page.evaluate(SHOW)
            await expect(page).to_have_title(title)
