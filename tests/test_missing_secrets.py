"""`tobira serve` without LINE's secret or token: said once at start-up, shown in /healthz."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import aiohttp
import pytest

from tests import line_events as ev
from tests.processes import wait_healthy
from tests.service import SECRET, free_port

NO_SECRET = (
    "LINE_CHANNEL_SECRET is not set (nor [line] channel_secret): every LINE webhook is refused"
    " with 503 until it is."
)
NO_TOKEN = (
    "LINE_CHANNEL_ACCESS_TOKEN is not set (nor [line] channel_access_token): replies wait in"
    " the outbox, unsent, until it is."
)


async def healthz(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.get(url + "/healthz") as response:
        return response.status, await response.json()


def serve(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("line_env", "expected"),
    [
        ({}, [NO_SECRET, NO_TOKEN]),
        ({"LINE_CHANNEL_SECRET": SECRET}, [NO_TOKEN]),
        ({"LINE_CHANNEL_ACCESS_TOKEN": "a-token"}, [NO_SECRET]),
    ],
    ids=["neither", "no-token", "no-secret"],
)
@pytest.mark.subprocess
async def test_what_is_missing_is_said_at_start_up_and_in_healthz(tmp_path, line_env, expected):
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LINE_", "TOBIRA_")) or k == "TOBIRA_DATA_KEY"
    }
    env.update(TOBIRA_DB=str(tmp_path / "tobira.db"), TOBIRA_PORT=str(port), **line_env)
    process = serve(env)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, process)
        status, body = await healthz(url)
        assert (status, body) == (200, {"status": "ok", "warnings": expected})
        if NO_SECRET in expected:
            async with aiohttp.ClientSession() as session:
                user = ev.new_user_id()
                code = await ev.post_webhook(
                    session, url + "/webhooks/line", ev.payload(ev.text(user, "x", "t")), SECRET
                )
            assert code == 503
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(process.communicate, timeout=15)
    said = [line for line in stderr.decode().splitlines() if line.startswith("tobira: warning:")]
    assert said == [f"tobira: warning: {sentence}" for sentence in expected]


async def test_a_configured_service_has_no_warnings(service):
    assert await healthz(service.url) == (200, {"status": "ok", "warnings": []})
