"""100,000 pending deadlines: restart-to-scheduled time, memory, and lateness of firings.

The database is seeded before tobira starts (100,000 assigned conversations, each waiting
for a human with one pending `remind_staff` row: alerts only, so lateness measures the
alarm and the writer, not LINE). 1,000 rows are already overdue; the rest are spread
uniformly from +5 s to +60 min after the start. tobira then runs as a real process
(synchronous=FULL) for about a minute and the rows are read back.
Targets (issue 4): rescheduling < 3 s, p99 lateness < 1 s, resident memory < 250 MB.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from benchmarks.processes import Process, start_fake_line, start_tobira
from storage import contacts, conversations, deadlines, organizations, staff
from storage.database import Database
from storage.timefmt import from_db, to_db
from tests.processes import children
from tests.sealing_keys import TEST_KEYS
from tests.service import free_port

SECRET = "bench-secret"
TOKEN = "bench-token"
ORG = "bench"
ROWS = 100_000
OVERDUE = 1_000
SPREAD = (timedelta(seconds=5), timedelta(minutes=60))
RUN_SECONDS = 65.0
START_TIMEOUT = 60.0

RESCHEDULE_TARGET_S = 3.0
LATENESS_P99_TARGET_S = 1.0
RSS_TARGET_MB = 250.0

_ALL_DAY = ", ".join(
    f'{day} = "00:00-24:00"' for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
)
CONFIG = f"""[database]
synchronous = "FULL"

[acks]
quiet_hours = "off"

[[organizations]]
id = "{ORG}"
name = "Bench"
hours = {{ {_ALL_DAY} }}
"""


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _seed_conversations(conn: sqlite3.Connection, count: int, at: datetime) -> list[int]:
    """One organisation, one counselor and `count` assigned conversations (their ids)."""
    organizations.sync(conn, [(ORG, "Bench")])
    counselor = staff.add(
        conn,
        login="bench-counselor",
        name="Bench Counselor",
        display_name="ベンチ",
        org_id=ORG,
        role="counselor",
        password_hash=None,
        at=at,
    )
    ids = []
    for index in range(count):
        contact = contacts.upsert_seen(conn, "line", f"U{index:032x}", at)
        conversation = conversations.open_for_contact(conn, contact.id, at)
        conversations.assign(
            conn, conversation.id, org_id=ORG, counselor_id=counselor, pair_counselor_id=None, at=at
        )
        ids.append(conversation.id)
    return ids


def _seed_deadlines(conn: sqlite3.Connection, conversation_ids: list[int], start: datetime) -> None:
    """A new burst per conversation and its `remind_staff` row, due relative to `start`."""
    rng = random.Random(4)
    low, high = SPREAD[0].total_seconds(), SPREAD[1].total_seconds()
    for index, conversation_id in enumerate(conversation_ids):
        generation = conversations.start_burst(conn, conversation_id, start)
        if index < OVERDUE:
            due = start - timedelta(seconds=60)
        else:
            due = start + timedelta(seconds=rng.uniform(low, high))
        deadlines.add(
            conn,
            conversation_id=conversation_id,
            kind="remind_staff",
            due_at=due,
            generation=generation,
            at=start,
        )


async def seed(path: Path) -> tuple[datetime, float, float]:
    """Seed the file; returns (the start the due times are relative to, seconds, seconds)."""
    db = await Database.open(path, "NORMAL", keys=TEST_KEYS)
    try:
        began = time.perf_counter()
        ids = await db.write(lambda conn: _seed_conversations(conn, ROWS, datetime.now(UTC)))
        conversations_s = time.perf_counter() - began
        # The deadlines go in last and quickly, so that "due in 5 s" still means 5 s after
        # tobira is spawned.
        began = time.perf_counter()
        start = datetime.now(UTC)
        await db.write(lambda conn: _seed_deadlines(conn, ids, start))
        deadlines_s = time.perf_counter() - began
    finally:
        await db.close()
    return start, conversations_s, deadlines_s


def _status_kb(pid: int, field: str) -> float:
    """A memory figure in MB for the process and its children (tobira's sending process)."""
    total = 0.0
    for each in [pid, *children(pid)]:
        try:
            with open(f"/proc/{each}/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total or float("nan")


def _armed_line(log: Path) -> dict | None:
    if not log.exists():
        return None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "deadlines armed":
            return entry
    return None


def _tail(log: Path, lines: int = 5) -> str:
    if not log.exists():
        return "(no log)"
    return " | ".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _log_problems(log: Path) -> Counter[str]:
    """Warnings and errors tobira logged, by event (their first 80 characters)."""
    problems: Counter[str] = Counter()
    if not log.exists():
        return problems
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            problems[line[:100]] += 1
            continue
        if entry.get("level") in ("warning", "error", "critical"):
            error = f" ({entry['error']})" if entry.get("error") else ""
            problems[f"{entry.get('level')}{error}: {str(entry.get('event'))[:100]}"] += 1
    return problems


async def wait_scheduled(port: int, process: Process, log: Path) -> tuple[float, dict]:
    """The wall-clock time (time.time()) by which /healthz said 200 and the alarm was armed,
    and the alarm's 'deadlines armed' log line."""
    deadline = time.monotonic() + START_TIMEOUT
    healthy_at: float | None = None
    armed: dict | None = None
    url = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"tobira exited while starting: {_tail(log)}")
            if healthy_at is None:
                try:
                    async with session.get(url) as response:
                        if response.status == 200:
                            healthy_at = time.time()
                except (aiohttp.ClientError, TimeoutError):
                    pass
            if armed is None:
                armed = _armed_line(log)
            if healthy_at is not None and armed is not None:
                armed_at = datetime.fromisoformat(armed["at"]).timestamp()
                return max(healthy_at, armed_at), armed
            await asyncio.sleep(0.02)
    raise RuntimeError(f"tobira was not scheduled within {START_TIMEOUT} s: {_tail(log)}")


async def read_back(path: Path, stopped: datetime) -> dict:
    db = await Database.open(path, "NORMAL", keys=TEST_KEYS)
    try:
        fired = await db.fetch_all(
            "SELECT due_at, fired_at FROM deadlines WHERE status = 'fired' AND kind = ?",
            ("remind_staff",),
        )
        statuses = await db.read(deadlines.counts_by_status)
        last_fired = await db.fetch_one("SELECT MAX(fired_at) FROM deadlines")
        alerts = await db.fetch_one(
            "SELECT COUNT(*), COUNT(DISTINCT conversation_id) FROM staff_alerts"
            " WHERE kind = 'remind'"
        )
        # Rows due a second or more before the stop that never fired: the alarm fell behind.
        behind = await db.fetch_one(
            "SELECT COUNT(*), MIN(due_at) FROM deadlines WHERE status = 'pending' AND due_at <= ?",
            (to_db(stopped - timedelta(seconds=1)),),
        )
    finally:
        await db.close()
    return {
        "fired": [(from_db(row[0]), from_db(row[1])) for row in fired],
        "statuses": statuses,
        "last_fired": from_db(last_fired[0]) if last_fired and last_fired[0] else None,
        "alerts": alerts[0],
        "alerted_conversations": alerts[1],
        "left_behind": behind[0],
        "oldest_left_behind": from_db(behind[1]),
    }


async def run(run_seconds: float = RUN_SECONDS) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tobira-deadlines-") as tmp:
        path = Path(tmp) / "bench.db"
        log = Path(tmp) / "tobira.log"

        start, conversations_s, deadlines_s = await seed(path)
        print(
            f"seeding {ROWS:,} conversations {conversations_s:6.2f} s,"
            f" their {ROWS:,} deadlines {deadlines_s:6.2f} s (one write job each)"
        )

        fake, line_url = start_fake_line(TOKEN)
        tobira: Process | None = None
        try:
            port = free_port()
            spawned = datetime.now(UTC)
            spawned_wall = time.time()
            tobira = start_tobira(path, line_url, TOKEN, SECRET, port, log=log, config_text=CONFIG)
            pid = tobira.popen.pid
            scheduled_wall, armed = await wait_scheduled(port, tobira, log)
            reschedule_s = scheduled_wall - spawned_wall
            rss_start = _status_kb(pid, "VmRSS")
            await asyncio.sleep(run_seconds)
            if tobira.popen.poll() is not None:
                raise RuntimeError(f"tobira exited during the run: {_tail(log)}")
            rss_end = _status_kb(pid, "VmRSS")
            rss_peak = _status_kb(pid, "VmHWM")
            stopped = datetime.now(UTC)
        finally:
            if tobira is not None:
                tobira.stop()
            fake.stop()

        found = await read_back(path, stopped)
        problems = _log_problems(log)

    gap = (spawned - start).total_seconds()
    print(
        f"restart to scheduled (spawn -> /healthz 200 + 'deadlines armed') {reschedule_s:6.2f} s"
        f"  (target < {RESCHEDULE_TARGET_S:.0f} s) {_verdict(reschedule_s < RESCHEDULE_TARGET_S)}"
    )
    print(
        f"  the alarm's own query and arming: {armed.get('ms')} ms;"
        f" due times anchored {gap:.2f} s before spawn"
    )
    rss_ok = max(rss_start, rss_end, rss_peak) < RSS_TARGET_MB
    print(
        f"resident memory after start {rss_start:6.1f} MB, after {run_seconds:.0f} s"
        f" {rss_end:6.1f} MB, peak {rss_peak:6.1f} MB  (target < {RSS_TARGET_MB:.0f} MB)"
        f" {_verdict(rss_ok)}"
    )

    fired = found["fired"]
    # A row due before tobira was up again (spawn + restart time) could not fire on time
    # whatever the alarm does: it counts with the overdue ones (their figure is how soon
    # after the restart they all fired). On time: due once the service was scheduled.
    ready = spawned + timedelta(seconds=reschedule_s)
    overdue = [(due, at) for due, at in fired if due < ready]
    on_time = [(at - due).total_seconds() for due, at in fired if due >= ready]
    statuses = found["statuses"]
    print(
        f"deadlines fired {len(fired):,} in {run_seconds:.0f} s"
        f" (overdue or due while restarting {len(overdue):,}, of them seeded overdue"
        f" {OVERDUE:,}; on time {len(on_time):,});"
        f" statuses {dict(sorted(statuses.items()))}"
    )
    left_behind = found["left_behind"]
    if left_behind:
        oldest = (stopped - found["oldest_left_behind"]).total_seconds()
        print(
            f"  {left_behind:,} rows due before the stop never fired;"
            f" the oldest was due {oldest:.1f} s before it"
        )
    if overdue:
        all_overdue_s = (max(at for _, at in overdue) - spawned).total_seconds()
        print(
            f"  the {len(overdue):,} overdue rows all fired {all_overdue_s:6.2f} s after spawn"
            f" ({all_overdue_s - reschedule_s:.2f} s after scheduled)"
        )
        results["overdue_all_fired_s"] = all_overdue_s
    p50 = _percentile(on_time, 0.50)
    p99 = _percentile(on_time, 0.99)
    worst = max(on_time) if on_time else float("nan")
    lateness_ok = bool(on_time) and p99 < LATENESS_P99_TARGET_S and not left_behind
    print(
        f"lateness of on-time rows: p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms"
        f"  max {worst * 1000:7.1f} ms  (target p99 < {LATENESS_P99_TARGET_S:.0f} s)"
        f" {_verdict(lateness_ok)}"
    )
    once = found["alerts"] == len(fired) and found["alerted_conversations"] == found["alerts"]
    print(
        f"fired at most once: {len(fired):,} rows fired, {found['alerts']:,} remind alerts"
        f" for {found['alerted_conversations']:,} conversations {_verdict(once)}"
    )
    for event, count in problems.most_common(5):
        print(f"  tobira logged {count:,} x {event}")
    results.update(
        seed_s=conversations_s + deadlines_s,
        reschedule_s=reschedule_s,
        alarm_ms=float(armed.get("ms") or 0.0),
        rss_start_mb=rss_start,
        rss_end_mb=rss_end,
        rss_peak_mb=rss_peak,
        fired=float(len(fired)),
        lateness_p50_s=p50,
        lateness_p99_s=p99,
        lateness_max_s=worst,
    )
    return results


if __name__ == "__main__":
    asyncio.run(run())
