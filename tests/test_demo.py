"""`make run` as a new user meets it: `tobira demo`, then `tobira chat` in another terminal."""

from __future__ import annotations

import asyncio
import base64
import os
import signal

import aiohttp
import pytest
from aiohttp import web

from bot.channels.line.api import LineApi
from bot.channels.line.demo import DEMO_PUSH_ALLOWANCE, DEMO_TOKEN, PUSHES, create_demo_line
from bot.channels.line.quota import read_quota
from bot.cli.chat import ChatSession, render
from bot.cli.main import DEMO_SECRET
from bot.delivery.channel import PUSH_ALLOWANCE_USED
from tests.processes import start_demo, wait_healthy
from tests.service import free_port


@pytest.mark.subprocess
async def test_the_demo_answers_a_chat_in_the_terminal_without_line(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TOBIRA_"))}
    demo = start_demo(port, tmp_path, env)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, demo)
        chat = ChatSession(url, DEMO_SECRET)
        async with aiohttp.ClientSession() as session:
            await chat.follow(session)
            first = await chat.replies(session, wait=10)
            assert "どなたのことでのご相談ですか？" in render(first, chat.choices)
            assert ("家族のこと", "t1:first_contact:who:family") in chat.choices
            family = [n for n, (label, _) in enumerate(chat.choices, 1) if label == "家族のこと"]
            await chat.say(session, str(family[0]))
            shown = render(await chat.replies(session, wait=10), chat.choices)
            assert "ご本人から見てどなたにあたりますか" in shown and "[1] 母" in shown
    finally:
        demo.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(demo.communicate, timeout=15)
    banner = stderr.decode()
    assert "tobira chat --url" in banner and "nothing leaves this machine" in banner
    # Printed once serving: after the background work started, not before a check failed.
    assert banner.index('"deadlines armed"') < banner.index("nothing leaves this machine")
    assert banner.count("nothing leaves this machine") == 1
    assert (tmp_path / "var" / "demo.db").exists()
    # No key was given: the demo made its own, readable by its owner only, used again on the
    # next start (a new key each time would lock the demo out of its own database).
    key_file = tmp_path / "var" / "demo-data.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(base64.b64decode(key_file.read_text())) == 32


async def test_the_demo_line_counts_pushes_against_the_free_plan_as_line_does():
    runner = web.AppRunner(create_demo_line())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}"
    api = LineApi(url, DEMO_TOKEN, 5)
    try:
        quota = await read_quota(url, DEMO_TOKEN, 5)
        assert (quota.limit, quota.used) == (DEMO_PUSH_ALLOWANCE, 0)
        user = "U" + "0" * 32
        payload = '[{"type": "text", "text": "こんにちは"}]'
        assert (await api.push(user, payload, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")).outcome == (
            "delivered"
        )
        assert (await read_quota(url, DEMO_TOKEN, 5)).used == 1
        # Replies are free: not counted.
        assert (await api.reply(f"demo:{user}:1", payload)).outcome == "delivered"
        assert (await read_quota(url, DEMO_TOKEN, 5)).used == 1
        runner.app[PUSHES][0] = DEMO_PUSH_ALLOWANCE  # as if the month's pushes were used
        refused = await api.push(user, payload, "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b")
        assert refused.detail == PUSH_ALLOWANCE_USED
    finally:
        await api.close()
        await runner.cleanup()
