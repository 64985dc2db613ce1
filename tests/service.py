"""The real tobira app on a real loopback port, as tests and benchmarks meet it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import keys
from bot.app.factory import create_app
from bot.config.loading import load_settings
from bot.config.settings import Settings
from bot.delivery.channel import Channel
from bot.runtime.clock import Clock
from tests import line_events
from tests.fakeline import FakeLine
from tests.sealing_keys import TEST_KEY_TEXT

SECRET = "test-channel-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(
    db_path: Path, line: FakeLine, config_text: str | None = None, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "database": db_path,
        "db_synchronous": "NORMAL",
        "line.channel_secret": SECRET,
        "line.channel_access_token": line.access_token,
        "line.api_base_url": line.base_url,
        "line.retry_base": timedelta(milliseconds=20),
        "line.request_timeout": timedelta(seconds=2),
        # The sending process takes a second to start (it imports the SDK): tests call LINE
        # from the main process unless they are about that process (test_sending_process.py).
        "line.sending_process": False,
        "privacy.data_key": TEST_KEY_TEXT,
    }
    values.update(overrides)
    config = None
    if config_text is not None:
        config = db_path.parent / "tobira.toml"
        config.write_text(config_text, encoding="utf-8")
    return load_settings(config, env={}, overrides=values)


class RunningService:
    """The app under test, served by aiohttp's AppRunner on 127.0.0.1."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        *,
        channels: Sequence[Channel] | None = None,
        port: int = 0,
        detector_process: bool = False,
    ) -> None:
        self.settings = settings
        self._port = port
        self.app = create_app(settings, clock, channels=channels, detector_process=detector_process)
        self._runner = web.AppRunner(self.app, access_log=None)
        self.url = ""
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> RunningService:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession()
        return self

    async def __aenter__(self) -> RunningService:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        await self._runner.cleanup()

    @property
    def db(self):
        return self.app[keys.DB]

    async def post_events(self, *events: dict[str, Any], secret: str = SECRET) -> int:
        assert self._session is not None
        body = line_events.payload(*events)
        return await line_events.post_webhook(
            self._session, self.url + "/webhooks/line", body, secret
        )

    async def post_raw(self, body: bytes, headers: dict[str, str]) -> aiohttp.ClientResponse:
        assert self._session is not None
        async with self._session.post(
            self.url + "/webhooks/line", data=body, headers=headers
        ) as response:
            await response.read()
            return response

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every event is processed and every outbox row has had its try."""

        async def idle() -> None:
            while True:
                await self.app[keys.DISPATCHER].lanes.wait_idle()
                await self.app[keys.SENDER].lanes.wait_idle()
                if not (self.app[keys.DISPATCHER].lanes.busy or self.app[keys.SENDER].lanes.busy):
                    return
                await asyncio.sleep(0)

        await asyncio.wait_for(idle(), timeout)
