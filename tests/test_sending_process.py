"""The LINE sending process: a real second process, killed with kill -9 in the middle of a
call, and left behind by a main process killed with kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.app import keys
from bot.channels.line import LineChannel
from bot.channels.line.process import LineProcess
from storage import outbox
from tests import line_events as ev
from tests.fakeline import FakeLine
from tests.processes import children, service_env, start_service, wait_healthy
from tests.service import SECRET, RunningService, free_port, settings_for

pytestmark = pytest.mark.subprocess


@pytest.fixture
async def service(tmp_path, line):
    settings = settings_for(tmp_path / "t.db", line, **{"line.sending_process": True})
    async with RunningService(settings) as running:
        # What these tests watch starts after the SDK's import (seconds on a busy machine).
        assert await sending_process(running).wait_ready() is not None
        yield running


def sending_process(service: RunningService) -> LineProcess:
    line = service.app[keys.CHANNELS]["line"]
    assert isinstance(line, LineChannel)
    assert isinstance(line.transport, LineProcess)
    return line.transport


async def test_replies_go_out_through_a_second_process(service, line):
    pid = sending_process(service).pid
    assert pid is not None and pid != os.getpid()
    user = ev.new_user_id()
    await service.post_events(ev.follow(user, line.issue_reply_token(user)))
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    await service.settle()
    assert line.delivered[0].endpoint == "reply"
    assert "どなたのことでのご相談ですか？" in line.delivered_texts(user)[-1]
    assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}


async def test_line_answers_reach_the_sender_through_the_process_as_they_are(service, line):
    """429, then an answer the SDK cannot read (UTF-8 garbage after LINE took the message):
    the same outcomes as in one process, so the same single delivery."""
    user = ev.new_user_id()
    line.fail_next("reply", 429)
    line.garble_next("reply")
    await service.post_events(ev.follow(user, line.issue_reply_token(user)))
    await line.wait_for(lambda fake: len(fake.calls) >= 3, timeout=15)
    await service.settle(timeout=15)
    # 429 (nothing sent), then delivered but unreadable, then the retry finds the token spent.
    assert [c.status for c in line.calls] == [429, 200, 400]
    assert len(line.delivered) == 1
    assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}


async def test_a_sending_process_killed_mid_call_loses_nothing_and_sends_nothing_twice(
    service, line
):
    process = sending_process(service)
    first_pid = process.pid
    assert first_pid is not None
    user = ev.new_user_id()
    line.delay_next("reply", 1.0)
    await service.post_events(ev.text(user, "こんにちは", line.issue_reply_token(user)))
    await line.wait_for(lambda fake: fake.in_flight > 0)
    os.kill(first_pid, signal.SIGKILL)  # LINE has the request; nobody will hear its answer
    await line.wait_for(lambda fake: len(fake.delivered) >= 1, timeout=15)
    await service.settle(timeout=15)
    await asyncio.sleep(1.5)  # the delayed first call finishes at LINE meanwhile
    assert process.pid not in (None, first_pid)  # a new process took over
    assert len(line.delivered) == 1  # one call went through; its retry found the token spent
    assert [c.status for c in line.calls_to("reply")] == [200, 400]
    assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}


async def test_a_stuck_sending_process_is_replaced_and_the_reply_still_goes_out_once(
    tmp_path, line
):
    """A sending process that stops answering (here: SIGSTOP) must not make every later
    call time out until the rows give up: it is killed and a new one takes over."""
    settings = settings_for(
        tmp_path / "t.db",
        line,
        **{"line.sending_process": True, "line.request_timeout": timedelta(seconds=0.5)},
    )
    async with RunningService(settings) as service:
        process = sending_process(service)
        stuck = await process.wait_ready()  # so that the stop lands on a live one
        assert stuck is not None
        os.kill(stuck, signal.SIGSTOP)
        user = ev.new_user_id()
        await service.post_events(ev.follow(user, line.issue_reply_token(user)))
        await line.wait_for(lambda fake: len(fake.delivered) == 1, timeout=20)
        await service.settle(timeout=15)
        assert process.pid not in (None, stuck)
        assert not _alive(stuck)
        assert [c.endpoint for c in line.calls] == ["reply"]  # the stuck one sent nothing
        assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}


async def test_a_slow_start_is_waited_for_not_taken_for_a_stuck_process(tmp_path, line):
    """Importing the SDK takes seconds on a busy machine. A process still starting when the
    first reply is due is waited for, not replaced again and again (each new one as slow)."""
    settings = settings_for(
        tmp_path / "t.db",
        line,
        **{"line.sending_process": True, "line.request_timeout": timedelta(seconds=0.5)},
    )
    async with RunningService(settings) as service:
        process = sending_process(service)
        starting = process.pid
        assert starting is not None
        os.kill(starting, signal.SIGSTOP)  # held mid-import: Python alone takes longer to start
        user = ev.new_user_id()
        await service.post_events(ev.follow(user, line.issue_reply_token(user)))
        await asyncio.sleep(3)  # well past a call's answer limit (0.5 s * 1.5 + 1 s)
        os.kill(starting, signal.SIGCONT)
        await line.wait_for(lambda fake: len(fake.delivered) == 1, timeout=20)
        await service.settle(timeout=15)
        assert process.pid == starting, "the slow starter was replaced"
        assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_the_sending_process_ends_when_the_service_is_killed(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with FakeLine() as line:
        service = start_service(service_env(tmp_path / "t.db", line, port), tmp_path / "log")
        try:
            await wait_healthy(url, service)
            user = ev.new_user_id()
            async with aiohttp.ClientSession() as session:
                body = ev.payload(ev.follow(user, line.issue_reply_token(user)))
                await ev.post_webhook(session, url + "/webhooks/line", body, SECRET)
            await line.wait_for(lambda fake: len(fake.delivered) == 1)
            # Its children: this sending process, and the danger detector's (with its tracker).
            (worker,) = [c for c in children(service.pid) if _is_sending_process(c)]
            os.kill(service.pid, signal.SIGKILL)
            service.wait()
            for _ in range(100):
                if not _alive(worker):
                    break
                await asyncio.sleep(0.05)
            assert not _alive(worker), "the sending process outlived the service"
        finally:
            service.kill()
            service.wait()


def _is_sending_process(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"bot.channels.line.worker" in cmdline.read()
    except FileNotFoundError:
        return False
