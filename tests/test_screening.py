"""The danger detector runs in the person's lane, before the write job, never on the writer;
the verdict a write job uses is the one for the event it processes. In `tobira serve` it runs
in a process of its own (bot/conversation/screening.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

import bot.conversation.turn
from bot.app import keys
from bot.conversation import screening
from bot.delivery.channel import Inbound
from storage import claims, events
from storage.events import NewEvent
from tests import line_events as ev
from tests.processes import children, service_env, start_service, wait_healthy
from tests.service import RunningService, free_port, settings_for
from tests.stored_texts import all_messages, client_bodies

DANGER = "もう死にたい"


async def _bot_kinds_after(service, client_text: str) -> list[str]:
    """The kinds of what the bot said in answer to the client's message `client_text`."""
    rows = [(m.author, m.kind, m.body) for m in await service.db.read(all_messages)]
    start = next(i for i, r in enumerate(rows) if r[0] == "client" and r[2] == client_text)
    kinds = []
    for author, kind, _ in rows[start + 1 :]:
        if author == "client":
            break
        if author == "bot":
            kinds.append(kind)
    return kinds


async def test_the_detector_runs_in_the_lane_not_in_the_writers_job(service, line, monkeypatch):
    """The writer is what every webhook's commit waits for: the detector must not hold it."""
    where: list[str] = []
    detect = bot.conversation.turn.detect

    def watched(text: str):
        task = asyncio.current_task()
        where.append(task.get_name() if task else "")
        return detect(text)

    monkeypatch.setattr(bot.conversation.turn, "detect", watched)
    user = ev.new_user_id()
    await service.post_events(ev.text(user, "こんにちは", line.issue_reply_token(user)))
    await service.post_events(ev.text(user, DANGER, line.issue_reply_token(user)))
    await service.settle()
    assert where == ["events-lane", "events-lane"]
    assert set(await _bot_kinds_after(service, DANGER)) == {"safety"}


async def test_a_verdict_for_another_event_is_discarded(service, line):
    """The lane looked at one event, but an earlier one of the same person came first (or
    another worker took it): the write job processes the earlier one with its own verdict."""
    db, dispatcher = service.db, service.app[keys.DISPATCHER]
    user = ev.new_user_id()
    now = ev.now_ms()
    harmless = ev.text(user, "こんにちは", line.issue_reply_token(user), ts_ms=now - 1000)
    danger = ev.text(user, DANGER, line.issue_reply_token(user), ts_ms=now)

    def store(conn, event: dict) -> None:
        # Committed as the webhook commits it (same row), without waking the lane: the test
        # plays the lane's part itself. The lane read the danger message; then the earlier,
        # harmless one arrived before the write job.
        payload = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        new = NewEvent(
            "line", event["webhookEventId"], user, "message", event["timestamp"], payload
        )
        events.insert_new(conn, [new], dispatcher._clock.now())

    lane = ("line", db.keyring.user_hash("line", user))
    await db.write(partial(store, event=danger))
    read_by_the_lane = await db.read(claims.next_event, *lane)
    await db.write(partial(store, event=harmless))
    verdict = dispatcher._screen(read_by_the_lane)
    assert verdict.danger is not None  # the lane's verdict: danger, for the later event

    taken = await db.write(
        partial(
            dispatcher._take,
            key=lane,
            now=dispatcher._clock.now(),
            screened=verdict,
        )
    )
    assert taken is not None and taken.stored.event_id == harmless["webhookEventId"]
    dispatcher._after(taken)
    dispatcher.kick(*lane)  # the lane goes on with the danger message
    await service.settle()
    assert await db.read(client_bodies) == ["こんにちは", DANGER]  # in the person's order
    assert "safety" not in await _bot_kinds_after(service, "こんにちは")
    assert set(await _bot_kinds_after(service, DANGER)) == {"safety"}
    assert await db.read(events.counts_by_status) == {"done": 2}


@pytest.mark.parametrize("which", [1, 2])
async def test_a_detector_that_raises_gets_the_fallback_and_the_next_message_its_answer(
    service, line, monkeypatch, which
):
    """As for any turn that raises: 「受け取りました」, the event marked failed, staff alerted,
    and the person's next message answered (the lane is not stuck)."""
    detect = bot.conversation.turn.detect
    calls = 0

    def broken_once(text: str):
        nonlocal calls
        calls += 1
        if calls == which:
            raise RuntimeError("a bug in the detector")
        return detect(text)

    monkeypatch.setattr(bot.conversation.turn, "detect", broken_once)
    user = ev.new_user_id()
    first = "こんにちは" if which == 2 else "はじめまして"
    await service.post_events(ev.text(user, first, line.issue_reply_token(user)))
    await service.settle()
    await service.post_events(ev.text(user, DANGER, line.issue_reply_token(user)))
    await service.settle()
    statuses = await service.db.read(events.counts_by_status)
    assert statuses == {"failed": 1, "done": 1}
    alerts = [r[0] for r in await service.db.fetch_all("SELECT kind FROM staff_alerts")]
    assert "turn_failed" in alerts
    texts = [t for call in line.delivered for t in call.texts]
    assert any("受け取りました" in t for t in texts)
    if which == 1:  # the danger message after the failed one still gets the safety answer
        assert set(await _bot_kinds_after(service, DANGER)) == {"safety"}


async def _until_ready(screener, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not screener.ready:
        assert loop.time() < deadline, "the detector process did not start"
        await asyncio.sleep(0.05)


def _unusable_here(text: str):
    raise AssertionError("read in the main process")


async def test_the_detector_process_reads_the_texts_with_the_same_verdicts(monkeypatch):
    """Many texts at once go to the detector process (in batches) and come back each with
    the verdict the detector gives here; the main process reads none of them."""
    texts = [DANGER, "こんにちは", "子どもを叩いてしまう", "母のことで相談です", "消えたい"] * 20
    expected = [screening.detect(t) for t in texts]
    assert any(e is not None for e in expected) and None in expected
    screener = screening.Screener()
    screener.start()
    try:
        await _until_ready(screener)
        assert screener.pid not in (None, os.getpid())
        monkeypatch.setattr(screening, "detect", _unusable_here)
        verdicts = await asyncio.gather(*(screener.screen(_inbound(t)) for t in texts))
        assert list(verdicts) == expected
        assert await screener.screen(_inbound(DANGER, kind="postback")) is None
    finally:
        await screener.close()


async def test_a_killed_detector_process_loses_no_verdict_and_is_replaced():
    """Until a new process is ready, texts are read in the main process."""
    screener = screening.Screener()
    screener.start()
    try:
        await _until_ready(screener)
        first = screener.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        verdicts = await asyncio.gather(*(screener.screen(_inbound(DANGER)) for _ in range(5)))
        assert all(v == screening.detect(DANGER) and v is not None for v in verdicts)
        await asyncio.sleep(0.1)
        assert await screener.screen(_inbound(DANGER)) == screening.detect(DANGER)
        await _until_ready(screener)
        assert screener.pid not in (None, first)
        assert await screener.screen(_inbound("こんにちは")) is None
    finally:
        await screener.close()


async def test_the_service_answers_danger_with_the_detector_process(tmp_path, line, monkeypatch):
    """As `tobira serve` runs: the verdict comes from the detector process (the main
    process's detector is broken here, and the safety answer still comes)."""
    settings = settings_for(tmp_path / "tobira.db", line)
    async with RunningService(settings, detector_process=True) as service:
        screener = service.app[keys.SCREENER]
        assert screener is not None
        await _until_ready(screener)
        monkeypatch.setattr(bot.conversation.turn, "detect", _unusable_here)
        monkeypatch.setattr(screening, "detect", _unusable_here)
        user = ev.new_user_id()
        await service.post_events(ev.text(user, "こんにちは", line.issue_reply_token(user)))
        await service.post_events(ev.text(user, DANGER, line.issue_reply_token(user)))
        await service.settle()
        assert set(await _bot_kinds_after(service, DANGER)) == {"safety"}
        assert await service.db.read(events.counts_by_status) == {"done": 2}


def _inbound(text: str, kind: str = "text") -> Inbound:
    return Inbound(
        channel="line",
        user_key="U1",
        kind=kind,
        event_row_id=1,
        occurred_at=datetime.now(UTC),
        text=text if kind == "text" else None,
        postback_data=text if kind == "postback" else None,
    )


async def test_the_lane_takes_the_event_from_the_webhook_without_reading_it_back(
    service, line, monkeypatch
):
    """The webhook's commit hands each person's new event to their lane (screened ahead);
    the lane reads the database only when it was not told (recovery, a retry)."""
    db = service.db
    reads: list[str] = []
    read = db.read

    async def watched(job, *args):
        reads.append(getattr(job, "__name__", ""))
        return await read(job, *args)

    monkeypatch.setattr(db, "read", watched)
    user = ev.new_user_id()
    await service.post_events(ev.text(user, DANGER, line.issue_reply_token(user)))
    await service.settle()
    assert "next_event" not in reads
    assert set(await _bot_kinds_after(service, DANGER)) == {"safety"}
    # A stale hint (an event already processed) costs nothing: the write job finds none.
    dispatcher = service.app[keys.DISPATCHER]
    done = await db.fetch_all(
        "SELECT id, event_id, occurred_at_ms, payload, user_key, contact_id FROM inbound_events"
    )
    row_id, event_id, at_ms, sealed, user_key, contact_id = done[0]
    payload = await db.read(events.open_payload, row_id, contact_id, sealed)
    stale = events.StoredEvent(
        row_id, "line", event_id, user_key, "message", at_ms, payload, contact_id
    )
    dispatcher.kick("line", user_key, stale)
    await service.settle()
    assert await db.read(events.counts_by_status) == {"done": 1}


def _detector_processes(pid: int) -> list[int]:
    found = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"multiprocessing.spawn" in command:
            found.append(child)
    return found


@pytest.mark.subprocess
async def test_the_detector_process_leaves_when_the_service_is_killed(tmp_path, line):
    """kill -9 of `tobira serve` leaves no detector process behind."""
    port = free_port()
    service = start_service(service_env(tmp_path / "t.db", line, port), tmp_path / "t.log")
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", service)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not (detectors := _detector_processes(service.pid)):
            assert loop.time() < deadline, "no detector process"
            await asyncio.sleep(0.1)
    finally:
        os.kill(service.pid, signal.SIGKILL)
        service.wait()
    deadline = loop.time() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in detectors):  # noqa: ASYNC240
        assert loop.time() < deadline, "the detector process outlived the service"
        await asyncio.sleep(0.1)
