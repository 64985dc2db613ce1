"""The console's JSON API as tests meet it: the real service on a loopback port, the fake
LINE API, a clock the test moves, staff with passwords, and signed-in HTTP clients.

    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        status, body = await sato.get("/api/v1/conversations?queue=waiting")
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import keys
from bot.handoff.passwords import hash_password
from bot.runtime.clock import TOKYO, ManualClock
from storage import contacts, conversations, staff
from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.organisations import organisations
from tests.service import RunningService, settings_for

PASSWORD = "correct horse battery"

CONFIG = organisations(lunch_break=False, national_holidays=False)

# A Wednesday morning: both organisations are open.
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Staff:
    id: int
    login: str


class Client:
    """One browser's worth of cookies, and the CSRF token once signed in."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # unsafe=True: keep cookies for an IP address (127.0.0.1), as a browser does.
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf: str | None = None
        self.last_headers: dict[str, str] = {}

    async def close(self) -> None:
        await self.session.close()

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        csrf: bool = True,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        if csrf and self.csrf:
            sent.setdefault("X-CSRF-Token", self.csrf)
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method, self.base_url + path, data=data, headers=sent, allow_redirects=False
        ) as response:
            self.last_headers = dict(response.headers)
            text = await response.text()
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return response.status, parsed

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        return await self.request("POST", path, body, **kwargs)

    async def login(self, login: str, password: str = PASSWORD) -> tuple[int, Any]:
        status, body = await self.post("/api/v1/login", {"login": login, "password": password})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status, body


class ApiDesk:
    def __init__(self, service: RunningService, line: FakeLine, clock: ManualClock) -> None:
        self.service, self.line, self.clock = service, line, clock
        self._clients: list[Client] = []

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        tmp_path: Path,
        start: datetime = WEDNESDAY_10,
        config: str = CONFIG,
        **overrides: Any,
    ) -> AsyncIterator[ApiDesk]:
        clock = ManualClock(start)
        async with FakeLine(access_token="test-token") as line:
            settings = settings_for(tmp_path / "tobira.db", line, config, **overrides)
            async with RunningService(settings, clock) as service:
                desk = cls(service, line, clock)
                try:
                    yield desk
                finally:
                    for client in desk._clients:
                        await client.close()

    @property
    def db(self):
        return self.service.db

    @property
    def app(self):
        return self.service.app

    def client(self) -> Client:
        client = Client(self.service.url)
        self._clients.append(client)
        return client

    async def add_staff(
        self, login: str, role: str = "counselor", org: str | None = "welfare", display: str = ""
    ) -> Staff:
        digest = await asyncio.to_thread(password_hash)
        now = self.clock.now()
        staff_id = await self.db.write(
            lambda c: staff.add(
                c,
                login=login,
                name=display or login,
                display_name=display or login,
                org_id=org,
                role=role,
                password_hash=digest,
                at=now,
            )
        )
        return Staff(staff_id, login)

    async def sign_in(self, member: Staff) -> Client:
        client = self.client()
        status, body = await client.login(member.login)
        assert status == 200, body
        return client

    def ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    async def send(self, user: str, text: str) -> dict[str, Any]:
        """A signed text message event from `user`, processed; returns the event."""
        token = self.line.issue_reply_token(user)
        event = ev.text(user, text, token, self.ms())
        assert await self.service.post_events(event) == 200
        await self.service.settle()
        return event

    async def ask_for_a_person(self, user: str | None = None, first: str = "こんにちは") -> str:
        """A new client writes, then asks for a person (the global word): handed off."""
        user = user or ev.new_user_id()
        await self.send(user, first)
        await self.send(user, "人と話したい")
        return user

    async def conversation_id(self, user: str) -> int:
        def find(conn):
            contact = contacts.find(conn, "line", user)
            assert contact is not None
            found = conversations.open_for(conn, contact.id)
            assert found is not None
            return found.id

        return await self.db.read(find)

    async def move(self, delta: timedelta) -> None:
        """Move time and let due deadlines fire, as the alarm would."""
        self.clock.advance(delta)
        await self.app[keys.ALARM].run_due()
        await self.service.settle()
