"""Case conferences in a real browser (issue 21): a supervisor records a conference on the
household of a mother and her son, with three agencies (two chips offered by the
configuration, one typed) and two items typed row by row; the item appears in its owner's
queue, who marks it done with its result; the results summary shows it, and neither the
page nor its PDF holds anything the clients wrote (a marker text each wrote)."""

from __future__ import annotations

import io
import re

import weasyprint  # noqa: F401  (loaded at collection: see below)
from playwright.async_api import expect
from pypdf import PdfReader

from bot.app import keys
from storage.read_side import audit_entries
from tests.console import test_browser_households as households
from tests.console.browser import CONFIG, SCREENSHOTS, TABLET, Desk, jst, needs_browser

# WeasyPrint finds pango at import through ctypes' find_library, which runs ldconfig: imported
# here, while pytest collects, so that no test starts that process (tests/kinds.py).

pytestmark = needs_browser

WEDNESDAY = jst(2026, 11, 25, 10, 0)
OFFERED = ["地域包括支援センター", "保健センター", "社会福祉協議会", "医療機関"]
CONFERENCES = CONFIG + '\n[conferences]\nagencies = ["' + '", "'.join(OFFERED) + '"]\n'
MOTHERS_MARKER = "ひみつの目印アオサギ"
SONS_MARKER = "ひみつの目印カワセミ"
RESULT = "母と面談。介護保険の申請を一緒にすすめることになった。"


def a4(box) -> bool:
    """A PDF page's box is A4 portrait (in millimetres)."""
    return (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)


async def test_a_conference_its_queue_and_its_results_summary(tmp_path):
    async with Desk.open(tmp_path, WEDNESDAY, config=CONFERENCES) as desk:
        sato_id = await desk.add_staff("sato", "佐藤")
        await desk.add_staff("boss", "山本", role="supervisor")
        mother = await desk.mother_through_the_family_flow()
        mothers = await desk.conversation_of(mother)
        await desk.client_writes(mother, f"息子のことで {MOTHERS_MARKER} です")
        made = await desk.service.app[keys.DESK].invite(mothers.id, sato_id)
        son, _ = await households.son_joins(desk, made.code)
        await desk.client_writes(son, f"母には {SONS_MARKER}")
        household_id = made.household_id

        async with desk.signed_in("boss", TABLET, f"/console/households/{household_id}") as tab:
            page = tab.page
            await expect(page.locator("#conferences")).to_contain_text("まだ会議の記録はありません")
            await page.get_by_role("button", name="会議を記録する").click()
            form = page.locator("#conference-form")
            await expect(form).to_be_visible()
            await page.locator("#held-on").fill("2026-11-25")
            # Two agencies offered as chips, a third typed and Enter.
            await form.get_by_role("button", name="地域包括支援センター").click()
            await form.get_by_role("button", name="保健センター").click()
            await page.locator("#agency-other").fill("ひきこもり地域支援センター")
            await page.locator("#agency-other").press("Enter")
            await expect(form.locator(".chip[aria-pressed='true']")).to_have_count(3)
            # Nobody steers yet: said before anything is sent.
            await page.locator("#conference-save").click()
            await expect(page.locator("#conference-problem")).to_have_text(
                "主担当機関を選んでください。"
            )
            await page.locator("#lead-agency").select_option("保健センター")
            await page.locator("#key-worker").select_option(label="佐藤")
            await page.locator("#decisions").fill(
                "母の介護の相談は包括が受ける。本人への手紙は急がない。"
            )
            await page.locator("#next-review").fill("2027-02-25")
            rows = page.locator("#item-rows tr")
            await rows.nth(0).locator(".item-what").fill("母と面談し、介護保険の申請を案内する")
            await rows.nth(0).locator(".item-owner").select_option(label="佐藤")
            await expect(rows.nth(0).locator(".item-person")).to_be_disabled()
            await rows.nth(0).locator(".item-due").fill("2026-12-02")
            await rows.nth(1).locator(".item-what").fill("本人の通院先を確かめる")
            await rows.nth(1).locator(".item-owner").select_option(label="保健センター")
            await rows.nth(1).locator(".item-person").fill("田中")
            await rows.nth(1).locator(".item-due").fill("2026-12-09")
            # Enter in the last due date opens a third row (left empty: it is no item).
            await rows.nth(1).locator(".item-due").press("Enter")
            await expect(rows).to_have_count(3)
            await expect(rows.nth(2).locator(".item-what")).to_be_focused()
            await page.screenshot(path=str(tmp_path / "form.png"), full_page=True)
            await page.locator("#conference-save").click()

            await expect(page.locator("#notice")).to_have_text("会議を記録しました。")
            await expect(form).to_be_hidden()
            # Every word on the page is a text of the catalogue, never a Python object.
            assert "built-in method" not in await page.content()
            conference = page.locator("#conferences .conference")
            await expect(conference).to_have_count(1)
            await expect(conference).to_contain_text("主担当機関：保健センター")
            await expect(conference).to_contain_text("主たる援助者：佐藤")
            await expect(conference).to_contain_text("ひきこもり地域支援センター")
            await expect(conference.locator(".conference-item")).to_have_count(2)
            await expect(conference.locator(".conference-item").nth(1)).to_contain_text(
                "保健センター（田中）"
            )
            conference_id = int(await conference.get_attribute("data-conference-id") or 0)
            await page.screenshot(path=str(tmp_path / "household.png"), full_page=True)

        # A week later (the item is overdue), Sato finds it in her queue, counted in the header.
        await desk.move_to(jst(2026, 12, 3, 10, 0))
        async with desk.signed_in("sato") as tab:
            page = tab.page
            await expect(page.locator("#nav-items-overdue")).to_have_text("期限切れ 1件")
            await page.locator("#nav-items").click()
            await page.wait_for_url(re.compile(r"/console/action-items"))
            # Hers: the item she owns (overdue, first) and the agency's, as the key worker.
            rows = page.locator("#action-item-rows .action-item")
            await expect(rows).to_have_count(2)
            mine = rows.first
            await expect(mine).to_contain_text("母と面談し、介護保険の申請を案内する")
            await expect(mine).to_contain_text("期限切れ")
            await expect(mine).to_have_attribute("data-state", "overdue")
            await expect(rows.nth(1)).to_contain_text("保健センター（田中）")
            await page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
            await mine.get_by_role("button", name="完了にする").click()
            await page.locator("#item-result").fill(RESULT)
            await page.locator("#item-done-save").click()
            await expect(page.locator("#notice")).to_have_text("完了として記録しました。")
            await expect(page.locator("#action-item-rows .action-item")).to_have_count(1)
            await expect(page.locator("#nav-items-overdue")).to_be_hidden()
            await page.get_by_role("link", name="完了").click()
            await expect(page.locator("#action-item-rows")).to_contain_text(RESULT)

        async with desk.signed_in(
            "boss", TABLET, f"/console/conferences/{conference_id}/summary?results=1"
        ) as tab:
            page = tab.page
            sheet = page.locator("#summary")
            await expect(sheet).to_contain_text("ケース検討会議の結果")
            await expect(page.locator("#summary-results")).to_contain_text(RESULT)
            await expect(page.locator("#summary-results")).to_contain_text("完了")
            await expect(page.locator("#summary-lead")).to_have_text("保健センター")
            await expect(page.locator("#summary-key-worker")).to_have_text("佐藤")
            await expect(page.locator("#summary-household")).to_contain_text("H-")
            await expect(page.locator("#summary-items")).to_contain_text("保健センター（田中）")
            html = await page.content()
            for secret in (MOTHERS_MARKER, SONS_MARKER, mother):
                assert secret not in html
            await page.screenshot(path=str(SCREENSHOTS / "conference_summary.png"), full_page=True)

            # Printing without saying to whom: asked first, nothing recorded; printed with
            # Ctrl+P alone, the sheet is not there, only the note to use the button.
            await page.locator("#summary-print").click()
            await expect(page.locator("#summary-status")).to_contain_text("共有先")
            await page.emulate_media(media="print")
            await expect(page.locator("#summary")).to_be_hidden()
            await expect(page.locator("#summary-not-recorded")).to_be_visible()
            await page.emulate_media(media="null")
            # Printed through the button, to whom recorded: one A4 sheet without the toolbar.
            # (The browser's print dialog is the one part no test can press: it is stood in for.)
            await page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
            await page.locator("#shared-with").fill("保健センター 鈴木さん")
            await page.locator("#summary-print").click()
            await expect(page.locator("body")).to_have_attribute("data-printed", "yes")
            await expect(page.locator("#summary-status")).to_contain_text("共有を記録しました")
            await expect(page.locator("body")).to_have_class(re.compile("recorded"))
            printed = PdfReader(io.BytesIO(await page.pdf(prefer_css_page_size=True)))
            assert len(printed.pages) == 1 and a4(printed.pages[0].mediabox)
            assert "印刷する" not in printed.pages[0].extract_text()
            # The PDF: to whom, then the file, whose text holds the result and no marker.
            await page.locator("#shared-with").fill("地域包括支援センター 田中さん")
            async with page.expect_download() as download_info:
                await page.locator("#summary-pdf").click()
            download = await download_info.value
            pdf = (await download.path()).read_bytes()
            reader = PdfReader(io.BytesIO(pdf))
            assert len(reader.pages) == 1
            text = "".join(p.extract_text() for p in reader.pages)
            squeezed = re.sub(r"\s", "", text)
            assert re.sub(r"\s", "", RESULT) in squeezed, text
            assert "保健センター" in squeezed and "佐藤" in squeezed
            for secret in (MOTHERS_MARKER, SONS_MARKER, mother):
                assert secret not in squeezed
            # A4, portrait.
            assert a4(reader.pages[0].mediabox)

        entries = await desk.db.read(audit_entries)
        shared = [e for e in entries if e.action == "share_conference_summary"]
        assert sorted((e.detail["shared_with"], e.detail["form"]) for e in shared) == [
            ("保健センター 鈴木さん", "print"),
            ("地域包括支援センター 田中さん", "pdf"),
        ]
        assert not tab.dialogs
