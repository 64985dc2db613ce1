"""`tobira chat` as a newcomer types into it, against a real `tobira demo` process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli.chat import user_for
from storage.sealing import MasterKeys, SealingConnection, keyring_of, parse_key
from tests.processes import start_demo, wait_healthy
from tests.service import free_port
from tests.stored_texts import all_messages, open_file

pytestmark = pytest.mark.subprocess


@pytest.fixture
async def demo(tmp_path) -> AsyncIterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TOBIRA_"))}
    process = start_demo(port, tmp_path, env)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.communicate, timeout=15)


def chat(url: str, typed: str, *names: str) -> str:
    """One run of `tobira chat`, typing `typed` (lines), until the end of its input."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--url", url, *names],
        input=typed,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _demo_file(tmp_path: Path) -> SealingConnection:
    """The demo's database, opened with the key the demo made beside it."""
    var = tmp_path / "var"
    keys = MasterKeys(parse_key((var / "demo-data.key").read_text(), "the demo's key"))
    return open_file(var / "demo.db", keys)


def _user_hash(tmp_path: Path, name: str) -> str:
    """What contacts.user_hash holds for the chat's user `name` (ids are stored sealed)."""
    with closing(_demo_file(tmp_path)) as conn:
        return keyring_of(conn).user_hash("line", user_for(name))


def client_messages(tmp_path: Path) -> list[tuple[str, str | None]]:
    """(the LINE user's hash, what they wrote) for every client message, oldest first."""
    with closing(_demo_file(tmp_path)) as conn:
        users = dict(
            conn.execute(
                "SELECT v.id, c.user_hash FROM conversations v"
                " JOIN contacts c ON c.id = v.contact_id"
                # The demo's sample conversations are web chat visitors.
                " WHERE c.channel = 'line'"
            ).fetchall()
        )
        return [
            (users[m.conversation_id], m.body)
            for m in all_messages(conn)
            if m.author == "client" and m.conversation_id in users
        ]


async def test_as_name_is_the_same_line_user_on_the_next_run(demo, tmp_path):
    first = await asyncio.to_thread(chat, demo, "2\n", "--as", "hanako")  # [2] 家族のこと
    assert "ご本人から見てどなたにあたりますか" in first

    again = await asyncio.to_thread(chat, demo, "1\n", "--as", "hanako")  # [1] 母
    assert "(back as hanako; the last thing tobira said:)" in again
    assert "友だち追加" not in again, "the same person is not greeted as a new friend"
    assert "ご本人は、いま何歳くらいですか？" in again  # the family path went on

    users = {user for user, _ in client_messages(tmp_path)}
    assert users == {_user_hash(tmp_path, "hanako")}
    assert _user_hash(tmp_path, "hanako") != _user_hash(tmp_path, "taro")


async def test_without_a_name_each_run_is_a_new_person(demo, tmp_path):
    for _ in range(2):
        assert "友だち追加ありがとうございます" in await asyncio.to_thread(chat, demo, "2\n")
    assert len({user for user, _ in client_messages(tmp_path)}) == 2


async def test_a_number_outside_the_choices_asks_again(demo, tmp_path):
    shown = await asyncio.to_thread(chat, demo, "9\n0\n2\n")
    assert shown.count("(choose a number from 1 to 6, or write a message)") == 2
    assert "ご本人から見てどなたにあたりますか" in shown  # then 2 tapped 家族のこと
    bodies = [body for _, body in client_messages(tmp_path)]
    assert bodies == ["t1:first_contact:who:family"], "9 and 0 were not sent as text"
