"""The web chat with 1,000 visitors holding live server-sent-event streams at once.

tobira runs as a real process (synchronous=FULL, one organisation open all day, one
counselor); this process plays 1,000 visitors: each opens the chat (the flow greets it),
then keeps GET /chat/api/events open. 100 of them ask for a person and are handed to the
counselor, who answers each through the console's API, one after another, while all 1,000
streams stay connected.

Measured: the service's resident memory (VmRSS, with its children) before any visitor and
with the 1,000 streams open (per stream: the difference / 1,000); and the time from the
counselor's answer (the POST leaving this process) to the visitor's page event, next to
/healthz as the baseline. Target (issue 12): p95 < 200 ms.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from benchmarks.processes import Process, start_fake_line, start_tobira, wait_http
from bot.handoff.passwords import hash_password
from storage.database import Database
from storage.sealing import Keyring
from storage.timefmt import to_db
from tests.processes import children
from tests.sealing_keys import TEST_KEYS
from tests.service import free_port

SECRET = "bench-secret"
TOKEN = "bench-token"
PASSWORD = "bench password 12345"
VISITORS = 1_000
ANSWERED = 100
TARGET_MS = 200.0
_ALL_DAY = ", ".join(
    f'{day} = "00:00-24:00"' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)
CONFIG = f"""[database]
synchronous = "FULL"

[web]
# Every visitor here comes from 127.0.0.1.
address_per_minute = 1000000

[[organizations]]
id = "bench"
name = "Bench"
hours = {{ {_ALL_DAY} }}
"""


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(process: Process) -> float:
    total = 0
    for pid in [process.popen.pid, *children(process.popen.pid)]:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


async def prepare(db: Path) -> None:
    database = await Database.open(db, keys=TEST_KEYS)
    await database.close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO organizations (id, name) VALUES ('bench', 'Bench')")
        conn.execute(
            "INSERT INTO staff (login, name, display_name, org_id, role, password_hash,"
            " created_at) VALUES ('c00', '佐藤', '佐藤', 'bench', 'counselor', ?, ?)",
            (hash_password(PASSWORD), to_db(datetime.now(UTC))),
        )


class Visitor:
    def __init__(self, token: str) -> None:
        self.token = token
        self.hash = hashlib.sha256(token.encode()).hexdigest()
        self.arrived: list[tuple[float, str]] = []
        self.changed = asyncio.Event()
        self.connected = asyncio.Event()

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"tobira_chat={self.token}"}


async def open_chat(session: aiohttp.ClientSession, url: str) -> Visitor:
    async with session.post(url + "/chat/api/start", json={}) as response:
        assert response.status == 200, await response.text()
        token = response.cookies["tobira_chat"].value
    return Visitor(token)


async def listen(session: aiohttp.ClientSession, url: str, visitor: Visitor) -> None:
    async with session.get(url + "/chat/api/events", headers=visitor.cookie) as response:
        assert response.status == 200
        kind = "message"
        async for raw in response.content:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                kind = line.removeprefix("event:").strip()
                if kind == "hello":
                    visitor.connected.set()
            elif line.startswith("data:") and kind == "message":
                item = json.loads(line.removeprefix("data:"))
                visitor.arrived.append((time.perf_counter(), item["parts"][0]["text"]))
                visitor.changed.set()
            elif line == "":
                kind = "message"


async def wait_for_text(visitor: Visitor, text: str, timeout: float = 10.0) -> float:
    async def seen() -> float:
        while True:
            for at, shown in visitor.arrived:
                if shown == text:
                    return at
            visitor.changed.clear()
            await visitor.changed.wait()

    return await asyncio.wait_for(seen(), timeout)


async def healthz_times(session: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        async with session.get(url + "/healthz") as response:
            await response.read()
        times.append((time.perf_counter() - started) * 1000)
    return times


def conversation_of(db: Path, visitor: Visitor) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        keyring = Keyring(TEST_KEYS)  # platform ids are sealed: found by their user hash
        keyring.prepare(conn)
        row = conn.execute(
            "SELECT v.id FROM conversations v JOIN contacts c ON c.id = v.contact_id"
            " WHERE c.channel = 'web' AND c.user_hash = ? AND v.status != 'resolved'",
            (keyring.user_hash("web", visitor.hash),),
        ).fetchone()
    assert row is not None
    return int(row[0])


async def run() -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "webchat.db"
        await prepare(db)
        fake, line_url = start_fake_line(TOKEN)
        port = free_port()
        tobira = start_tobira(
            db, line_url, TOKEN, SECRET, port, config_text=CONFIG, log=Path(tmp) / "log"
        )
        url = f"http://127.0.0.1:{port}"
        connector = aiohttp.TCPConnector(limit=0)
        jarless = aiohttp.DummyCookieJar()
        tasks: list[asyncio.Task[None]] = []
        try:
            await wait_http(url + "/healthz", tobira, timeout=60)
            async with aiohttp.ClientSession(
                connector=connector, cookie_jar=jarless, timeout=aiohttp.ClientTimeout(None)
            ) as session:
                await healthz_times(session, url, 50)
                idle_mb = rss_mb(tobira)
                started = time.perf_counter()
                visitors: list[Visitor] = []
                for first in range(0, VISITORS, 50):
                    visitors += await asyncio.gather(
                        *(open_chat(session, url) for _ in range(first, min(VISITORS, first + 50)))
                    )
                tasks = [asyncio.create_task(listen(session, url, v)) for v in visitors]
                await asyncio.wait_for(asyncio.gather(*(v.connected.wait() for v in visitors)), 120)
                # Every greeting reached its page: the streams are live, not just open.
                await asyncio.wait_for(asyncio.gather(*(v.changed.wait() for v in visitors)), 120)
                opened = time.perf_counter() - started
                await asyncio.sleep(2)
                live_mb = rss_mb(tobira)
                print(
                    f"{VISITORS:,} visitors opened the chat and hold a live stream"
                    f" ({opened:.1f} s to open them all, greeting included)"
                )
                print(
                    f"service resident memory: {idle_mb:6.1f} MB idle,"
                    f" {live_mb:6.1f} MB with {VISITORS:,} streams"
                    f"  ({(live_mb - idle_mb) * 1024 / VISITORS:5.1f} KB per stream)"
                )
                results["rss_idle_mb"], results["rss_live_mb"] = idle_mb, live_mb

                # Sign in the counselor; hand 100 visitors to them.
                async with session.post(
                    url + "/api/v1/login", json={"login": "c00", "password": PASSWORD}
                ) as response:
                    assert response.status == 200, await response.text()
                    staff_cookie = response.cookies["tobira_session"].value
                    csrf = (await response.json())["csrf_token"]
                staff = {"Cookie": f"tobira_session={staff_cookie}", "X-CSRF-Token": csrf}
                chosen = visitors[:: VISITORS // ANSWERED][:ANSWERED]
                for visitor in chosen:
                    async with session.post(
                        url + "/chat/api/messages",
                        json={"text": "人と話したい"},
                        headers=visitor.cookie,
                    ) as response:
                        assert response.status == 202
                await asyncio.sleep(3)
                latencies = []
                for n, visitor in enumerate(chosen):
                    conversation_id = conversation_of(db, visitor)
                    answer = f"佐藤です。お返事します（{n}）"
                    sent = time.perf_counter()
                    async with session.post(
                        f"{url}/api/v1/conversations/{conversation_id}/messages",
                        json={"text": answer},
                        headers=staff,
                    ) as response:
                        assert response.status < 300, await response.text()
                    arrived = await wait_for_text(visitor, answer)
                    latencies.append((arrived - sent) * 1000)
                    await asyncio.sleep(0.02)
                baseline = healthz_times(session, url, 100)
                base = await baseline
                results["answer_p95_ms"] = p95 = p(latencies, 0.95)
                verdict = "ok" if p95 < TARGET_MS else "MISSED"
                print(
                    f"/healthz (baseline) with {VISITORS:,} streams:"
                    f" p50 {statistics.median(base):6.2f} ms  p95 {p(base, 0.95):6.2f} ms"
                )
                print(
                    f"counselor's answer -> visitor's page event ({ANSWERED} answers):"
                    f" p50 {statistics.median(latencies):6.2f} ms  p95 {p95:6.2f} ms"
                    f"  x{p95 / p(base, 0.95):5.1f} baseline  (target < {TARGET_MS:.0f} ms:"
                    f" {verdict})"
                )
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            tobira.stop()
            fake.stop()
    return results


if __name__ == "__main__":
    asyncio.run(run())
