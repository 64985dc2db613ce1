"""Durable webhook throughput and latency: tobira next to a bare signature-checking handler.

Both servers run as real processes on loopback; the load comes from this process. Targets
(issue 2): ratio >= 0.5 at 32 concurrent connections; p99 < 20 ms at 1,000 events/s.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.load import LoadResult, closed_loop, open_loop
from benchmarks.processes import Process, free_port, start_fake_line, start_tobira, wait_http
from tests import line_events as ev

SECRET = "bench-secret"
TOKEN = "bench-token"
USERS = 500


def make_request(offset: int):
    users = [ev.new_user_id() for _ in range(USERS)]

    def make(i: int) -> tuple[bytes, dict[str, str]]:
        user = users[(i + offset) % USERS]
        body = ev.payload(ev.text(user, f"ベンチマーク {i}", f"token-{offset}-{i}"))
        return body, {"X-Line-Signature": ev.sign(body, SECRET), "Content-Type": "application/json"}

    return make


async def measure(
    url: str, offset: int, total: int, rate: float, seconds: float
) -> tuple[LoadResult, LoadResult]:
    await closed_loop(url, make_request(offset + 9_000_000), 300, 8)  # warm up
    burst = await closed_loop(url, make_request(offset), total, 32)
    paced = await open_loop(url, make_request(offset + 1_000_000), rate, seconds)
    return burst, paced


def describe(name: str, burst: LoadResult, paced: LoadResult) -> str:
    return (
        f"{name:<34} {burst.per_second:8.0f} ev/s  p50 {burst.p50:6.2f} ms  "
        f"p99 {burst.p99:6.2f} ms | @1000/s p50 {paced.p50:6.2f} ms  p99 {paced.p99:6.2f} ms"
        f"  errors {burst.errors + paced.errors}"
    )


async def run(total: int = 6000, rate: float = 1000.0, seconds: float = 5.0) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        fake, line_url = start_fake_line(TOKEN)
        try:
            port = free_port()
            bare = Process(["-m", "benchmarks.bare_webhook", SECRET, str(port)])
            try:
                await wait_http(f"http://127.0.0.1:{port}/healthz", bare)
                bare_burst, bare_paced = await measure(
                    f"http://127.0.0.1:{port}/webhooks/line", 0, total, rate, seconds
                )
            finally:
                bare.stop()
            print(describe("bare aiohttp + signature check", bare_burst, bare_paced))

            for synchronous in ("FULL", "NORMAL"):
                db = Path(tmp) / f"tobira-{synchronous}.db"
                port = free_port()
                tobira = start_tobira(db, line_url, TOKEN, SECRET, port, synchronous)
                try:
                    await wait_http(f"http://127.0.0.1:{port}/healthz", tobira)
                    burst, paced = await measure(
                        f"http://127.0.0.1:{port}/webhooks/line", 0, total, rate, seconds
                    )
                    answered = await _wait_answered(db, line_url)
                finally:
                    tobira.stop()
                name = f"tobira, durable (synchronous={synchronous})"
                print(describe(name, burst, paced))
                ratio = burst.per_second / bare_burst.per_second
                print(
                    f"  ratio to bare at 32 connections: {ratio:.2f} (target >= 0.5); "
                    f"p99 at 1000 ev/s: {paced.p99:.2f} ms (target < 20 ms); "
                    f"events stored {answered[0]}, all answered {answered[1]:.1f} s after load"
                )
                results[f"ratio_{synchronous.lower()}"] = ratio
                results[f"p99_1000_{synchronous.lower()}"] = paced.p99
                results[f"events_per_s_{synchronous.lower()}"] = burst.per_second
        finally:
            fake.stop()
    results["bare_events_per_s"] = bare_burst.per_second
    return results


async def _wait_answered(db: Path, line_url: str, timeout: float = 120.0) -> tuple[int, float]:
    """Every stored event processed and answered (the work the 200 promised)."""
    started = time.perf_counter()
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM inbound_events").fetchone()[0]
        while time.perf_counter() - started < timeout:
            open_rows = conn.execute(
                "SELECT (SELECT COUNT(*) FROM inbound_events WHERE status = 'pending')"
                " + (SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending'))"
            ).fetchone()[0]
            if open_rows == 0:
                break
            await asyncio.sleep(0.1)
    async with aiohttp.ClientSession() as session, session.get(line_url + "/_fake/stats") as r:
        await r.json()
    return stored, time.perf_counter() - started


if __name__ == "__main__":
    asyncio.run(run())
