"""LINE's push allowance in the console: with the fake LINE reporting 170 of 200 pushes
used this month, supervisors are warned; below 80% they are only told; counselors do not
see it."""

from __future__ import annotations

from playwright.async_api import expect

from tests.console.api_desk import ApiDesk
from tests.console.browser import SCREENSHOTS, TABLET, Desk, jst, needs_browser


async def test_at_170_of_200_pushes_the_supervisors_are_warned(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 170
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        sato = await desk.sign_in(await desk.add_staff("sato"))
        assert (await sato.get("/api/v1/quota"))[0] == 403
        status, body = await boss.get("/api/v1/quota")
        assert status == 200
        assert body["channels"] == [
            {
                "channel": "line",
                "limit": 200,
                "used": 170,
                "ratio": 0.85,
                "warn": True,
                "spent": False,
            }
        ]
        assert [c.endpoint for c in desk.line.calls[-2:]] == ["quota", "quota_consumption"]
        # Read again within five minutes: from memory, LINE is not asked again.
        calls = len(desk.line.calls)
        await boss.get("/api/v1/quota")
        assert len(desk.line.calls) == calls


async def test_below_80_percent_there_is_no_warning_and_errors_are_said(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 150
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        _, body = await boss.get("/api/v1/quota")
        assert body["channels"][0]["warn"] is False and body["channels"][0]["used"] == 150

    (tmp_path / "second").mkdir()
    async with ApiDesk.open(tmp_path / "second") as desk:
        desk.line.fail_next("quota", 500)
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        _, body = await boss.get("/api/v1/quota")
        assert body["channels"] == [{"channel": "line", "unknown": "LINE answered HTTP 500"}]


@needs_browser
async def test_the_inbox_warns_a_supervisor_at_170_of_200(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 170
        await desk.add_staff("kimura", "木村", role="supervisor")
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(TABLET) as boss_tab, desk.browser(TABLET) as sato_tab:
            await desk.sign_in(boss_tab.page, "kimura")
            quota = boss_tab.page.locator("#quota")
            await expect(quota).to_have_attribute("data-state", "warn")
            await expect(quota).to_contain_text("170／200通（85%）")
            await desk.sign_in(sato_tab.page, "sato")
            await expect(sato_tab.page.locator("#rows")).to_be_attached()
            await expect(sato_tab.page.locator("#quota")).to_be_hidden()


@needs_browser
async def test_at_200_of_200_the_page_says_the_answer_is_held_and_the_banner_is_red(tmp_path):
    async with Desk.open(tmp_path, jst(2026, 11, 25, 10, 0)) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 200
        await desk.add_staff("kimura", "木村", role="supervisor")
        user = await desk.asks_for_a_person()
        conversation = await desk.conversation_of(user)
        async with desk.signed_in("kimura") as tab:
            page = tab.page
            quota = page.locator("#quota")
            await expect(quota).to_have_attribute("data-state", "spent")
            await expect(quota).to_contain_text("上限（200／200通）に達しました")
            await page.goto(desk.url(f"/console/conversations/{conversation.id}"))
            box = page.get_by_label("返信")
            await box.fill("木村です。お待たせしました。")
            await box.press("Control+Enter")
            state = page.locator("#reply-state")
            await expect(state).to_have_attribute("data-state", "held")
            await expect(state).to_contain_text("次にメッセージが来たときか")
            held = page.locator(".msg.from-counselor", has_text="木村です。")
            await expect(held.locator(".delivery")).to_have_attribute("data-state", "held")
            await expect(page.locator('.alert[data-kind="push_held"]')).to_contain_text(
                "お返事が保留になっています"
            )
            assert desk.calls_with("木村です。お待たせしました。") == []
            await page.screenshot(path=str(SCREENSHOTS / "held.png"))

            # The client writes again: the answer goes as the reply, and the page says sent.
            await desk.client_writes(user, "まだですか")
            await expect(held.locator(".delivery")).to_have_attribute("data-state", "sent")
            [call] = desk.calls_with("木村です。お待たせしました。")
            assert call.endpoint == "reply"
