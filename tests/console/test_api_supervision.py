"""Supervisors' views through the API: the audit log with filters, the alerts history
(seen or not, with whom each was for); counselors see neither."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from tests.console.api_desk import ApiDesk
from tests.console.browser import Desk, jst, needs_browser


async def test_the_audit_log_filters_by_staff_action_and_day(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        sato = await desk.sign_in(sato_id)
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        await sato.get(f"/api/v1/conversations/{conversation_id}")
        await sato.post(f"/api/v1/conversations/{conversation_id}/notes", {"text": "メモ"})

        status, body = await boss.get(f"/api/v1/audit?staff={sato_id.id}&action=note")
        assert status == 200
        assert [(e["action"], e["staff"]["display_name"]) for e in body["audit"]] == [
            ("note", "佐藤")
        ]
        assert {"note", "view"} <= set(body["actions"])
        _, body = await boss.get(
            f"/api/v1/audit?staff={sato_id.id}&since=2026-11-25&until=2026-11-25"
        )
        assert {e["action"] for e in body["audit"]} >= {"view", "note"}
        _, body = await boss.get(f"/api/v1/audit?staff={sato_id.id}&since=2026-11-26")
        assert body["audit"] == []
        status, body = await boss.get("/api/v1/audit?since=someday")
        assert status == 400 and "YYYY-MM-DD" in body["error"]
        assert (await sato.get("/api/v1/audit?action=note"))[0] == 403


async def test_the_alerts_history_keeps_seen_alerts_and_whom_they_were_for(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        conversation_id = await desk.conversation_id(await desk.ask_for_a_person())
        await desk.move(timedelta(minutes=16))  # the reminder
        _, mine = await sato.get("/api/v1/alerts")
        [reminder] = mine["alerts"]
        await sato.post(f"/api/v1/alerts/{reminder['id']}/seen")
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        assert (await sato.get("/api/v1/alerts/history"))[0] == 403
        status, body = await boss.get("/api/v1/alerts/history?kind=remind")
        assert status == 200
        [item] = body["alerts"]
        assert item["conversation_id"] == conversation_id and item["seen_at"] is not None
        assert item["addressee"]["display_name"] == "佐藤"


@needs_browser
async def test_a_supervisor_filters_the_audit_log_and_reads_the_alerts_history(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 9, 0)) as desk:
        await desk.add_staff("sato", "佐藤")
        await desk.add_staff("kimura", "木村", role="supervisor")
        await desk.asks_for_a_person()
        await desk.move_to(jst(2026, 11, 25, 9, 20))  # the reminder to sato
        async with desk.signed_in("kimura") as tab:
            page = tab.page
            await page.get_by_role("link", name="記録").click()
            await page.wait_for_url(desk.url("/console/audit"))
            alerts = page.locator("#alert-rows tr")
            await expect(alerts).to_have_count(1)
            await expect(alerts).to_contain_text("返信期限の前")
            await expect(alerts).to_contain_text("佐藤")
            await expect(alerts).to_contain_text("未確認")
            await expect(page.locator("#audit-rows tr").first).to_be_visible()
            await page.get_by_label("操作").select_option("view_queue")
            await page.get_by_role("button", name="しぼりこむ").click()
            rows = page.locator("#audit-rows tr")
            await expect(rows.first).to_have_attribute("data-action", "view_queue")
            # The rows are redrawn by the filter: wait for the others to go (not a race).
            others = page.locator("#audit-rows tr:not([data-action='view_queue'])")
            await expect(others).to_have_count(0)
