"""tobira as a real process, for tests that kill it with kill -9."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.fakeline import FakeLine
from tests.service import SECRET


def children(pid: int) -> list[int]:
    """The process ids a process has started (tobira's sending process)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except FileNotFoundError:
        pass
    return found


def service_env(db: Path, line: FakeLine, port: int, config: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "TOBIRA_DB": str(db),
        "TOBIRA_PORT": str(port),
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": line.access_token,
        "LINE_API_BASE_URL": line.base_url,
    }
    env.pop("TOBIRA_CONFIG", None)
    if config is not None:
        env["TOBIRA_CONFIG"] = str(config)
    return env


def start_service(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def start_demo(
    port: int, cwd: Path, env: dict[str, str], *, text: bool = False
) -> subprocess.Popen:
    """`tobira demo` in `cwd`, its errors kept (stderr) for the test to read."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=text,
    )


async def wait_healthy(url: str, process: subprocess.Popen, *, tries: int = 300) -> None:
    """Until /healthz answers 200, every 50 ms; more `tries` for a start-up with more to do."""
    async with aiohttp.ClientSession() as session:
        for _ in range(tries):
            assert process.poll() is None, "tobira exited during start-up"
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("tobira did not become healthy")
