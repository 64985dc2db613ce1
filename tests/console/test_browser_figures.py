"""The year in figures in a real browser (issue 22): a supervisor preparing the annual
report picks fiscal year 2025 of a seeded year (tests/console/figures_year.py), reads the
numbers first with their definitions, the three charts (SVG drawn on the server, shown as
images), the month table; the CSV links carry the period; the sheet prints on A4 without
the console around it. A counselor has no link and gets the 403 page; the look is audited."""

from __future__ import annotations

import base64
import re

from playwright.async_api import expect

from storage.read_side import audit_entries
from tests.console.browser import LAPTOP, SCREENSHOTS, Desk, jst, needs_browser
from tests.console.figures_year import write_year

pytestmark = needs_browser

# May 2026: fiscal year 2025 (April 2025 – March 2026) is closed and ready for the report.
MAY = jst(2026, 5, 12, 10, 0)


async def test_a_supervisor_reads_and_prints_the_fiscal_year(tmp_path):
    async with Desk.open(tmp_path, MAY) as desk:
        await desk.add_staff("boss", "山本", role="supervisor")
        await desk.add_staff("sato", "佐藤")
        year = await desk.db.write(lambda conn: write_year(conn, 2025))
        assert year.total > 400  # a year worth reading

        async with desk.signed_in("boss", LAPTOP, "/console/") as tab:
            page = tab.page
            await page.locator("#nav-figures").click()
            await expect(page.locator("#figures-period")).to_have_text("2026年5月")
            # The picker: the fiscal year April–March.
            await page.locator("#period-fy").select_option("2025")
            await expect(page.locator("input[name=period][value=fiscal_year]")).to_be_checked()
            await page.locator("#period-show").click()
            await expect(page.locator("#figures-period")).to_contain_text("2025年度")
            period = page.locator("#figures-period")
            assert await period.get_attribute("data-from") == "2025-04-01"
            assert await period.get_attribute("data-to") == "2026-03-31"

            # Numbers first: the headline's new contacts is the year's, with its definition.
            first = page.locator(".headline-item[data-key='new_contacts.total']")
            await expect(first.locator(".headline-value")).to_have_text(f"{year.total:,}")
            await expect(first.locator(".headline-definition")).to_contain_text(
                "初めて連絡してきた人"
            )
            for writer, count in year.new.items():
                row = page.locator(f"#group-contacts tr[data-key='new_contacts.{writer}']")
                await expect(row.locator(".c-value")).to_have_text(f"{count:,}")
                assert await row.locator(".c-definition").inner_text()
            answers = page.locator("#group-answers tr[data-key='first_human_answer.n'] .c-value")
            await expect(answers).to_have_text(f"{year.answers:,}")
            held = page.locator("#group-households tr[data-key='conferences.held'] .c-value")
            await expect(held).to_have_text(str(year.conferences))

            # Twelve months, April first, each month's new contacts as counted.
            heads = page.locator("#figures-months thead th")
            await expect(heads).to_have_count(14)
            await expect(heads.nth(1)).to_have_text("4月")
            await expect(heads.nth(12)).to_have_text("3月")
            cells = page.locator("#figures-months tbody tr").first.locator("td")
            assert await cells.nth(0).inner_text() == f"{year.by_month['2025-04']:,}"

            # Three charts, each an SVG image with no script and nothing fetched, drawn.
            for chart in ("chart-monthly", "chart-answer", "chart-who"):
                image = page.locator(f"#{chart} img")
                src = await image.get_attribute("src") or ""
                svg = base64.b64decode(src.split(",", 1)[1]).decode()
                assert "<script" not in svg and not re.search(r"href=|url\(", svg)
                assert await image.evaluate("i => i.complete && i.naturalWidth > 0")
                assert await image.get_attribute("alt")
            monthly = base64.b64decode(
                (await page.locator("#chart-monthly img").get_attribute("src") or "").split(",")[1]
            ).decode()
            assert (
                "4月" in monthly and "家族" in monthly and str(year.by_month["2025-10"]) in monthly
            )

            # The exports carry the period.
            csv = await page.locator("#figures-csv").get_attribute("href")
            assert csv == "/api/v1/figures.csv?from=2025-04-01&to=2026-03-31"
            publish = await page.locator("#figures-publish-csv").get_attribute("href")
            assert publish == csv + "&publish=1"
            await expect(page.locator("#figures-publish-csv")).to_contain_text("3未満")
            response = await page.request.get(desk.url(publish))
            assert response.status == 200
            assert (await response.body()).startswith(b"\xef\xbb\xbf")

            await page.screenshot(path=str(SCREENSHOTS / "figures.png"), full_page=True)

            # Printed: the sheet alone, on A4.
            await page.emulate_media(media="print")
            await expect(page.locator(".figures-tools")).to_be_hidden()
            await expect(page.locator("header.bar")).to_be_hidden()
            await expect(page.locator("#figures-sheet")).to_be_visible()
            pdf = await page.pdf(format="A4", prefer_css_page_size=True)
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            assert 2 <= pages <= 5, pages
            await page.emulate_media(media="screen")

            # English second: the same sheet in the other language.
            await page.get_by_role("link", name="English").click()
            await expect(first.locator("dt")).to_have_text("New contacts (total)")
            await expect(page.locator("#figures-period")).to_contain_text("Fiscal year 2025")
            await expect(page.locator("#chart-who figcaption")).to_have_text(
                "Who wrote (the period)"
            )
            await page.get_by_role("link", name="日本語").click()
            await expect(first.locator("dt")).to_have_text("新規（合計）")

            # A period the picker cannot say: a sentence, this month shown, what was typed kept.
            await page.goto(desk.url("/console/figures?period=dates&from=2026-03-02&to=2026-01-15"))
            await expect(page.locator("#figures-problem")).to_contain_text("終了日が開始日より前")
            await expect(page.locator("#period-from")).to_have_value("2026-03-02")

        entries = await desk.db.read(lambda c: audit_entries(c, action="view_figures"))
        assert any(
            e.detail == {"from": "2025-04-01", "to": "2026-03-31", "as": "page"} for e in entries
        ), entries

        async with desk.signed_in("sato", LAPTOP, "/console/") as tab:
            page = tab.page
            await expect(page.locator("#nav-inbox")).to_be_visible()
            await expect(page.locator("#nav-figures")).to_have_count(0)
            response = await page.goto(desk.url("/console/figures"))
            assert response is not None and response.status == 403
            await expect(page.locator("main h1")).to_have_text(
                "このページは、スーパーバイザーと管理者が使うページです。"
            )
