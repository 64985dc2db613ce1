"""The README's staff example works when pasted into a fresh clone, and one database serves
one tobira (issue 19): real processes, a real kill -9."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from pathlib import Path

import aiohttp
import pytest

from tests.processes import start_demo, wait_healthy
from tests.service import free_port

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    # The master key stays: it is the deployment's, not a setting under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TOBIRA_"))}
    return {**env, **extra}


def readme_staff_example() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    [block] = [b for b in blocks if "staff add" in b and "TOBIRA_DB" in b]
    # One command per entry, a line ending in a backslash continuing on the next.
    return [c.strip() for c in block.replace("\\\n", " ").splitlines() if c.strip()]


async def signs_in(url: str, login: str, password: str) -> bool:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/api/v1/login", json={"login": login, "password": password}) as r,
    ):
        return r.status == 200


async def test_the_readme_staff_example_adds_a_counselor_the_demo_knows(tmp_path):
    commands = readme_staff_example()
    assert commands[0] == "make install" and commands[-1] == "make run"
    # A fresh clone after `make install`: its .venv (this one's), nothing else.
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    script = "set -e\n" + "\n".join(commands[1:-1])
    done = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-c", script],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert '"org": "welfare"' in done.stdout
    assert (tmp_path / "var" / "demo.db").exists()

    # `make run`, in that clone, with what the example exported: 山田 signs in.
    port = free_port()
    process = start_demo(port, tmp_path, clean_env(TOBIRA_DB="var/demo.db"))
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", process)
        assert await signs_in(f"http://127.0.0.1:{port}", "yamada", "a long password")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.communicate, timeout=15)


async def test_a_second_demo_on_a_database_in_use_refuses_and_a_killed_one_does_not_block(
    tmp_path,
):
    env = clean_env(TOBIRA_DB=str(tmp_path / "shared.db"))
    first_port, second_port = free_port(), free_port()
    first = start_demo(first_port, tmp_path, env)
    try:
        await wait_healthy(f"http://127.0.0.1:{first_port}", first)
        second = start_demo(second_port, tmp_path, env)
        _, stderr = await asyncio.to_thread(second.communicate, timeout=60)
        assert second.returncode == 2
        [line] = stderr.decode().strip().splitlines()
        assert "already in use" in line and "TOBIRA_DB" in line and str(first.pid) in line
    finally:
        first.send_signal(signal.SIGKILL)  # no clean-up at all: the lock file stays behind
        await asyncio.to_thread(first.communicate, timeout=15)
    assert (tmp_path / "shared.db.lock").exists()

    third = start_demo(second_port, tmp_path, env)
    try:
        await wait_healthy(f"http://127.0.0.1:{second_port}", third)
    finally:
        third.send_signal(signal.SIGTERM)
        await asyncio.to_thread(third.communicate, timeout=15)
