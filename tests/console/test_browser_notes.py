"""Two counselors in two browser contexts: one leaves a handover note (申し送り) and an
internal note with a mention; the other sees the alert arrive live and the note on their
handover page; LINE never hears of either; hostile HTML in a note stays text."""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.browser import SCREENSHOTS, TABLET, Desk, jst, needs_browser, no_sideways_scroll

pytestmark = needs_browser

HANDOVER = "お母さんは木曜の午後なら話しやすいそうです。次は就労支援の話から。"
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"><b>太字ではない</b>"


async def test_a_handover_note_reaches_the_colleague_live_and_never_the_client(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:  # a Wednesday
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("suzuki", "鈴木")
        mother = await desk.mother_through_the_family_flow()
        conversation = await desk.conversation_of(mother)
        await desk.asks_for_a_person()
        line_calls = len(desk.line.delivered)

        async with desk.browser(TABLET) as sato_tab, desk.browser(TABLET) as suzuki_tab:
            sato, suzuki = sato_tab.page, suzuki_tab.page
            await desk.sign_in(suzuki, "suzuki")
            await suzuki.goto(desk.url("/console/handover"))
            await expect(suzuki.locator("#groups")).to_contain_text("申し送りはありません")
            await expect(suzuki.locator("#live")).to_have_attribute("data-state", "open")

            await desk.sign_in(sato, "sato")
            await sato.goto(desk.url(f"/console/conversations/{conversation.id}"))
            await sato.get_by_label("種類").select_option("handover")
            await sato.get_by_label("宛先").select_option(label="鈴木")
            await sato.locator("#note-text").fill(HANDOVER)
            await sato.get_by_role("button", name="メモを残す").click()
            note = sato.locator(".msg.from-internal", has_text=HANDOVER)
            await expect(note).to_contain_text("申し送り・佐藤 → 鈴木（相談者には送られません）")

            # A private note with hostile HTML and a mention: shown as the text it is.
            await sato.get_by_label("種類").select_option("private")
            await sato.locator("#note-text").fill(f"@suzuki {HOSTILE}")
            await sato.get_by_role("button", name="メモを残す").click()
            hostile = sato.locator(".msg.from-internal", has_text="太字ではない")
            await expect(hostile).to_contain_text(HOSTILE)
            await expect(hostile).to_contain_text("内部メモ・佐藤")
            assert await hostile.locator("img, b").count() == 0
            assert await sato.title() != "pwned"
            assert await no_sideways_scroll(sato)
            await sato.screenshot(path=str(SCREENSHOTS / "notes.png"))

            # suzuki's page heard it live: the note in "for you", the alerts at the top.
            mine = suzuki.locator("#group-for-me .handover-note")
            await expect(mine).to_have_count(1)
            await expect(mine).to_contain_text(HANDOVER)
            await expect(mine).to_contain_text("佐藤 → 鈴木")
            alerts = suzuki.locator(".alert")
            await expect(alerts.filter(has_text="あなた宛ての申し送り")).to_have_count(1)
            await expect(alerts.filter(has_text="呼びかけ")).to_have_count(1)
            assert await no_sideways_scroll(suzuki)
            await suzuki.screenshot(path=str(SCREENSHOTS / "handover.png"))

            # The note is for staff: LINE was not called at all.
            assert len(desk.line.delivered) == line_calls
            assert not desk.calls_with(HANDOVER)
