"""Closing the loop on the client's side, through /webhooks/line and the fake LINE API:
nobody who writes after a handoff meets silence, and a queued case finds a counselor."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys

import pytest

from bot.app import keys
from bot.runtime.clock import TOKYO
from storage import conversations, deadlines, staff
from tests.console.api_desk import CONFIG, PASSWORD, ApiDesk, Client, jst
from tests.processes import start_demo, wait_healthy
from tests.service import free_port


async def test_the_first_message_after_the_announcement_is_acknowledged_once(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato", display="佐藤")
        user = await desk.ask_for_a_person()
        assert desk.line.delivered_texts(user)[-1].startswith("担当は佐藤です。")
        await desk.send(user, "息子は35歳で、もう何年も部屋から出てきません。")
        assert desk.line.delivered_texts(user)[-1] == (
            "メッセージを受け取りました。担当の佐藤が、今日（11月25日）の12時までにお返事します。"
        )
        count = len(desk.line.delivered_texts(user))
        await desk.send(user, "どう接したらいいのかわからなくて")  # same burst: no more words
        assert len(desk.line.delivered_texts(user)) == count


async def test_stop_and_start_over_after_a_handoff_get_a_short_answer(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato", display="佐藤")
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        await desk.send(user, "はじめから")
        said = desk.line.delivered_texts(user)[-1]
        assert said.startswith("いまは、担当の佐藤がこの相談をお預かりしています。")
        await desk.send(user, "やめる")
        said = desk.line.delivered_texts(user)[-1]
        assert said.startswith("わかりました。こちらからの案内は止めます。")
        assert "担当の佐藤" in said
        # 「やめる」 drops the bot's own follow-up note; the staff reminder and escalation stay.
        pending = {
            kind
            for kind, status, _ in await desk.db.read(deadlines.for_conversation, conversation_id)
            if status == "pending"
        }
        assert pending == {"remind_staff", "escalate"}
        # Still handed off: the flow did not restart, the counselor keeps the conversation.
        row = await desk.db.read(conversations.get, conversation_id)
        assert row.status == "assigned" and row.counselor_id is not None
        # The word works in either language; the answer is in the conversation's.
        await desk.send(user, "start over")
        assert desk.line.delivered_texts(user)[-1].startswith("いまは、担当の佐藤が")


async def test_while_queued_the_short_answer_promises_a_counselor(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        user = await desk.ask_for_a_person()  # nobody on the staff yet
        await desk.send(user, "やめる")
        assert desk.line.delivered_texts(user)[-1].startswith(
            "わかりました。こちらからの案内は止めます。\n相談は相談員がお預かりしています。"
        )


def _cli(env: dict[str, str], *args: str, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.subprocess
async def test_a_queued_case_goes_to_a_counselor_added_later(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        assert "相談員がメッセージを読んで" in desk.line.delivered_texts(user)[-1]
        _, queued = await boss.get("/api/v1/conversations?queue=unassigned")
        assert [row["id"] for row in queued["conversations"]] == [conversation_id]
        assert await desk.app[keys.DESK].offer_queued() == 0  # still nobody to take it

        # An operator adds a counselor from the command line while the service runs.
        env = {
            **os.environ,
            "TOBIRA_DB": str(desk.service.settings.database),
            "TOBIRA_CONFIG": str(tmp_path / "tobira.toml"),
        }
        added = await asyncio.to_thread(
            _cli,
            env,
            "staff",
            "add",
            "--login",
            "sato",
            "--name",
            "佐藤 花子",
            "--display-name",
            "佐藤",
            "--org",
            "welfare",
            "--role",
            "counselor",
            "--password-stdin",
            stdin=PASSWORD,
        )
        assert added.returncode == 0, added.stderr
        # The periodic check on the alarm's scheduler (every minute) finds them.
        assert await desk.app[keys.DESK].offer_queued() == 1
        await desk.service.settle()
        assert desk.line.delivered_texts(user)[-1] == (
            "担当は佐藤です。今日（11月25日）の12時までにお返事します。"
        )
        assert desk.line.delivered[-1].endpoint == "push"
        _, queued = await boss.get("/api/v1/conversations?queue=unassigned")
        assert queued["conversations"] == []
        sato = desk.client()
        assert (await sato.login("sato"))[0] == 200
        _, mine = await sato.get("/api/v1/conversations?queue=mine")
        assert [row["id"] for row in mine["conversations"]] == [conversation_id]
        assert await desk.app[keys.DESK].offer_queued() == 0  # once


async def test_a_queued_case_goes_to_a_counselor_back_from_leave(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        today = desk.clock.now().astimezone(TOKYO).date()
        now = desk.clock.now()
        await desk.db.write(lambda c: staff.add_leave(c, sato.id, today, today, None, now))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        assert (await desk.db.read(conversations.get, conversation_id)).status == "queued"
        assert await desk.app[keys.DESK].offer_queued() == 0
        desk.clock.set(jst(2026, 11, 26, 9, 0))  # the next morning: back at work
        assert await desk.app[keys.DESK].offer_queued() == 1
        await desk.service.settle()
        assert desk.line.delivered_texts(user)[-1].startswith("担当は佐藤です。")


async def test_under_review_a_queued_case_waits_for_a_supervisor(tmp_path):
    async with ApiDesk.open(tmp_path, config='assignment = "review"\n' + CONFIG) as desk:
        await desk.add_staff("sato")
        user = await desk.ask_for_a_person()
        assert await desk.app[keys.DESK].offer_queued() == 0
        row = await desk.db.read(conversations.get, await desk.conversation_id(user))
        assert row.status == "queued" and row.counselor_id is None


async def test_opening_a_line_conversation_marks_it_read_when_configured(tmp_path):
    async with ApiDesk.open(tmp_path, **{"line.mark_as_read": "when_staff_open"}) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        user = await desk.ask_for_a_person()
        newest = await desk.send(user, "読んでもらえますか")
        conversation_id = await desk.conversation_id(user)
        assert desk.line.read_tokens_marked() == []  # nobody has opened it yet
        status, _ = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 200
        await desk.line.wait_for(lambda line: line.read_tokens_marked())
        # One call with the newest message's token: LINE marks it and every earlier one.
        assert desk.line.read_tokens_marked() == [newest["message"]["markAsReadToken"]]
        await asyncio.sleep(0.1)
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        clients = [m for m in detail["messages"] if m["author_kind"] == "client"]
        assert all(m["read_at"] for m in clients)
        await asyncio.sleep(0.1)
        assert len(desk.line.read_tokens_marked()) == 1  # nothing new to mark


async def test_by_default_nothing_is_marked_read(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        user = await desk.ask_for_a_person()
        status, _ = await sato.get(f"/api/v1/conversations/{await desk.conversation_id(user)}")
        assert status == 200
        await asyncio.sleep(0.2)
        assert desk.line.calls_to("mark_read") == []


@pytest.mark.subprocess
async def test_the_demo_uses_tobira_db_and_seeds_staff_who_can_sign_in(tmp_path):
    database = tmp_path / "shared.db"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LINE_", "TOBIRA_")) or k == "TOBIRA_DATA_KEY"
    }
    env["TOBIRA_DB"] = str(database)
    added = await asyncio.to_thread(
        _cli,
        env,
        "staff",
        "add",
        "--login",
        "yamada",
        "--name",
        "山田",
        "--display-name",
        "山田",
        "--org",
        "window",
        "--role",
        "counselor",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    port = free_port()
    demo = start_demo(port, tmp_path, env, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, demo)
        by_hand, seeded = Client(url), Client(url)
        try:
            assert (await by_hand.login("yamada"))[0] == 200
            # The banner is complete before the service listens.
            demo.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.to_thread(demo.communicate, timeout=15)
        finally:
            await by_hand.close()
            await seeded.close()
    finally:
        if demo.poll() is None:
            demo.kill()
    assert f"database:         {database}" in stderr
    assert f"staff console:    {url}/console/" in stderr
    passwords = dict(re.findall(r"^\s+(\w+)\s+password (\S+)", stderr, re.MULTILINE))
    assert set(passwords) == {"sato", "suzuki", "tanaka", "yamamoto", "kimura"}
    assert not (tmp_path / "var" / "demo.db").exists()

    # A second start keeps those accounts and prints the same demo-only passwords.
    port = free_port()
    again = start_demo(port, tmp_path, env, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, again)
        client = Client(url)
        try:
            assert (await client.login("kimura", passwords["kimura"]))[0] == 200
            _, me = await client.get("/api/v1/me")
            assert me["staff"]["role"] == "supervisor" and me["staff"]["org_id"] == "welfare"
        finally:
            await client.close()
        again.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(again.communicate, timeout=15)
    finally:
        if again.poll() is None:
            again.kill()
    assert f"kimura    password {passwords['kimura']}" in stderr
