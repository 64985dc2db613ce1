"""`make run` as a newcomer meets it, in a clean clone of this repository: the banner's three
addresses answer, a printed login signs in, Ctrl+C stops it, the data stays for the next
run and `tobira demo --reset` starts over.

The clone runs `tobira demo` (what `make run` runs once .venv exists) with this checkout's
.venv and the clone's own code first on the path: a full `make run` would first build a
new .venv (one to two minutes of pip on a shared machine) for every test run. The Makefile
target itself is checked below to be exactly that command.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.service import free_port

ROOT = Path(__file__).resolve().parents[1]


def clean_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


async def start_demo(clone: Path, port: int, *extra: str) -> tuple[asyncio.subprocess.Process, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TOBIRA_"))}
    env["PYTHONPATH"] = str(clone)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "demo",
        "--port",
        str(port),
        *extra,
        cwd=clone,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    banner: list[str] = []

    async def until_banner() -> None:
        assert process.stderr is not None
        while True:
            line = (await process.stderr.readline()).decode()
            assert line, "the demo stopped before printing its addresses:\n" + "".join(banner)
            if not line.startswith("{"):  # JSON log lines aside
                banner.append(line)
            if "Ctrl+C" in line:
                return

    await asyncio.wait_for(until_banner(), 120)
    return process, "".join(banner)


async def stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGINT)
    assert process.stderr is not None
    await asyncio.wait_for(process.stderr.read(), 30)  # drain, so it can exit
    return await asyncio.wait_for(process.wait(), 30)


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


def test_make_run_is_tobira_demo_from_the_venv():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: \$\(STAMP\)\n\t\$\(BIN\)/tobira demo$", makefile, re.M)


@pytest.mark.subprocess
async def test_a_clean_clone_demo_serves_three_pages_and_signs_in(tmp_path):
    clone = clean_clone(tmp_path)
    port = free_port()
    process, banner = await start_demo(clone, port)
    try:
        addresses = dict(
            re.findall(r"^  (web chat|LINE simulator|staff console):\s+(\S+)", banner, re.M)
        )
        assert set(addresses) == {"web chat", "LINE simulator", "staff console"}, banner
        login, password = re.search(r"^    (\w+)\s+password (\S+)", banner, re.M).groups()
        assert "demo-only" in password and "the same at every run" in banner
        async with aiohttp.ClientSession() as session:
            for url in addresses.values():
                async with session.get(url) as response:
                    assert response.status == 200, url
            base = addresses["staff console"].removesuffix("/console/")
            async with session.post(
                base + "/api/v1/login", json={"login": login, "password": password}
            ) as response:
                assert response.status == 200, await response.text()
                assert (await response.json())["staff"]["login"] == login
    finally:
        assert await stop(process) == 0

    db = clone / "var" / "demo.db"
    states = count(db, "SELECT count(DISTINCT status) FROM conversations")
    assert count(db, "SELECT count(*) FROM conversations") == 4 and states >= 2
    assert count(db, "SELECT count(*) FROM conversations WHERE urgent = 1") == 1
    assert count(db, "SELECT count(*) FROM conversations WHERE status = 'resolved'") == 1
    first_ids = count(db, "SELECT max(id) FROM contacts")

    # Again: the same data, no second set of samples; the same passwords.
    process, again = await start_demo(clone, port)
    assert await stop(process) == 0
    assert f"password {password}" in again
    assert count(db, "SELECT count(*) FROM conversations") == 4
    assert count(db, "SELECT max(id) FROM contacts") == first_ids

    # --reset: a new database, with its samples afresh.
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO organizations (id, name) VALUES ('marker', 'x')")
    process, _ = await start_demo(clone, port, "--reset")
    assert await stop(process) == 0
    assert count(db, "SELECT count(*) FROM organizations WHERE id = 'marker'") == 0
    assert count(db, "SELECT count(*) FROM conversations") == 4


@pytest.mark.subprocess
async def test_make_run_itself_in_a_clean_clone(tmp_path):
    """The README's first command, as written, on a clone with nothing installed: make
    builds the clone's own .venv (a minute or two of pip), then serves the three doors."""
    clone = clean_clone(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TOBIRA_"))}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env["TOBIRA_PORT"] = str(port)
    process = await asyncio.create_subprocess_exec(
        "make",
        "run",
        cwd=clone,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # Ctrl+C reaches make and tobira alike, as in a terminal
    )
    seen: list[str] = []

    async def until_banner() -> None:
        assert process.stderr is not None
        while True:
            line = (await process.stderr.readline()).decode()
            assert line, "make run stopped before printing its addresses:\n" + "".join(seen)
            seen.append(line)
            if "Ctrl+C" in line:
                return

    try:
        await asyncio.wait_for(until_banner(), 600)
        banner = "".join(seen)
        addresses = dict(
            re.findall(r"^  (web chat|LINE simulator|staff console):\s+(\S+)", banner, re.M)
        )
        assert set(addresses) == {"web chat", "LINE simulator", "staff console"}, banner
        login, password = re.search(r"^    (\w+)\s+password (\S+)", banner, re.M).groups()
        async with aiohttp.ClientSession() as session:
            for url in addresses.values():
                async with session.get(url) as response:
                    assert response.status == 200, url
            base = addresses["staff console"].removesuffix("/console/")
            async with session.post(
                base + "/api/v1/login", json={"login": login, "password": password}
            ) as response:
                assert response.status == 200, await response.text()
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGINT)
            assert process.stderr is not None
            await asyncio.wait_for(process.stderr.read(), 60)
            await asyncio.wait_for(process.wait(), 60)
    assert (clone / ".venv" / "bin" / "tobira").exists(), "make built the clone's own .venv"
