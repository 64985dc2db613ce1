"""The console on a tablet (1024×768), as a counselor works it: a conversation shows at least
eight messages with the intake line and the alerts on screen; resolving asks once; search
finds a case by its number and by an intake answer; every value is words. Screenshots go to
docs/screenshots/ for the README."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect

from bot.app import keys
from tests.console.browser import (
    SCREENSHOTS,
    Desk,
    jst,
    needs_browser,
    no_sideways_scroll,
)

pytestmark = needs_browser

# A mother and sato, after the handoff: short turns, as a chat goes.
EXCHANGE = [
    ("client", "息子は35歳で、もう何年も部屋から出てきません。"),
    ("staff", "佐藤です。書いてくださってありがとうございます。"),
    ("client", "夜になると物音がして、起きているのはわかります。"),
    ("staff", "食事はどうされていますか？"),
    ("client", "部屋の前に置くと、朝にはなくなっています。"),
    ("staff", "わかりました。お母さまご自身は眠れていますか？"),
    ("client", "あまり眠れていません。"),
    ("staff", "それはおつらいですね。少しずつ一緒に考えましょう。"),
    ("client", "ありがとうございます。少し気持ちが軽くなりました。"),
]
HOSTILE = "<img src=x onerror=alert(1)>夜が不安です"

# Which .msg are wholly visible: inside the viewport and inside the history's scroll box.
VISIBLE_MESSAGES = """() => {
  const box = document.getElementById("messages").getBoundingClientRect();
  const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
  return [...document.querySelectorAll("#messages .msg")].filter((m) => {
    const r = m.getBoundingClientRect();
    return r.height > 0 && r.top >= top - 1 && r.bottom <= bottom + 1;
  }).length;
}"""


async def in_viewport(page: Page, selector: str) -> bool:
    """The element is wholly on screen (bounding box inside the viewport)."""
    box = await page.locator(selector).bounding_box()
    size = page.viewport_size
    assert size is not None
    return (
        box is not None
        and box["height"] > 0
        and box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


async def a_morning(desk: Desk) -> tuple[int, int, int]:
    """Two clients who asked for a person at 9:00 (their reminders are due), and a mother
    who came through the family flow at 9:20 and has been talking with sato."""
    sato = await desk.add_staff("sato", "佐藤")
    await desk.add_staff("kimura", "木村", role="supervisor")
    first = await desk.asks_for_a_person()
    second = await desk.asks_for_a_person()
    await desk.client_writes(second, HOSTILE)
    await desk.move_to(jst(2026, 11, 25, 9, 20))
    mother = await desk.mother_through_the_family_flow()
    conversation = await desk.conversation_of(mother)
    answer = desk.service.app[keys.DESK].answer
    for who, text in EXCHANGE:
        if who == "client":
            await desk.client_writes(mother, text)
        else:
            await answer(conversation.id, sato, text)
            await desk.service.settle()
        desk.clock.advance(timedelta(minutes=1))
    await desk.move_to(jst(2026, 11, 25, 9, 35))  # the two early cases' reminders are due
    ids = [(await desk.conversation_of(u)).id for u in (first, second)]
    return conversation.id, ids[0], ids[1]


async def test_a_conversation_on_a_tablet_keeps_the_history_the_intake_and_alerts_in_view(
    tmp_path,
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 9, 0)) as desk:
        mother_id, first_id, second_id = await a_morning(desk)
        async with desk.signed_in("sato", path=f"/console/conversations/{mother_id}") as tab:
            page = tab.page
            await expect(page.locator("#live")).to_have_attribute("data-state", "open")
            last = page.locator(".msg.from-client", has_text=EXCHANGE[-1][1])
            await expect(last).to_be_in_viewport()
            await page.evaluate("document.fonts.ready")

            # The two other cases' reminders: one row, the count says two.
            bar = page.locator("#alert-bar")
            await expect(bar).to_be_visible()
            await expect(page.locator("#alerts-count")).to_have_text("お知らせ 2件")
            await expect(page.locator(".alert").first).to_be_visible()
            assert await in_viewport(page, "#alert-bar")
            # The intake: one line on screen, in words.
            brief = page.locator("#intake-brief")
            await expect(brief).to_contain_text("母")
            await expect(brief).to_contain_text("40代")
            assert await in_viewport(page, "#intake-title")
            assert await in_viewport(page, "#reply-text")
            await page.screenshot(path=str(SCREENSHOTS / "conversation.png"))
            shown = await page.evaluate(VISIBLE_MESSAGES)
            assert shown >= 8, f"only {shown} messages wholly on screen"
            assert await no_sideways_scroll(page)

            # The count opens the list: both alerts on screen, over the page, then folded.
            await page.locator("#alerts-toggle").click()
            alerts = page.locator(".alert")
            await expect(alerts).to_have_count(2)
            for i in range(2):
                await expect(alerts.nth(i)).to_be_visible()
                alert_id = await alerts.nth(i).get_attribute("data-alert-id")
                assert await in_viewport(page, f'.alert[data-alert-id="{alert_id}"]')
            await expect(alerts.filter(has_text=f"#{first_id}")).to_have_count(1)
            await expect(alerts.filter(has_text=f"#{second_id}")).to_have_count(1)
            await page.keyboard.press("Escape")
            await expect(alerts.nth(1)).to_be_hidden()

            # The intake line opens to the whole record and the handoff summary.
            await page.locator("#intake-title").click()
            await expect(page.locator("#intake")).to_be_visible()
            await expect(page.locator("#intake")).to_contain_text("10年より長い")
            await expect(page.locator("#summary")).to_be_visible()
            await page.locator("#intake-title").click()

            # Resolving asks once, in the page; "やめる" changes nothing.
            await page.get_by_role("button", name="対応済みにする").click()
            confirm = page.locator("#resolve-confirm")
            await expect(confirm).to_be_visible()
            await expect(confirm).to_contain_text(f"会話 #{mother_id} を対応済みにしますか？")
            await confirm.get_by_role("button", name="やめる").click()
            await expect(confirm).to_be_hidden()
            await expect(page.locator("#facts")).to_contain_text("対応中")
            await page.get_by_role("button", name="対応済みにする").click()
            await confirm.get_by_role("button", name="対応済みにする").click()
            await expect(page.locator("#facts")).to_contain_text("対応済み")
            await expect(page.get_by_role("button", name="対応を再開する")).to_be_visible()
            assert tab.dialogs == []


async def test_search_finds_a_case_by_number_and_by_an_intake_answer(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 9, 0)) as desk:
        mother_id, first_id, second_id = await a_morning(desk)
        async with desk.signed_in("sato") as tab:
            page = tab.page
            rows = page.locator("#rows tr")
            await expect(rows).to_have_count(3)
            # Each row says what it is about: who wrote, the intake, the client's last words.
            mother_row = page.locator(f'#rows tr[data-conversation-id="{mother_id}"]')
            await expect(mother_row.locator(".brief")).to_have_text("母 · 40代 · 10年より長い")
            await expect(mother_row.locator(".client-preview")).to_have_text(EXCHANGE[-1][1])
            hostile_row = page.locator(f'#rows tr[data-conversation-id="{second_id}"]')
            await expect(hostile_row.locator(".client-preview")).to_have_text(HOSTILE)
            assert await page.locator("#rows img").count() == 0
            assert await no_sideways_scroll(page)
            await page.screenshot(path=str(SCREENSHOTS / "inbox.png"))

            # By number ("#" as people write it).
            await page.get_by_label("会話番号").fill(f"#{first_id}")
            await page.get_by_role("button", name="さがす").click()
            await page.wait_for_url(re.compile(r"number="))
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_have_attribute("data-conversation-id", str(first_id))

            # By an intake answer: the mother, among all the conversations.
            await page.get_by_role("link", name="条件をクリア").click()
            await page.locator("#finder-more summary").click()
            await page.get_by_label("続柄").select_option("mother")
            await page.get_by_role("button", name="さがす").click()
            await page.wait_for_url(re.compile(r"relationship=mother"))
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_have_attribute("data-conversation-id", str(mother_id))
            await expect(page.locator("#finder-more")).to_have_attribute("open", "")
            await expect(page.get_by_label("続柄")).to_have_value("mother")
            # Kept live: the list refreshes itself with the same filters.
            await desk.client_writes(await desk.new_client(), "こんにちは")
            await page.wait_for_timeout(500)
            await expect(rows).to_have_count(1)

            await page.get_by_label("本人の年代").select_option("20s")
            await page.get_by_role("button", name="さがす").click()
            await page.wait_for_url(re.compile(r"age_band=20s"))
            await expect(page.locator("#empty")).to_have_text("条件に合う会話はありません。")

            # A hand-edited address with a wrong value: the plain list and a sentence.
            await page.goto(desk.url("/console/?queue=all&relationship=cousin"))
            await expect(page.locator("#problem")).to_contain_text("cousin")
            assert tab.dialogs == []


async def test_a_supervisor_reads_words_never_codes(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 9, 0)) as desk:
        await a_morning(desk)
        async with desk.signed_in("kimura", path="/console/audit") as tab:
            page = tab.page
            table = page.locator("#audit-rows")
            await expect(table).to_contain_text("サインイン")
            await expect(table).to_contain_text("一覧の閲覧")
            await expect(table).not_to_contain_text("view_queue")
            await expect(page.locator("#f-action")).to_contain_text("サインイン")
            await expect(page.locator("#alert-rows")).to_contain_text("返信期限の前")
            await expect(page.locator("#alert-rows")).not_to_contain_text("remind")
            await page.goto(desk.url("/console/staff"))
            staff = page.locator("#staff-rows")
            await expect(staff).to_contain_text("福祉相談センター")
            await expect(staff).not_to_contain_text("welfare")
