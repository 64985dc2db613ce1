"""End-to-end bot replies per second through the webhook, next to the SDK echo pattern.

Both servers answer the same fake LINE process. tobira runs the shipped flows and keeps
everything in SQLite (synchronous=FULL); the echo pattern only parses and replies.
Target (issue 3): >= 1.0x the echo pattern's replies/s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.load import closed_loop
from benchmarks.processes import Process, free_port, start_fake_line, start_tobira, wait_http
from tests import line_events as ev

SECRET = "bench-secret"
TOKEN = "bench-token"


def conversation_events(people: int, run: str) -> list[dict]:
    """Each person follows, then taps 「家族のこと」 (typed), then 「母」: three turns each."""
    now = ev.now_ms()
    events = []
    for person in range(people):
        user = ev.new_user_id()
        events.append(ev.follow(user, f"{run}-f-{person}", ts_ms=now))
        events.append(ev.text(user, "家族のこと", f"{run}-a-{person}", ts_ms=now + 1))
        events.append(ev.text(user, "母", f"{run}-b-{person}", ts_ms=now + 2))
    return events


def echo_events(count: int, run: str) -> list[dict]:
    now = ev.now_ms()
    return [
        ev.text(ev.new_user_id(), "家族のこと", f"{run}-e-{i}", ts_ms=now) for i in range(count)
    ]


async def _delivered(session: aiohttp.ClientSession, line_url: str) -> int:
    async with session.get(line_url + "/_fake/stats") as response:
        return (await response.json())["delivered"]


async def drive(url: str, line_url: str, events: list[dict], concurrency: int = 32) -> float:
    """Post every event (one per webhook, in order per person) and time until all replied."""
    bodies = [ev.payload(event) for event in events]

    def make(i: int) -> tuple[bytes, dict[str, str]]:
        return bodies[i], {"X-Line-Signature": ev.sign(bodies[i], SECRET)}

    async with aiohttp.ClientSession() as session:
        before = await _delivered(session, line_url)
        started = time.perf_counter()
        result = await closed_loop(url, make, len(bodies), concurrency)
        assert result.errors == 0, f"{result.errors} webhooks failed"
        while await _delivered(session, line_url) - before < len(events):
            if time.perf_counter() - started > 300:
                raise RuntimeError("replies did not all arrive")
            await asyncio.sleep(0.02)
        return time.perf_counter() - started


async def run(people: int = 700) -> dict[str, float]:
    results: dict[str, float] = {}
    fake, line_url = start_fake_line(TOKEN)
    try:
        port = free_port()
        echo = Process(["-m", "benchmarks.echo_server", SECRET, TOKEN, line_url, str(port)])
        try:
            await wait_http(f"http://127.0.0.1:{port}/healthz", echo)
            url = f"http://127.0.0.1:{port}/webhooks/line"
            await drive(url, line_url, echo_events(200, "warm"))
            count = people * 3
            echo_seconds = await drive(url, line_url, echo_events(count, "echo"))
        finally:
            echo.stop()
        echo_rate = count / echo_seconds
        print(
            f"line-bot-sdk echo pattern (parse, reply inline) {echo_rate:8.0f} replies/s"
            f"  ({count} in {echo_seconds:.2f} s)"
        )

        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            tobira = start_tobira(Path(tmp) / "bench.db", line_url, TOKEN, SECRET, port, "FULL")
            try:
                await wait_http(f"http://127.0.0.1:{port}/healthz", tobira)
                url = f"http://127.0.0.1:{port}/webhooks/line"
                await drive(url, line_url, conversation_events(70, "warm"))
                events = conversation_events(people, "tobira")
                tobira_seconds = await drive(url, line_url, events)
            finally:
                tobira.stop()
        tobira_rate = len(events) / tobira_seconds
        print(
            f"tobira: flows + SQLite (FULL) + outbox   {tobira_rate:8.0f} replies/s"
            f"  ({len(events)} in {tobira_seconds:.2f} s)"
        )
        ratio = tobira_rate / echo_rate
        print(f"  ratio to the echo pattern: {ratio:.2f}x (target >= 1.0x)")
        results.update(echo_replies_per_s=echo_rate, tobira_replies_per_s=tobira_rate, ratio=ratio)
    finally:
        fake.stop()
    return results


if __name__ == "__main__":
    asyncio.run(run())
