"""Saved replies (定型文) in a real browser: a supervisor shares one on the saved-replies
page; a counselor inserts it with Ctrl+/ into the reply box, filled in for the conversation,
edits it, and LINE receives exactly the edited words."""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.browser import SCREENSHOTS, TABLET, Desk, jst, needs_browser, no_sideways_scroll

pytestmark = needs_browser

TEMPLATE = "{counselor_name}です。{service_name}は{next_opening}にまたお返事します。"
HOSTILE_TITLE = "<img src=x onerror=\"document.title='pwned'\">夜の連絡"


async def test_a_counselor_inserts_a_shared_reply_edits_it_and_sends_it(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Wednesday 16:40: the welfare centre closes at 17:00 and opens Thursday at 9:00.
    async with Desk.open(tmp_path, jst(2026, 11, 25, 16, 40)) as desk:
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("kimura", "木村", role="supervisor")
        user = await desk.asks_for_a_person()
        conversation = await desk.conversation_of(user)

        async with desk.browser(TABLET) as boss_tab, desk.browser(TABLET) as sato_tab:
            boss = boss_tab.page
            await desk.sign_in(boss, "kimura")
            await boss.goto(desk.url("/console/saved-replies"))
            for title, text in (("時間外のお返事", TEMPLATE), (HOSTILE_TITLE, "また連絡します。")):
                await boss.get_by_label("題名").fill(title)
                await boss.get_by_label("本文").fill(text)
                await boss.get_by_label("みんなで使う（共有）").check()
                await boss.get_by_role("button", name="保存する").click()
                await expect(boss.locator("#saved-state")).to_have_text("保存しました。")
            shared = boss.locator("#shared-list .saved-item")
            await expect(shared).to_have_count(2)
            await expect(shared.filter(has_text="夜の連絡")).to_contain_text(HOSTILE_TITLE)
            assert await boss.locator("#shared-list img").count() == 0
            # A client's name is refused, in words.
            await boss.get_by_label("題名").fill("名前")
            await boss.get_by_label("本文").fill("{client_name}さん")
            await boss.get_by_role("button", name="保存する").click()
            await expect(boss.locator("#saved-state")).to_contain_text("お名前は伺っていない")

            sato = sato_tab.page
            await desk.sign_in(sato, "sato")
            await sato.goto(desk.url(f"/console/conversations/{conversation.id}"))
            box = sato.get_by_label("返信", exact=True)
            await box.click()
            await box.press("Control+/")
            picker = sato.locator("#saved-picker")
            await expect(picker).to_be_visible()
            await expect(picker.locator(".saved-choice")).to_have_count(2)
            assert await picker.locator("img").count() == 0
            await sato.get_by_label("しぼりこむ").fill("時間外")
            await expect(picker.locator(".saved-choice")).to_have_count(1)
            await sato.screenshot(path=str(SCREENSHOTS / "saved_replies.png"))
            assert await no_sideways_scroll(sato)
            await sato.get_by_label("しぼりこむ").press("Enter")
            await expect(picker).to_be_hidden()
            # 16:40, open until 17:00: "from now", never 「明日9時以降」 while open.
            filled = (
                "佐藤です。ひきこもり相談窓口は今日（11月25日）16時40分以降にまたお返事します。"
            )
            await expect(box).to_have_value(filled)
            assert await sato.title() != "pwned" and await boss.title() != "pwned"

            # Edited before sending: the counselor's own words go out, once.
            await box.press("End")
            await box.type("どうぞ暖かくしてお過ごしください。")
            await box.press("Control+Enter")
            await expect(sato.locator("#reply-state")).to_have_text("送信しました。")
            sent = filled + "どうぞ暖かくしてお過ごしください。"
            assert len(desk.calls_with(sent)) == 1
            assert not desk.calls_with(TEMPLATE)
