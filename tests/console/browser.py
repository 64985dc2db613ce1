"""The console in a real browser: Debian's chromium driven by Playwright, against the real
service on a loopback port, the fake LINE API, and a clock the test moves.

    async with Desk.open(tmp_path) as desk, desk.browser(TABLET) as tab:
        await tab.page.goto(desk.url("/console/"))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Dialog, Page, async_playwright, expect

from bot.app import keys
from bot.handoff.passwords import hash_password
from bot.runtime.clock import TOKYO, ManualClock
from storage import contacts, conversations, staff
from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.kinds import CHROMIUM
from tests.organisations import organisations
from tests.service import RunningService, settings_for

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 1024, "height": 768}
LAPTOP = {"width": 1366, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# The expectations wait for something to happen, they do not measure speed (benchmarks do):
# on a loaded two-core CI machine a redraw after a live event took longer than Playwright's
# default 5 s, and a test failed although the page was right.
expect.set_options(timeout=15_000)
PASSWORD = "correct horse battery"

# The marker every browser test carries (it skips where chromium is missing: tests/kinds.py).
needs_browser = pytest.mark.browser

CONFIG = organisations()

# What a worried mother taps in the family flow, one label per question it asks.
MOTHER_TAPS = ["家族のこと", "母", "40代", "10年より長い", "話を聞いてほしい", "このチャットで"]


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@dataclass
class Tab:
    """One browser context and page; every JavaScript dialog it opened is kept."""

    context: BrowserContext
    page: Page
    dialogs: list[str] = field(default_factory=list)


class Desk:
    """The service, its clock, the fake LINE API and the staff, as a browser test drives them."""

    def __init__(self, service: RunningService, line: FakeLine, clock: ManualClock) -> None:
        self.service, self.line, self.clock = service, line, clock
        self._browser: Browser | None = None

    @classmethod
    @asynccontextmanager
    async def open(
        cls, tmp_path: Path, start: datetime, config: str = CONFIG, **overrides: Any
    ) -> AsyncIterator[Desk]:
        clock = ManualClock(start)
        async with FakeLine(access_token="test-token") as line:
            settings = settings_for(tmp_path / "tobira.db", line, config, **overrides)
            async with RunningService(settings, clock) as service:
                async with cls.around(service, line, clock) as desk:
                    yield desk

    @classmethod
    @asynccontextmanager
    async def around(
        cls, service: RunningService, line: FakeLine, clock: ManualClock
    ) -> AsyncIterator[Desk]:
        """A Desk, with chromium started, for a service the caller runs (the web chat's and
        the demo's settings differ)."""
        async with async_playwright() as pw:
            desk = cls(service, line, clock)
            desk._browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield desk
            finally:
                await desk._browser.close()

    def url(self, path: str) -> str:
        return self.service.url + path

    @property
    def db(self):
        return self.service.db

    @asynccontextmanager
    async def browser(self, viewport: dict[str, int], locale: str = "ja-JP") -> AsyncIterator[Tab]:
        assert self._browser is not None
        context = await self._browser.new_context(
            viewport=viewport, locale=locale, timezone_id="Asia/Tokyo"
        )
        page = await context.new_page()
        tab = Tab(context, page)

        async def on_dialog(dialog: Dialog) -> None:
            tab.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        try:
            yield tab
        finally:
            await context.close()

    # -- staff -----------------------------------------------------------------------------

    async def add_staff(
        self, login: str, display: str, org: str = "welfare", role: str = "counselor"
    ) -> int:
        now, password_hash = self.clock.now(), hash_password(PASSWORD)
        return await self.db.write(
            lambda c: staff.add(
                c,
                login=login,
                name=display,
                display_name=display,
                org_id=org,
                role=role,
                password_hash=password_hash,
                at=now,
            )
        )

    @asynccontextmanager
    async def signed_in(
        self, login: str, viewport: dict[str, int] = TABLET, path: str | None = None
    ) -> AsyncIterator[Tab]:
        """The usual prelude: a new tab, `login` signed in, then at `path` if given."""
        async with self.browser(viewport) as tab:
            await self.sign_in(tab.page, login)
            if path is not None:
                await tab.page.goto(self.url(path))
            yield tab

    async def sign_in(self, page: Page, login: str, password: str = PASSWORD) -> None:
        await page.goto(self.url("/console/"))
        await page.get_by_label("ログインID").fill(login)
        await page.get_by_label("パスワード").fill(password)
        await page.get_by_role("button", name="サインイン").click()
        await page.wait_for_url(self.url("/console/"))

    # -- clients on LINE -------------------------------------------------------------------

    def ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    async def post_event(self, event: dict[str, Any]) -> None:
        assert await self.service.post_events(event) == 200
        await self.service.settle()

    async def client_writes(self, user: str, text: str) -> None:
        token = self.line.issue_reply_token(user)
        await self.post_event(ev.text(user, text, token, ts_ms=self.ms()))

    async def new_client(self) -> str:
        user = ev.new_user_id()
        await self.post_event(ev.follow(user, self.line.issue_reply_token(user), ts_ms=self.ms()))
        return user

    async def asks_for_a_person(self) -> str:
        user = await self.new_client()
        await self.client_writes(user, "人と話したい")
        return user

    async def mother_through_the_family_flow(self) -> str:
        """Follow, then tap the mother's answers (or skip) until the flow hands off."""
        user = await self.new_client()
        taps = list(MOTHER_TAPS)
        while offered := self._buttons(user):
            label = next((tap for tap in taps if tap in offered), None)
            if label is None:
                label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
            else:
                taps.remove(label)
            token = self.line.issue_reply_token(user)
            await self.post_event(ev.postback(user, offered[label], token, ts_ms=self.ms()))
            assert len(self.line.delivered) < 40, "the family flow should reach a handoff"
        return user

    def _buttons(self, user: str) -> dict[str, str]:
        calls = [c for c in self.line.delivered if c.user_id == user]
        if not calls:
            return {}
        items = calls[-1].body["messages"][-1].get("quickReply", {}).get("items", [])
        return {item["action"]["label"]: item["action"]["data"] for item in items}

    def calls_with(self, text: str) -> list[Any]:
        """Every push or reply LINE accepted that carried `text`."""
        return [c for c in self.line.delivered if text in c.texts]

    async def conversation_of(self, user: str):
        contact = await self.db.read(contacts.find, "line", user)
        return await self.db.read(conversations.open_for, contact.id)

    async def move_to(self, when: datetime) -> None:
        """Time passes: every deadline now due fires, as the alarm would make it."""
        self.clock.set(when)
        await self.service.app[keys.ALARM].run_due()
        await self.service.settle()


async def no_sideways_scroll(page: Page) -> bool:
    """The page fits its viewport's width (a tablet must not scroll sideways)."""
    return await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
