"""Start the servers a benchmark measures as real processes, and stop them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp

from tests.processes import children
from tests.sealing_keys import TEST_KEY_TEXT

# The servers a benchmark starts refuse to run without a master key (issue 23): the tests'
# key, which the benchmarks that fill a database first (console, web chat) open it with.
_BENCH_KEY = TEST_KEY_TEXT


class Process:
    def __init__(
        self, args: list[str], env: Mapping[str, str] | None = None, log: Path | None = None
    ) -> None:
        full_env = {**os.environ, **(env or {})}
        full_env.pop("TOBIRA_CONFIG", None)
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=log.open("ab") if log else subprocess.DEVNULL,
            text=True,
        )

    def first_line(self) -> str:
        assert self.popen.stdout is not None
        return self.popen.stdout.readline().strip()

    def cpu_seconds(self) -> float:
        """User + system time of the process and its children."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in [self.popen.pid, *children(self.popen.pid)]:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


async def wait_http(url: str, process: Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"process exited while starting: {process.popen.args}")
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_fake_line(token: str) -> tuple[Process, str]:
    process = Process(["-m", "tests.fakeline", token])
    return process, process.first_line()


def start_tobira(
    db: Path,
    line_url: str,
    token: str,
    secret: str,
    port: int,
    synchronous: str = "FULL",
    log: Path | None = None,
    config_text: str | None = None,
    entry: tuple[str, ...] = ("bot.cli", "serve"),
) -> Process:
    """`entry`: the module (and command) that serves; benchmarks/sealing.py's baseline
    passes ("benchmarks.unsealed_server",)."""
    config = db.parent / f"{db.stem}.toml"
    text = config_text or f'[database]\nsynchronous = "{synchronous}"\n'
    config.write_text(text, encoding="utf-8")
    return Process(
        [
            "-m",
            *entry,
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={
            "TOBIRA_DB": str(db),
            "LINE_CHANNEL_SECRET": secret,
            "LINE_CHANNEL_ACCESS_TOKEN": token,
            "LINE_API_BASE_URL": line_url,
            "TOBIRA_DATA_KEY": os.environ.get("TOBIRA_DATA_KEY") or _BENCH_KEY,
        },
        log=log,
    )
