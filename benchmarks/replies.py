"""End-to-end bot replies per second through the webhook, next to the SDK echo pattern.

Both servers answer the same fake LINE process, one after the other, in alternating rounds.
tobira runs the shipped flows and keeps everything in SQLite (synchronous=FULL); the echo
pattern only parses and replies. CPU per reply counts the server process and its children
(tobira's LINE sending process).
Target (issue 3): >= 1.0x the echo pattern's replies/s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks.load import closed_loop
from benchmarks.processes import Process, start_fake_line, start_tobira, wait_http
from tests import line_events as ev
from tests.service import free_port

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


@dataclass
class Measured:
    replies: int
    seconds: float
    cpu_seconds: float  # user + system time of the server process and its children

    @property
    def per_second(self) -> float:
        return self.replies / self.seconds

    @property
    def cpu_ms_per_reply(self) -> float:
        return self.cpu_seconds / self.replies * 1000


async def measure(
    process: Process,
    port: int,
    line_url: str,
    warm: list[dict],
    events: list[dict],
    path: str = "/webhooks/line",
    ready: str = "/healthz",
) -> Measured:
    try:
        await wait_http(f"http://127.0.0.1:{port}{ready}", process)
        url = f"http://127.0.0.1:{port}{path}"
        await drive(url, line_url, warm)
        cpu_before = process.cpu_seconds()
        seconds = await drive(url, line_url, events)
        return Measured(len(events), seconds, process.cpu_seconds() - cpu_before)
    finally:
        process.stop()


def echo_example(line_url: str, port: int, quiet: bool = False) -> Process:
    """The SDK's aiohttp echo example (benchmarks/echo_server.py), answering on /callback."""
    args = ["-m", "benchmarks.echo_server", "--line-url", line_url, "--port", str(port)]
    env = {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN}
    return Process(args + (["--quiet"] if quiet else []), env=env)


ECHO_PATH = "/callback"  # also how to see it listens: a GET answers 405, below 500


def _line(name: str, measured: Measured) -> None:
    print(
        f"{name:<48} {measured.per_second:6.0f} replies/s  ({measured.replies} in"
        f" {measured.seconds:.2f} s; {measured.cpu_ms_per_reply:.2f} ms CPU per reply)"
    )


async def _round(line_url: str, people: int, index: int) -> dict[str, Measured]:
    count = people * 3
    port = free_port()
    echo = await measure(
        echo_example(line_url, port, quiet=True),
        port,
        line_url,
        echo_events(200, f"warm-echo{index}"),
        echo_events(count, f"echo{index}"),
        ECHO_PATH,
        ECHO_PATH,
    )
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        process = start_tobira(Path(tmp) / "bench.db", line_url, TOKEN, SECRET, port, "FULL")
        tobira = await measure(
            process,
            port,
            line_url,
            conversation_events(70, f"warm{index}"),
            conversation_events(people, f"tobira{index}"),
        )
    return {"echo": echo, "tobira": tobira}


def _median(rounds: list[dict[str, Measured]], name: str) -> Measured:
    return sorted((r[name] for r in rounds), key=lambda m: m.per_second)[len(rounds) // 2]


async def run(people: int = 700, rounds: int = 5) -> dict[str, float]:
    fake, line_url = start_fake_line(TOKEN)
    try:
        results = [await _round(line_url, people, i) for i in range(rounds)]
    finally:
        fake.stop()
    print(f"median of {rounds} alternating rounds; each server answers {people * 3} webhooks")
    echo, tobira = _median(results, "echo"), _median(results, "tobira")
    _line("line-bot-sdk aiohttp echo example (no access log)", echo)
    _line("tobira: flows + SQLite (FULL) + outbox", tobira)
    ratio = tobira.per_second / echo.per_second
    per_round = ", ".join(f"{r['tobira'].per_second / r['echo'].per_second:.2f}x" for r in results)
    print(f"  ratio to the echo pattern: {ratio:.2f}x (target >= 1.0x); rounds: {per_round}")
    return {
        "echo_replies_per_s": echo.per_second,
        "tobira_replies_per_s": tobira.per_second,
        "ratio": ratio,
    }


if __name__ == "__main__":
    asyncio.run(run())
