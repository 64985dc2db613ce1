"""End-to-end answers per second for free text, next to the SDK's own aiohttp echo example.

The traffic of issue 17: 4,000 single-text webhooks from 2,000 people (two messages each, in
order, the second sent right after the first), 32 connections, the same fake LINE process for
every server. The sentences are what relatives and withdrawn people write (free text, never a
quick-reply word: every one goes through the danger detector and the flow's free-text
matching); 2% of the messages signal danger and take the safety path (answer, handoff, alerts).

Servers, one after the other in alternating rounds: the SDK's echo example as it ships (with
its INFO access log), the same with the access log off (the stricter baseline), and tobira
(shipped flows, SQLite synchronous=FULL, outbox, sending process).
Target (issue 17): tobira >= 1.0x the echo example's answers/s.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from benchmarks.free_text_data import DANGER, DANGER_EVERY, FIRST, SECOND
from benchmarks.processes import start_fake_line, start_tobira
from benchmarks.replies import (
    ECHO_PATH,
    SECRET,
    TOKEN,
    Measured,
    echo_example,
    measure,
)
from tests import line_events as ev
from tests.service import free_port

SERVERS = {
    "echo": "line-bot-sdk aiohttp echo example, as shipped",
    "quiet": "line-bot-sdk aiohttp echo example, no access log",
    "tobira": "tobira: detector + flows + SQLite (FULL) + outbox",
}


def free_text_events(people: int, run: str) -> list[dict]:
    """Two free-text messages per person, one webhook each; every 25th person's second
    message signals danger (one message in DANGER_EVERY)."""
    now = ev.now_ms()
    events = []
    for person in range(people):
        user = ev.new_user_id()
        first = FIRST[person % len(FIRST)]
        if person % (DANGER_EVERY // 2) == DANGER_EVERY // 2 - 1:
            second = DANGER[person % len(DANGER)]
        else:
            second = SECOND[(person * 7 + person // len(FIRST)) % len(SECOND)]
        events.append(ev.text(user, first, f"{run}-a-{person}", ts_ms=now))
        events.append(ev.text(user, second, f"{run}-b-{person}", ts_ms=now + 1))
    return events


async def _round(line_url: str, people: int, index: int) -> dict[str, Measured]:
    results = {}
    order = ["echo", "quiet", "tobira"] if index % 2 == 0 else ["tobira", "quiet", "echo"]
    for name in order:
        warm = free_text_events(100, f"warm-{name}{index}")
        events = free_text_events(people, f"{name}{index}")
        port = free_port()
        if name == "tobira":
            with tempfile.TemporaryDirectory() as tmp:
                process = start_tobira(Path(tmp) / "bench.db", line_url, TOKEN, SECRET, port)
                results[name] = await measure(process, port, line_url, warm, events)
        else:
            process = echo_example(line_url, port, quiet=name == "quiet")
            results[name] = await measure(
                process, port, line_url, warm, events, ECHO_PATH, ECHO_PATH
            )
    return results


def _median(rounds: list[dict[str, Measured]], name: str) -> Measured:
    return sorted((r[name] for r in rounds), key=lambda m: m.per_second)[len(rounds) // 2]


async def run(people: int = 2000, rounds: int = 5) -> dict[str, float]:
    fake, line_url = start_fake_line(TOKEN)
    try:
        results = [await _round(line_url, people, i) for i in range(rounds)]
    finally:
        fake.stop()
    print(
        f"median of {rounds} alternating rounds; each server answers {people * 2} free-text"
        f" webhooks from {people} people at 32 connections (1 in {DANGER_EVERY} signals danger)"
    )
    for name, label in SERVERS.items():
        m = _median(results, name)
        print(
            f"{label:<52} {m.per_second:6.0f} answers/s  ({m.replies} in {m.seconds:.2f} s;"
            f" {m.cpu_ms_per_reply:.2f} ms CPU per answer)"
        )
    figures = {}
    for baseline in ("echo", "quiet"):
        ratios = [r["tobira"].per_second / r[baseline].per_second for r in results]
        ratio = _median(results, "tobira").per_second / _median(results, baseline).per_second
        figures[baseline] = ratio
        print(
            f"  ratio to the example{'' if baseline == 'echo' else ' without access log'}:"
            f" {ratio:.2f}x (target >= 1.0x); rounds: {', '.join(f'{x:.2f}x' for x in ratios)}"
        )
    per_round = "; ".join(
        " ".join(f"{name} {r[name].per_second:.0f}" for name in SERVERS) for r in results
    )
    print(f"  answers/s per round: {per_round}")
    return {
        "echo_answers_per_s": _median(results, "echo").per_second,
        "tobira_answers_per_s": _median(results, "tobira").per_second,
        "ratio": figures["echo"],
        "ratio_quiet": figures["quiet"],
    }


if __name__ == "__main__":
    asyncio.run(run())
