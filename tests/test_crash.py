"""A real tobira process killed with kill -9 after answering 200: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.processes import service_env, start_service, wait_healthy
from tests.service import SECRET, free_port

pytestmark = pytest.mark.subprocess

BURST = 300


def _pending(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM inbound_events WHERE status = 'pending'"
        ).fetchone()[0]


def _unsent(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()[0]


async def test_events_committed_before_a_kill_are_processed_once_after_restart(tmp_path):
    db, log = tmp_path / "tobira.db", tmp_path / "tobira.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with FakeLine() as line:
        first = start_service(service_env(db, line, port), log)
        try:
            await wait_healthy(url, first)
            user = ev.new_user_id()
            base = ev.now_ms()
            burst = [
                ev.text(user, f"メッセージ{i}", line.issue_reply_token(user), ts_ms=base + i)
                for i in range(BURST)
            ]
            async with aiohttp.ClientSession() as session:
                status = await ev.post_webhook(
                    session, url + "/webhooks/line", ev.payload(*burst), SECRET
                )
            assert status == 200
            os.kill(first.pid, signal.SIGKILL)  # one person's 300 turns run one at a time
        finally:
            first.kill()
            first.wait()
        left = _pending(db)
        assert 0 < left <= BURST, "the kill must land while events are still waiting"

        second = start_service(service_env(db, line, port), log)
        try:
            await wait_healthy(url, second)
            for _ in range(400):
                if _pending(db) == 0 and _unsent(db) == 0:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # room for any duplicate to show itself
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=10)

    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT status, COUNT(*) FROM inbound_events GROUP BY 1"))
        inbound_per_event = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT inbound_event_id) FROM messages"
            " WHERE author = 'client'"
        ).fetchone()
        outbox = dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY 1"))
    assert statuses == {"done": BURST}
    assert inbound_per_event == (BURST, BURST)
    # Every answer the turns queued went out exactly once: the flow's questions, then one
    # acknowledgement once a counselor owns the conversation (not one per message).
    assert set(outbox) == {"delivered"}
    assert len(line.delivered) == outbox["delivered"], line.summary()
    assert "メッセージ" not in log.read_text(encoding="utf-8")
    assert user not in log.read_text(encoding="utf-8")
