"""Reminders survive kill -9: a real `tobira serve` is started on the morning a reminder is
due (three days before, on the day, the day after), killed with kill -9 once it rang, and
started again days later. Each reminder reaches its person exactly once, a done item's are
never rung, and nothing depends on what one process held in memory.

The process's clock is moved with libfaketime (preloaded into that process only), so the
service reads the days as it would in production: through its system clock.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import libfaketime
import pytest

from bot.app import keys
from bot.conferences.records import ConferenceInput, ItemInput
from tests.console.api_desk import ApiDesk, jst
from tests.fakeline import FakeLine
from tests.processes import service_env, start_service, wait_healthy
from tests.service import free_port

DUE = date(2026, 12, 1)
DUE_ALERT, OVERDUE_ALERT = "action_item_due", "action_item_overdue"


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _alerts(db: Path) -> list[tuple]:
    """(item, staff, kind) of every alert about an action item, in the order raised."""
    return _query(
        db,
        "SELECT action_item_id, staff_id, kind FROM staff_alerts"
        " WHERE action_item_id IS NOT NULL ORDER BY id",
    )


def _faked(env: dict[str, str], moment: datetime) -> dict[str, str]:
    """The service's environment with its clock starting at `moment` (then ticking)."""
    _, preload = libfaketime.get_reload_information()
    return {
        **env,
        **preload,
        "TZ": "UTC",
        "FAKETIME": "@" + moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


async def _until(check, what: str, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _serve_then_kill(
    env: dict[str, str], log: Path, url: str, moment: datetime, check, what: str
) -> None:
    """Start tobira at `moment`, wait for `check`, give a duplicate a second to show, kill -9."""
    process = start_service(_faked(env, moment), log)
    try:
        await wait_healthy(url, process)
        await _until(check, what)
        await asyncio.sleep(1.0)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.subprocess
async def test_reminders_ring_once_each_across_kill_9_of_a_real_tobira(tmp_path):
    db, log = tmp_path / "tobira.db", tmp_path / "tobira.log"
    # Recorded on Wednesday 2026-11-25 with the service in this process (its clock moved by
    # hand); ApiDesk writes the configuration next to the database.
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato")  # the key worker
        kato = await desk.add_staff("kato")
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        household = await desk.app[keys.DESK].create_household(conversation_id, sato.id)
        recorded = await desk.app[keys.DESK].record_conference(
            household.id,
            sato.id,
            ConferenceInput(
                held_on=date(2026, 11, 25),
                lead_agency="保健センター",
                key_worker_id=sato.id,
                action_items=(
                    ItemInput("受診先の候補を調べる", DUE, owner_staff_id=kato.id),
                    ItemInput(
                        "家計を確認する", DUE, owner_agency="福祉事務所", owner_person="田中"
                    ),
                    ItemInput("学校に連絡する", DUE, owner_staff_id=kato.id),
                ),
            ),
        )
    staffs, agencys, finished = (item.id for item in recorded.items)
    assert _query(db, "SELECT status, COUNT(*) FROM action_item_reminders GROUP BY 1") == [
        ("pending", 9)
    ]

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with FakeLine(access_token="test-token") as line:
        env = service_env(db, line, port, tmp_path / "tobira.toml")

        # Three days before, 09:00 in Tokyo: each of the three is reminded, then kill -9.
        await _serve_then_kill(
            env,
            log,
            url,
            jst(2026, 11, 28, 9, 0, 5),
            lambda: len(_alerts(db)) >= 3,
            "the reminders three days before",
        )
        assert sorted(_alerts(db)) == sorted(
            [
                (staffs, kato.id, DUE_ALERT),
                (agencys, sato.id, DUE_ALERT),
                (finished, kato.id, DUE_ALERT),
            ]
        )

        # One item is done meanwhile (the service in this process again, on 11-30).
        async with ApiDesk.open(tmp_path, start=jst(2026, 11, 30, 14, 0)) as desk:
            await desk.app[keys.DESK].finish_action_item(finished, kato.id, "連絡した")

        # A few seconds before 09:00 on the due date: the alarm is armed, then rings.
        await _serve_then_kill(
            env,
            log,
            url,
            jst(2026, 12, 1, 8, 59, 57),
            lambda: len(_alerts(db)) >= 5,
            "the reminders on the due date",
        )
        assert sorted(_alerts(db)[3:]) == sorted(
            [(staffs, kato.id, DUE_ALERT), (agencys, sato.id, DUE_ALERT)]
        )

        # The day after, the overdue ones; this time the process ends as an operator ends it.
        process = start_service(_faked(env, jst(2026, 12, 2, 9, 0, 5)), log)
        try:
            await wait_healthy(url, process)
            await _until(lambda: len(_alerts(db)) >= 7, "the overdue reminders")
            await asyncio.sleep(1.0)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    assert sorted(_alerts(db)[5:]) == sorted(
        [(staffs, kato.id, OVERDUE_ALERT), (agencys, sato.id, OVERDUE_ALERT)]
    )
    assert _query(
        db,
        "SELECT action_item_id, kind, status FROM action_item_reminders"
        " ORDER BY action_item_id, id",
    ) == [
        (staffs, "before", "fired"),
        (staffs, "due", "fired"),
        (staffs, "overdue", "fired"),
        (agencys, "before", "fired"),
        (agencys, "due", "fired"),
        (agencys, "overdue", "fired"),
        (finished, "before", "fired"),
        (finished, "due", "cancelled"),
        (finished, "overdue", "cancelled"),
    ]
