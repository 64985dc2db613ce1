"""Assignment by people in a real browser: a counselor hands a case over with a note the
new counselor reads first, and the client is told once; at an escalation a supervisor
gives a case to a free counselor from the alert, in one click."""

from __future__ import annotations

from playwright.async_api import expect

from bot.app import keys
from tests.console.browser import TABLET, Desk, jst, needs_browser

pytestmark = needs_browser

NOTE = "来週から就職の面談が始まるそうです。その話から聞いてください。"


async def test_a_handover_tells_the_client_once_and_the_new_counselor_reads_the_note_first(
    tmp_path,
):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("suzuki", "鈴木")
        user = await desk.asks_for_a_person()  # sato's
        conversation = await desk.conversation_of(user)
        async with desk.browser(TABLET) as sato_tab, desk.browser(TABLET) as suzuki_tab:
            sato = sato_tab.page
            await desk.sign_in(sato, "sato")
            await sato.goto(desk.url(f"/console/conversations/{conversation.id}"))
            await sato.get_by_label("引き継ぐ相手").select_option(label="鈴木")
            await sato.get_by_label("申し送り（新しい担当が最初に読みます）").fill(NOTE)
            await sato.get_by_role("button", name="引き継ぐ", exact=True).click()
            await expect(sato.locator("#people-state")).to_contain_text("変更しました")
            await expect(sato.locator("#facts")).to_contain_text("担当：鈴木")

            suzuki = suzuki_tab.page
            await desk.sign_in(suzuki, "suzuki")
            await expect(suzuki.locator(".alert", has_text="申し送り")).to_have_count(1)
            await suzuki.goto(desk.url(f"/console/conversations/{conversation.id}"))
            first = suzuki.locator("#handover-first")
            await expect(first).to_be_visible()
            await expect(first).to_contain_text(NOTE)
            await expect(first).to_contain_text("佐藤より")
            await desk.service.settle()
            assert len(desk.calls_with("これからは鈴木がお返事します。")) == 1
            assert not desk.calls_with(NOTE)


async def test_a_supervisor_reassigns_an_escalated_case_from_the_alert(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 9, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("kimura", "木村", role="supervisor")
        user = await desk.asks_for_a_person()  # sato's; nobody answers
        await desk.add_staff("suzuki", "鈴木")  # came in later, free
        await desk.move_to(jst(2026, 11, 25, 11, 30))  # escalated by now
        async with desk.signed_in("kimura") as tab:
            page = tab.page
            alert = page.locator(".alert[data-kind='escalate']")
            await expect(alert).to_have_count(1)
            await alert.get_by_role("button", name="空いている相談員に回す").click()
            await expect(alert).to_have_count(0)
            conversation = await desk.conversation_of(user)
            staff = await desk.db.read(
                lambda c: c.execute(
                    "SELECT display_name FROM staff WHERE id = ?", (conversation.counselor_id,)
                ).fetchone()[0]
            )
            assert staff == "鈴木"
            await desk.service.settle()
            assert len(desk.calls_with("これからは鈴木がお返事します。")) == 1


async def test_leave_set_in_the_console_moves_cases_to_the_cover_and_back(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        user = await desk.asks_for_a_person()  # sato's
        await desk.add_staff("suzuki", "鈴木")
        await desk.add_staff("kimura", "木村", role="supervisor")
        async with desk.signed_in("kimura") as tab:
            page = tab.page
            await page.get_by_role("link", name="スタッフ").click()
            await page.wait_for_url(desk.url("/console/staff"))
            await expect(page.locator("#staff-rows tr")).to_have_count(3)
            await page.get_by_label("お休みする人").select_option(label="佐藤")
            await page.get_by_label("初日").fill("2026-11-25")
            await page.get_by_label("最終日").fill("2026-11-26")
            await page.get_by_label("代わりの人", exact=True).select_option(label="鈴木")
            await page.get_by_label("代わりの人への申し送り").fill("夕方に連絡が来やすい方です")
            await page.get_by_role("button", name="お休みを登録する").click()
            await expect(page.locator("#leave-state")).to_have_text("登録しました。")
            await expect(page.locator("#staff-rows tr[data-status='on_leave']")).to_contain_text(
                "佐藤"
            )
            await expect(page.locator("#staff-rows tr[data-status='on_leave']")).to_contain_text(
                "お休み（2026-11-26まで）・代わり：鈴木"
            )
            await expect(page.locator("#staff-rows tr[data-status='covering']")).to_contain_text(
                "鈴木"
            )
        await desk.service.settle()
        cover = "担当の佐藤はお休みをいただいています。その間は鈴木がお返事します。"
        assert len(desk.calls_with(cover)) == 1
        await desk.move_to(jst(2026, 11, 27, 9, 0))
        await desk.service.app[keys.DESK].move_for_leave()
        await desk.service.settle()
        assert len(desk.calls_with("これからは佐藤がお返事します。")) == 1
        conversation = await desk.conversation_of(user)
        notes = await desk.db.read(
            lambda c: c.execute(
                "SELECT to_staff_id FROM staff_notes WHERE conversation_id = ? ORDER BY id",
                (conversation.id,),
            ).fetchall()
        )
        assert len(notes) == 2  # one to the cover, one back to sato
