"""`make run` as a new user meets it: `tobira demo`, then `tobira chat` in another terminal."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import aiohttp

from bot.cli.chat import ChatSession, render
from bot.cli.main import DEMO_SECRET
from tests.processes import wait_healthy
from tests.service import free_port


def _start_demo(port: int, cwd, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_the_demo_answers_a_chat_in_the_terminal_without_line(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TOBIRA_"))}
    demo = _start_demo(port, tmp_path, env)
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
