"""The demo's LINE simulator at /dev/line: two simulated people on one page, quick replies
as buttons, a handoff, and the counselor's answer arriving, all through signed webhooks and
demo mode's stand-in for the Messaging API. Off the demo, /dev/line does not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from playwright.async_api import Page, expect

from bot.app.channels import registered
from bot.channels.line.demo import DEMO_SECRET, DEMO_TOKEN
from bot.runtime.clock import ManualClock
from storage import conversations
from tests.console.browser import (
    CONFIG,
    MOTHER_TAPS,
    SCREENSHOTS,
    TABLET,
    Desk,
    jst,
    needs_browser,
)
from tests.fakeline import FakeLine
from tests.service import RunningService, free_port, settings_for
from tests.web.browser import PHONE, settled


@asynccontextmanager
async def demo_desk(tmp_path: Path) -> AsyncIterator[Desk]:
    port = free_port()
    clock = ManualClock(jst(2026, 11, 25, 10, 0))
    async with FakeLine(access_token="unused") as line:
        settings = settings_for(
            tmp_path / "demo.db",
            line,
            CONFIG,
            **{
                "line.channel_secret": DEMO_SECRET,
                "line.channel_access_token": DEMO_TOKEN,
                "line.api_base_url": f"http://127.0.0.1:{port}/demo-line",
            },
        )
        channels = registered(settings, demo=True)
        async with RunningService(settings, clock, channels=channels, port=port) as service:
            async with Desk.around(service, line, clock) as desk:
                yield desk


async def add_person(page: Page, name: str) -> None:
    await page.get_by_placeholder("名前（例: 母、息子）").fill(name)
    await page.get_by_role("button", name="人を追加").click()
    await expect(page.locator("#person option:checked")).to_have_text(name)
    await expect(page.locator("#replies button").first).to_be_visible()


async def tap(page: Page, label: str) -> None:
    before = await page.locator("#talk li").count()
    await page.locator("#replies button", has_text=label).first.click()
    # The page looks again every 700 ms: settled once a second passed with nothing new.
    await settled(page, "#talk li", before + 2, quiet_ms=1000)


async def line_conversation(desk: Desk, name_index: int) -> int:
    def find(conn):
        rows = conn.execute("SELECT id FROM contacts WHERE channel = 'line' ORDER BY id").fetchall()
        return conversations.open_for(conn, rows[name_index][0]).id

    return await desk.db.read(find)


@needs_browser
async def test_a_trainer_plays_a_mother_and_her_son(tmp_path):
    async with demo_desk(tmp_path) as desk:
        await desk.add_staff("sato", "佐藤")
        async with desk.browser(PHONE) as sim, desk.browser(TABLET) as console:
            page = sim.page
            await page.goto(desk.url("/dev/line"))
            await add_person(page, "母")
            await expect(page.locator("#talk")).to_contain_text("友だち追加ありがとうございます")
            taps = list(MOTHER_TAPS)
            for _ in range(20):
                offered = [
                    t.strip() for t in await page.locator("#replies button").all_inner_texts()
                ]
                if not offered:
                    break
                label = next((t for t in taps if t in offered), None)
                if label is None:
                    label = next(x for x in offered if x in ("答えたくない", "スキップ"))
                else:
                    taps.remove(label)
                await tap(page, label)
            await expect(page.locator("#talk")).to_contain_text("佐藤")

            # Her son, on the same page: his own talk, from the start.
            await add_person(page, "息子")
            await page.get_by_placeholder("メッセージを入力").fill("人と話したい")
            await page.get_by_role("button", name="送信").click()
            await expect(page.locator("#talk")).to_contain_text("人と話したい")
            await expect(page.locator("#talk")).not_to_contain_text("母")

            # The counselor answers the mother from the console; it arrives in her talk.
            mother_conversation = await line_conversation(desk, 0)
            await desk.sign_in(console.page, "sato")
            await console.page.goto(desk.url(f"/console/conversations/{mother_conversation}"))
            answer = "佐藤です。お母さまのお話、ゆっくり聞かせてください。"
            await console.page.get_by_label("返信").fill(answer)
            await console.page.get_by_role("button", name="送信する").click()
            await page.locator("#person").select_option(label="母")
            await expect(page.locator("#talk")).to_contain_text(answer)
            await page.screenshot(path=str(SCREENSHOTS / "simulator.png"))
            await page.locator("#person").select_option(label="息子")
            await expect(page.locator("#talk")).not_to_contain_text(answer)


async def test_the_simulator_is_only_there_in_demo_mode(tmp_path):
    async with FakeLine(access_token="t") as line:
        settings = settings_for(tmp_path / "t.db", line)
        async with RunningService(settings) as service, aiohttp.ClientSession() as session:
            for path in ("/dev/line", "/dev/line/", "/dev/line/api/people"):
                async with session.get(service.url + path) as response:
                    assert response.status == 404, path
            async with session.post(service.url + "/dev/line/api/people", json={"name": "x"}) as r:
                assert r.status == 404


@needs_browser
async def test_the_simulator_signs_what_our_webhook_accepts(tmp_path):
    async with demo_desk(tmp_path) as desk, aiohttp.ClientSession() as session:
        async with session.post(desk.url("/dev/line/api/people"), json={"name": "母"}) as r:
            person = await r.json()
        for payload in ({"type": "follow"}, {"type": "text", "text": "こんにちは"}):
            url = desk.url(f"/dev/line/api/people/{person['id']}/events")
            async with session.post(url, json=payload) as r:
                assert (await r.json()) == {"webhook_status": 200}
        async with session.post(url, json={"type": "dance"}) as r:
            assert r.status == 400
        await desk.service.settle()
        count = await desk.db.read(
            lambda c: c.execute(
                "SELECT count(*) FROM inbound_events WHERE channel = 'line' AND user_key = ?",
                (desk.db.keyring.user_hash("line", person["id"]),),
            ).fetchone()
        )
        assert count[0] == 2


@needs_browser
async def test_the_simulator_keeps_the_person_played_across_a_reload(tmp_path):
    async with demo_desk(tmp_path) as desk, desk.browser(PHONE) as sim:
        page = sim.page
        await page.goto(desk.url("/dev/line"))
        await add_person(page, "母")
        await add_person(page, "息子")  # the second person: not what a fresh page shows
        await page.get_by_placeholder("メッセージを入力").fill("息子のことばです")
        await page.get_by_role("button", name="送信").click()
        await expect(page.locator("#talk")).to_contain_text("息子のことばです")

        await page.reload()

        await expect(page.locator("#person option:checked")).to_have_text("息子")
        await expect(page.locator("#talk")).to_contain_text("息子のことばです")
