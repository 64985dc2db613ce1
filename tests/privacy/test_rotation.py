"""Rotation as the README tells it, on a real `tobira serve`: start with key A and write;
restart with B (A as old); `tobira keys rotate` while it serves; restart with B alone and
everything reads back; A alone no longer opens the database, and says so in one sentence."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from storage.database import Database
from storage.sealing import MasterKeys, keyring_of
from storage.sealing.master import key_id
from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.privacy.old_database import opened_values
from tests.processes import service_env, start_service, wait_healthy
from tests.service import SECRET, free_port

pytestmark = pytest.mark.subprocess

A = bytes(range(32))
B = bytes(range(50, 82))
SEEDED = 3000  # data keys under A, so that the rotation takes long enough to overlap


def text_of(key: bytes) -> str:
    return base64.b64encode(key).decode()


def env_with(db: Path, line: FakeLine, port: int, current: bytes, *old: bytes) -> dict[str, str]:
    env = service_env(db, line, port)
    env["TOBIRA_DATA_KEY"] = text_of(current)
    env.pop("TOBIRA_DATA_KEYS_OLD", None)
    if old:
        env["TOBIRA_DATA_KEYS_OLD"] = ",".join(text_of(key) for key in old)
    return env


async def seed_keys_under_a(db_path: Path) -> None:
    """Many people's data keys, as a service that has run for a while has them."""
    db = await Database.open(db_path, keys=MasterKeys(A))
    try:

        def job(conn):
            keyring = keyring_of(conn)
            for n in range(SEEDED):
                keyring.seal(conn, f"contact:{10**6 + n}", "messages", "body", n, "x")

        await db.write(job)
    finally:
        await db.close()


async def healthy(url: str, process: subprocess.Popen) -> None:
    # Each start opens (and on the first, seals) thousands of data keys: room for that.
    await wait_healthy(url, process, tries=1200)


def client_messages(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT COUNT(*) FROM messages WHERE author = 'client'").fetchone()[0]


async def say(url: str, line: FakeLine, user: str, text: str, db_path: Path) -> None:
    """A LINE message, waited for until the service has kept it (a reply is not a sign:
    messages after the first of an unanswered burst are not acknowledged again)."""
    before = client_messages(db_path)
    async with aiohttp.ClientSession() as session:
        event = ev.text(user, text, line.issue_reply_token(user))
        status = await ev.post_webhook(session, url + "/webhooks/line", ev.payload(event), SECRET)
    assert status == 200
    for _ in range(600):
        if client_messages(db_path) > before:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the service did not keep {text!r}")


async def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    await asyncio.to_thread(process.wait, 15)


def masters(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT master_id, COUNT(*) FROM data_keys GROUP BY 1"))


async def test_rotating_the_master_key_while_serving(tmp_path):
    db_path, log = tmp_path / "tobira.db", tmp_path / "tobira.log"
    await seed_keys_under_a(db_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    user = ev.new_user_id()
    async with FakeLine() as line:
        first = start_service(env_with(db_path, line, port, A), log)
        try:
            await healthy(url, first)
            await say(url, line, user, "ROTATE-MARK-1 はじめまして", db_path)
        finally:
            await stop(first)
        assert set(masters(db_path)) == {key_id(A)}

        second = start_service(env_with(db_path, line, port, B, A), log)
        try:
            await healthy(url, second)
            rotation = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "keys",
                "rotate",
                "--batch",
                "50",
                env=env_with(db_path, line, port, B, A),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            # The service keeps answering meanwhile (another process on the same file).
            await say(url, line, user, "ROTATE-MARK-2 まわしている間", db_path)
            out, err = await asyncio.wait_for(rotation.communicate(), 60)
            assert rotation.returncode == 0, err.decode()
            summary = json.loads(out.decode().splitlines()[-1])
            assert summary["left"] == 0 and summary["rotated"] >= SEEDED
            assert summary["made_under_old_key"] == 0
            await say(url, line, user, "ROTATE-MARK-3 おわったあと", db_path)
        finally:
            await stop(second)
        assert set(masters(db_path)) == {key_id(B)}

        # The old key alone no longer opens it: refused with one sentence, nothing read.
        # (A wrong key for `tobira keys rotate`: test_keys_cli.py.)
        refused = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
            env=env_with(db_path, line, port, A),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2
        said = [x for x in refused.stderr.splitlines() if x.startswith("tobira: ")]
        assert len(said) == 1, refused.stderr
        assert said[0].startswith("tobira: TOBIRA_DATA_KEY does not open this database")

        third = start_service(env_with(db_path, line, port, B), log)
        try:
            await healthy(url, third)
            await say(url, line, user, "ROTATE-MARK-4 また来ました", db_path)
        finally:
            await stop(third)

    # Everything reads back with B alone, the way storage opens sealed columns.
    db = await Database.open(db_path, keys=MasterKeys(B))
    try:
        values = await db.read(opened_values)
        bodies = await db.read(
            lambda conn: [
                keyring_of(conn).open(
                    conn,
                    keyring_of(conn).conversation_subject(conn, row[1]),
                    "messages",
                    "body",
                    row[0],
                    row[2],
                )
                for row in conn.execute(
                    "SELECT id, conversation_id, body FROM messages WHERE author = 'client'"
                )
            ]
        )
    finally:
        await db.close()
    assert [body for body in bodies if body and body.startswith("ROTATE-MARK")] == [
        "ROTATE-MARK-1 はじめまして",
        "ROTATE-MARK-2 まわしている間",
        "ROTATE-MARK-3 おわったあと",
        "ROTATE-MARK-4 また来ました",
    ]
    assert user in values.values()  # the platform id, opened from contacts
    log_text = log.read_text(encoding="utf-8")
    assert "ROTATE-MARK" not in log_text and user not in log_text
