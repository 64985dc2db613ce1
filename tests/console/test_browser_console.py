"""A counselor on a tablet: signs in, sees a mother's message arrive live, reads the intake,
answers, and the answer reaches LINE once; then signs out. The sign-in screenshot goes to
docs/ (the inbox and the conversation: tests/console/test_browser_tablet.py)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from storage import deadlines
from tests import line_events as ev
from tests.console.browser import (
    SCREENSHOTS,
    TABLET,
    Desk,
    jst,
    needs_browser,
    no_sideways_scroll,
)

pytestmark = needs_browser

MOTHER_WRITES = "息子は35歳で、もう何年も部屋から出てきません。どう接したらいいのかわからなくて"
ANSWER = "佐藤です。書いてくださってありがとうございます。いまのご様子を聞かせてください。"


async def test_a_counselor_answers_a_mother_from_one_tab(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 9, 0)) as desk:  # a Wednesday, open
        await desk.add_staff("sato", "佐藤")
        # Two people already waiting, so the inbox looks like a morning at the window.
        await desk.asks_for_a_person()
        await desk.move_to(jst(2026, 11, 25, 10, 5))
        second = await desk.asks_for_a_person()
        await desk.client_writes(second, "夜になると不安になります")
        await desk.move_to(jst(2026, 11, 25, 10, 52))

        async with desk.browser(TABLET) as tab:
            page = tab.page
            await page.goto(desk.url("/console/"))
            await expect(page).to_have_url(re.compile(r"/console/login"))
            await page.screenshot(path=str(SCREENSHOTS / "signin.png"))
            await desk.sign_in(page, "sato")
            rows = page.locator("#rows tr")
            await expect(rows).to_have_count(2)
            # Marked on the page itself: a reload would lose it.
            await page.evaluate("window.__sameDocument = true")

            mother = await desk.mother_through_the_family_flow()
            await desk.client_writes(mother, MOTHER_WRITES)
            conversation = await desk.conversation_of(mother)
            row = page.locator(f'#rows tr[data-conversation-id="{conversation.id}"]')
            await expect(row).to_be_visible()
            await expect(row).to_contain_text("家族")
            await expect(row).to_contain_text("佐藤")
            await expect(rows).to_have_count(3)
            assert await page.evaluate("window.__sameDocument === true"), "the inbox reloaded"
            # The longest wait first; it is red as its escalation nears.
            await expect(rows.first).to_have_class(re.compile("row-red"))
            assert await no_sideways_scroll(page)
            # The morning's two reminders, read and put away: the server stops listing them.
            alerts = page.locator(".alert")
            await expect(alerts).to_have_count(2)
            for _ in range(2):
                await alerts.first.get_by_role("button", name="閉じる").click()
            await expect(alerts).to_have_count(0)
            await page.reload()
            await expect(rows).to_have_count(3)
            await expect(alerts).to_have_count(0)

            await row.locator("a.open").click()
            await page.wait_for_url(desk.url(f"/console/conversations/{conversation.id}"))
            intake = page.locator("#intake")
            await expect(intake).to_contain_text("母")
            await expect(intake).to_contain_text("40代")
            await expect(intake).to_contain_text("10年より長い")
            await expect(page.locator("#summary")).to_contain_text("母")
            client = page.locator(".msg.from-client", has_text=MOTHER_WRITES)
            await expect(client).to_contain_text("相談者")
            await expect(client).to_be_in_viewport()  # the history opens at its newest end
            await expect(page.locator(".msg.from-internal").first).to_contain_text("内部メモ")
            await expect(page.locator(".msg.from-bot").first).to_be_visible()

            pending = await desk.db.read(deadlines.for_conversation, conversation.id)
            assert ("followup", "pending") in [(k, s) for k, s, _ in pending], pending
            box = page.get_by_label("返信")
            await box.fill(ANSWER)
            await box.press("Control+Enter")
            await expect(page.locator("#reply-state")).to_have_text("送信しました。")
            mine = page.locator(".msg.from-counselor", has_text=ANSWER)
            await expect(mine.locator(".delivery")).to_have_text("送信済み")
            await expect(mine).to_contain_text("相談員：佐藤")
            await expect(mine).to_be_in_viewport()
            await expect(page.locator("#facts")).not_to_contain_text("返信待ち")  # answered
            await expect(box).to_have_value("")

            assert len(desk.calls_with(ANSWER)) == 1, desk.line.summary()
            assert desk.calls_with(ANSWER)[0].endpoint in ("push", "reply")
            states = await desk.db.read(deadlines.for_conversation, conversation.id)
            followups = [status for kind, status, _ in states if kind == "followup"]
            assert followups and set(followups) == {"cancelled"}, states
            assert await no_sideways_scroll(page)

            cookies = await tab.context.cookies()
            await page.get_by_role("button", name="サインアウト").click()
            await page.wait_for_url(re.compile(r"/console/login\?notice=signed_out"))
            await expect(page.locator("#notice")).to_have_text("サインアウトしました。")
            await page.goto(desk.url("/console/"))
            await expect(page).to_have_url(re.compile(r"/console/login"))
            # The old cookie, put back by hand, opens nothing: the session ended on the server.
            await tab.context.add_cookies(cookies)
            me = await tab.context.request.get(desk.url("/api/v1/me"))
            assert me.status == 401
            assert tab.dialogs == []


async def test_client_text_is_shown_as_text_never_run(tmp_path):
    attack = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        user = await desk.asks_for_a_person()
        await desk.client_writes(user, attack)
        conversation = await desk.conversation_of(user)
        async with desk.signed_in("sato", path=f"/console/conversations/{conversation.id}") as tab:
            page = tab.page
            shown = page.locator(".msg.from-client .text", has_text="onerror")
            await expect(shown).to_have_text(attack)
            assert await page.locator("#messages img, #messages script").count() == 0
            # It stays text when it arrives live as well.
            await desk.client_writes(user, attack + " 2")
            await expect(page.locator(".msg.from-client .text", has_text=" 2")).to_have_text(
                attack + " 2"
            )
            assert await page.locator("#messages img, #messages script").count() == 0
            await page.wait_for_timeout(300)  # an onerror would have fired by now
            assert tab.dialogs == []


async def test_an_answer_that_cannot_be_delivered_says_so_and_why(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        user = await desk.asks_for_a_person()
        conversation = await desk.conversation_of(user)
        async with desk.signed_in("sato", path=f"/console/conversations/{conversation.id}") as tab:
            page = tab.page
            # LINE refuses the answer outright (a 400 is not retried).
            desk.line.fail_next("reply", 400)
            desk.line.fail_next("push", 400)
            box = page.get_by_label("返信")
            await box.fill("うまく届かない返信")
            await page.get_by_role("button", name="送信する").click()
            state = page.locator("#reply-state")
            await expect(state).to_have_attribute("data-state", "failed")
            await expect(state).to_contain_text("送信できませんでした：")
            failed = page.locator(".msg.from-counselor", has_text="うまく届かない返信")
            await expect(failed.locator(".delivery")).to_have_attribute("data-state", "failed")
            await expect(failed.locator(".delivery")).to_contain_text("送信できませんでした")
            assert desk.calls_with("うまく届かない返信") == []
            # And the counselor is alerted, live, on whatever page they are.
            failed_alert = page.locator('.alert[data-kind="delivery_failed"]')
            await expect(failed_alert).to_contain_text("送信できなかったメッセージがあります")

            # The client blocked the account: the page says so, and an answer is kept, unsent.
            await desk.post_event(ev.unfollow(user, ts_ms=desk.ms()))
            await page.reload()
            await expect(page.locator("#facts .unreachable")).to_contain_text("届けられません")
            await box.fill("ブロックのあとの返信")
            await box.press("Control+Enter")
            await expect(state).to_contain_text("相談者に届けられません")
            assert desk.calls_with("ブロックのあとの返信") == []
            assert tab.dialogs == []
