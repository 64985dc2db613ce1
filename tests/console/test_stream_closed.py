"""A console tab closed while its live stream is open is an everyday event, not an ERROR
in the log (issue 19). The real app; the page is an HTTP client that goes away."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from tests.console.api_desk import ApiDesk


async def test_a_closed_console_stream_is_not_logged_as_an_error(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        gone = aiohttp.ClientSession(cookie_jar=boss.session.cookie_jar)
        stream = await gone.get(desk.service.url + "/api/v1/events")
        assert (await stream.content.readline()).startswith(b"event: hello")
        stream.connection.transport.abort()  # the tab is closed: the connection drops
        await gone.close()
        # News for that stream: the service writes to a connection that is gone.
        for _ in range(3):
            await desk.ask_for_a_person()
        for _ in range(100):
            if any("closed by the page" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
        assert any("closed by the page" in r.getMessage() for r in caplog.records)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], [r.getMessage() for r in errors]
