"""The web chat in a real browser (Debian's chromium), with the console's Desk beside it:
the real service, the fake LINE API, a clock the test moves and staff who sign in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from bot.runtime.clock import ManualClock
from tests.console.browser import CONFIG, Desk
from tests.fakeline import FakeLine
from tests.service import RunningService, settings_for

PHONE = {"width": 390, "height": 844}
NEUTRAL_PATH = "/a-neutral-page"


@asynccontextmanager
async def web_desk(tmp_path: Path, start: datetime, **overrides: Any) -> AsyncIterator[Desk]:
    """Desk.open, with settings of the test's own; "leave quickly" goes to a page of the
    fake LINE server (a real address that is not ours)."""
    clock = ManualClock(start)
    async with FakeLine(access_token="test-token") as line:
        overrides.setdefault("web.leave_url", line.base_url + NEUTRAL_PATH)
        settings = settings_for(tmp_path / "tobira.db", line, CONFIG, **overrides)
        async with RunningService(settings, clock) as service:
            async with Desk.around(service, line, clock) as desk:
                yield desk


async def settled(page: Page, selector: str, at_least: int, quiet_ms: int = 400) -> None:
    """Wait for `at_least` entries, then until no new one came for `quiet_ms` (an answer
    may come in more than one delivery). Polled: the page's CSP refuses the string
    evaluation that wait_for_function would use."""
    last, quiet = -1, 0
    for _ in range(400):
        now = await page.locator(selector).count()
        if now >= at_least and now == last:
            quiet += 50
            if quiet >= quiet_ms:
                return
        else:
            quiet = 0
        last = now
        await page.wait_for_timeout(50)
    raise AssertionError(f"the page did not settle at {at_least}+ entries of {selector}")


async def labels(page: Page) -> list[str]:
    return [t.strip() for t in await page.locator("#choices button").all_inner_texts()]


async def tap_through_the_family_flow(page: Page, taps: list[str]) -> None:
    """Tap the mother's answers (or skip) while the page offers buttons."""
    taps = list(taps)
    await page.locator("#choices button").first.wait_for()
    for _ in range(20):
        offered = await labels(page)
        if not offered:
            return
        label = next((tap for tap in taps if tap in offered), None)
        if label is None:
            label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
        else:
            taps.remove(label)
        count = await page.locator("#log li").count()
        await page.locator("#choices button", has_text=label).first.click()
        await settled(page, "#log li", count + 2)
    raise AssertionError("the family flow should reach a handoff")
