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

from benchmarks.load import LoadResult, closed_loop, open_loop
from benchmarks.processes import Process, start_fake_line, start_tobira, wait_http
from tests import line_events as ev
from tests.service import free_port

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


ROUNDS = 3


async def run(total: int = 6000, rate: float = 1000.0, seconds: float = 5.0) -> dict[str, float]:
    """Bare and tobira alternate, round after round, so that the machine's drift (CPU
    frequency, the other core's load) falls on both alike; medians are compared."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        fake, line_url = start_fake_line(TOKEN)
        servers: dict[str, tuple[Process, str, Path | None]] = {}
        try:
            port = free_port()
            servers["bare"] = (
                Process(["-m", "benchmarks.bare_webhook", SECRET, str(port)]),
                f"http://127.0.0.1:{port}",
                None,
            )
            for synchronous in ("FULL", "NORMAL"):
                db = Path(tmp) / f"tobira-{synchronous}.db"
                port = free_port()
                servers[synchronous] = (
                    start_tobira(db, line_url, TOKEN, SECRET, port, synchronous),
                    f"http://127.0.0.1:{port}",
                    db,
                )
            for process, url, _ in servers.values():
                await wait_http(url + "/healthz", process)
            runs: dict[str, list[tuple[LoadResult, LoadResult]]] = {name: [] for name in servers}
            drained: dict[str, float] = {}
            for round_number in range(ROUNDS):
                for name, (_, url, db) in servers.items():
                    offset = round_number * 10_000_000
                    runs[name].append(
                        await measure(url + "/webhooks/line", offset, total, rate, seconds)
                    )
                    if db is not None:
                        drained[name] = await _wait_answered(db)
        finally:
            for process, _, _ in servers.values():
                process.stop()
            fake.stop()

    def summary(name: str) -> tuple[LoadResult, LoadResult]:
        bursts = [burst for burst, _ in runs[name]]
        paced = [pace for _, pace in runs[name]]
        best = sorted(bursts, key=lambda r: r.per_second)[len(bursts) // 2]
        median_paced = sorted(paced, key=lambda r: r.p99)[len(paced) // 2]
        return best, median_paced

    bare_burst, bare_paced = summary("bare")
    print(
        f"median of {ROUNDS} alternating rounds; each: {total} webhooks at 32 connections,"
        f" then {rate:.0f}/s for {seconds:.0f} s"
    )
    print(describe("bare aiohttp + signature check", bare_burst, bare_paced))
    for synchronous in ("FULL", "NORMAL"):
        burst, paced = summary(synchronous)
        print(describe(f"tobira, durable (synchronous={synchronous})", burst, paced))
        ratio = burst.per_second / bare_burst.per_second
        print(
            f"  ratio to bare at 32 connections: {ratio:.2f} (target >= 0.5); "
            f"p99 at 1000 ev/s: {paced.p99:.2f} ms (target < 20 ms); "
            f"backlog answered {drained[synchronous]:.1f} s after the last round"
        )
        results[f"ratio_{synchronous.lower()}"] = ratio
        results[f"p99_1000_{synchronous.lower()}"] = paced.p99
        results[f"events_per_s_{synchronous.lower()}"] = burst.per_second
    results["bare_events_per_s"] = bare_burst.per_second
    return results


async def _wait_answered(db: Path, timeout: float = 120.0) -> float:
    """Seconds until every stored event is processed and answered (the work the 200
    promised)."""
    started = time.perf_counter()
    with sqlite3.connect(db) as conn:
        while time.perf_counter() - started < timeout:
            open_rows = conn.execute(
                "SELECT (SELECT COUNT(*) FROM inbound_events WHERE status = 'pending')"
                " + (SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending'))"
            ).fetchone()[0]
            if open_rows == 0:
                break
            await asyncio.sleep(0.1)
    return time.perf_counter() - started


if __name__ == "__main__":
    asyncio.run(run())
