"""A real tobira process with pending deadlines is killed with kill -9 and restarted:
every deadline fires exactly once, counted at the fake LINE server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from storage.timefmt import from_db
from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.processes import service_env, start_service, wait_healthy
from tests.sealing_keys import TEST_KEYS
from tests.service import SECRET, free_port

PEOPLE = 12
CONFIG = """
[[organizations]]
id = "always"
name = "いつでも窓口"
[organizations.hours]
mon = "00:00-24:00"
tue = "00:00-24:00"
wed = "00:00-24:00"
thu = "00:00-24:00"
fri = "00:00-24:00"
sat = "00:00-24:00"
sun = "00:00-24:00"

[acks]
followup_after = "7s"
remind_staff_after = "6s"
escalate_after = "8s"
quiet_hours = "off"
"""


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.subprocess
async def test_pending_deadlines_fire_exactly_once_across_a_kill(tmp_path):
    db, log, config = tmp_path / "tobira.db", tmp_path / "tobira.log", tmp_path / "tobira.toml"
    config.write_text(CONFIG, encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with FakeLine() as line:
        env = service_env(db, line, port, config)
        staff = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "bot.cli",
                "staff",
                "add",
                "--login",
                "sato",
                "--name",
                "佐藤",
                "--display-name",
                "佐藤",
                "--org",
                "always",
                "--role",
                "counselor",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert staff.returncode == 0, staff.stderr
        first = start_service(env, log)
        users = [ev.new_user_id() for _ in range(PEOPLE)]
        try:
            await wait_healthy(url, first)
            async with aiohttp.ClientSession() as session:
                for user in users:
                    for event in (
                        ev.follow(user, line.issue_reply_token(user)),
                        ev.text(user, "人と話したい", line.issue_reply_token(user)),
                    ):
                        body = ev.payload(event)
                        assert (
                            await ev.post_webhook(session, url + "/webhooks/line", body, SECRET)
                            == 200
                        )
            for _ in range(200):
                pending = _query(db, "SELECT COUNT(*) FROM deadlines WHERE status = 'pending'")
                if pending[0][0] == 3 * PEOPLE:
                    break
                await asyncio.sleep(0.05)
            os.kill(first.pid, signal.SIGKILL)  # every deadline still pending
        finally:
            first.kill()
            first.wait()
        assert _query(db, "SELECT status, COUNT(*) FROM deadlines GROUP BY 1") == [
            ("pending", 3 * PEOPLE)
        ]
        before_restart = len(line.delivered)

        # Stay down until every deadline is overdue: they must all fire at the restart.
        latest = _query(db, "SELECT MAX(due_at) FROM deadlines")[0][0]
        await asyncio.sleep(max(0.0, (from_db(latest) - datetime.now(UTC)).total_seconds()) + 0.1)
        second = start_service(env, log)
        try:
            await wait_healthy(url, second)
            for _ in range(200):
                if not _query(db, "SELECT 1 FROM deadlines WHERE status = 'pending'") and not (
                    _query(db, "SELECT 1 FROM outbox WHERE status IN ('pending', 'sending')")
                ):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # room for a duplicate to show itself
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=10)

    followups = [
        c
        for c in line.delivered[before_restart:]
        if "届いています" in json.dumps(c.body, ensure_ascii=False)
    ]
    assert sorted(c.user_id for c in followups) == sorted(users)
    assert _query(db, "SELECT status, COUNT(*) FROM deadlines GROUP BY 1") == [
        ("fired", 3 * PEOPLE)
    ]
    assert _query(db, "SELECT kind, COUNT(*) FROM staff_alerts GROUP BY 1 ORDER BY 1") == [
        ("escalate", PEOPLE),
        ("remind", PEOPLE),
    ]


async def test_the_alarm_survives_being_armed_while_it_rings(tmp_path):
    """Regression: a turn arming the alarm during a ring, for a row already due, made
    APScheduler skip and delete the alarm job (one instance at a time), and every later
    deadline waited for the next restart."""
    from bot.promises.alarm import DeadlineAlarm
    from bot.runtime.clock import SystemClock
    from storage import claims, contacts, conversations, deadlines
    from storage.database import Database

    db = await Database.open(tmp_path / "alarm.db", keys=TEST_KEYS)
    clock = SystemClock()
    try:
        start = clock.now()

        def seed(conn):
            contact = contacts.upsert_seen(conn, "line", "U" + "1" * 32, start)
            conversation = conversations.open_for_contact(conn, contact.id, start)
            first = deadlines.add(
                conn,
                conversation_id=conversation.id,
                kind="remind_staff",
                due_at=start + timedelta(milliseconds=100),
                generation=0,
                at=start,
            )
            later = deadlines.add(
                conn,
                conversation_id=conversation.id,
                kind="escalate",
                due_at=start + timedelta(milliseconds=600),
                generation=0,
                at=start,
            )
            return conversation.id, first.id, later.id

        conversation_id, first_id, later_id = await db.write(seed)
        fired: list[int] = []
        alarm: DeadlineAlarm

        async def fire(deadline_id: int) -> None:
            claimed = await db.write(lambda c: claims.claim_deadline(c, deadline_id, clock.now()))
            if claimed:
                fired.append(deadline_id)
            if deadline_id == first_id:
                # Meanwhile a client's turn adds a deadline that is already due, and arms.
                now = clock.now()
                extra = await db.write(
                    lambda c: deadlines.add(
                        c,
                        conversation_id=conversation_id,
                        kind="followup",
                        due_at=now - timedelta(seconds=1),
                        generation=0,
                        at=now,
                    )
                )
                alarm.arm(extra.due_at)
                await asyncio.sleep(0.05)  # the ring is still running when the job is due

        alarm = DeadlineAlarm(db, clock, fire)
        await alarm.start()
        try:
            for _ in range(60):
                if later_id in fired:
                    break
                await asyncio.sleep(0.05)
        finally:
            await alarm.close()
        assert later_id in fired and len(fired) == len(set(fired)) == 3
    finally:
        await db.close()
