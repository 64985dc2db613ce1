"""The year in figures on a busy window: 100,000 conversations, 1,000,000 messages,
5,000 households in one fiscal year (issue 22).

The database is generated with bulk INSERTs (plain sqlite3, one transaction) of the tables
the figures read, the core's reporting facts included, and cached under the temp dir by a
hash of the migrations and of this generator, so a second `make bench` starts at once; each
run measures a copy. tobira then runs as a real process with the fake LINE API in another,
and this process signs in as a supervisor.

Measured, as a supervisor's browser meets it (loopback round trips: server time plus a
little): p50 and p95 of the figures API for the fiscal year and for one month, the CSV, and
the page `/console/figures` for the fiscal year (numbers, definitions, three SVG charts),
next to /healthz as the baseline. Target (issue 22): p95 < 200 ms for the API and the page.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.console import CONFIG, ORG, PASSWORD, SECRET, TOKEN, _session, p, sign_in
from benchmarks.processes import Process, start_fake_line, start_tobira, wait_http
from bot.handoff.passwords import hash_password
from storage import facts
from storage.database import Database
from storage.timefmt import to_db
from tests.sealing_keys import TEST_KEYS
from tests.service import free_port

CONVERSATIONS = 100_000
MESSAGES_EACH = 10
HOUSEHOLDS = 5_000
CONFERENCES = 1_500
ITEMS_EACH = 3
COUNSELORS = 30
# Returning contacts: about one conversation in four is a contact's second or later.
CONTACTS = 75_000
FISCAL_YEAR = 2025
START = datetime(FISCAL_YEAR, 4, 1, tzinfo=UTC) - timedelta(hours=9)  # 00:00 Tokyo
DAYS = (date(FISCAL_YEAR + 1, 4, 1) - date(FISCAL_YEAR, 4, 1)).days
REQUESTS = 100
# A slow target must not hold `make bench` for a quarter of an hour: after this many
# seconds the rounds stop, once every target has MIN_SAMPLES.
BUDGET_SECONDS = 90.0
MIN_SAMPLES = 20
ROUND = 5
TARGET_MS = 200.0
# Changing the generator changes the cache's name.
GENERATOR_VERSION = "1"

_WHO = ("family",) * 55 + ("self",) * 30 + ("supporter",) * 10 + (None,) * 5
_RELATIONS = ("mother", "father", "sibling", "spouse", "other")
_AGE_BANDS = ("teens", "20s", "30s", "40s", "50s", "60s_plus", "unknown")
_WISHES = ("listen", "information", "visit_window", "home_visit", "employment", "medical")
_TEXTS = ["息子が部屋から出てきません", "どう接したらいいのかわからなくて", "よろしくお願いします"]


def _opened_at(rng: random.Random) -> datetime:
    """A moment in the fiscal year, more by day (09–21 Tokyo) than by night."""
    day = rng.randrange(DAYS)
    hour = rng.choice(range(9, 21)) if rng.random() < 0.8 else rng.choice(range(24))
    return START + timedelta(days=day, hours=hour, minutes=rng.randrange(60))


def _intake(rng: random.Random, who: str | None) -> str:
    data = {
        "who": who,
        "relationship": rng.choice(_RELATIONS) if who == "family" else None,
        "age_band": rng.choice(_AGE_BANDS),
        "wishes": rng.sample(_WISHES, rng.randint(1, 3)),
    }
    return json.dumps(data, ensure_ascii=False)


def seed(db: Path) -> dict[str, object]:
    """Fill `db` (migrated, empty); returns counts and the seconds it took."""
    asyncio.run(_migrate(db))
    rng = random.Random(22)
    digest = hash_password(PASSWORD)
    made = to_db(START)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    started = time.perf_counter()
    with conn:
        conn.execute("INSERT OR IGNORE INTO organizations (id, name) VALUES (?, 'Bench')", (ORG,))
        conn.executemany(
            "INSERT INTO staff (login, name, display_name, org_id, role, password_hash,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [("boss", "Boss", "Boss", ORG, "supervisor", digest, made)]
            + [
                (f"c{n:02}", f"Counselor {n}", f"相談員{n}", ORG, "counselor", digest, made)
                for n in range(COUNSELORS)
            ],
        )
        staff_ids = [row[0] for row in conn.execute("SELECT id FROM staff ORDER BY id")]
        counselors = staff_ids[1:]
        # Contacts, and their conversations in time order (a returning contact's later one
        # opens after the earlier one is resolved).
        owner = [rng.randrange(CONTACTS) if n >= CONTACTS else n for n in range(CONVERSATIONS)]
        opened = sorted(_opened_at(rng) for _ in range(CONVERSATIONS))
        rng.shuffle(owner)
        first_seen: dict[int, datetime] = {}
        for n, contact in enumerate(owner):
            first_seen.setdefault(contact, opened[n])
        channel = {c: ("web" if rng.random() < 0.2 else "line") for c in first_seen}
        conn.executemany(
            "INSERT INTO contacts (id, channel, platform_user_id, created_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                (c + 1, channel[c], f"U{c:032x}", to_db(at), to_db(at))
                for c, at in first_seen.items()
            ),
        )
        who_of = {c: rng.choice(_WHO) for c in first_seen}
        conversations = []
        for n in range(CONVERSATIONS):
            cid, contact, at = n + 1, owner[n] + 1, opened[n]
            who = who_of[owner[n]]
            handed = rng.random() < 0.7
            answered = at + timedelta(minutes=rng.expovariate(1 / 180)) if handed else None
            resolved = at + timedelta(days=rng.uniform(0.5, 20))
            conversations.append(
                (
                    cid,
                    contact,
                    "resolved",
                    who,
                    _intake(rng, who),
                    ORG if handed else None,
                    rng.choice(counselors) if handed else None,
                    to_db(at),
                    to_db(resolved),
                    to_db(resolved),
                    to_db(at + timedelta(minutes=2)) if handed else None,
                    to_db(answered) if answered else None,
                    (answered - at).total_seconds() if answered else None,
                )
            )
        conn.executemany(
            "INSERT INTO conversations (id, contact_id, status, topic, intake, org_id,"
            " counselor_id, opened_at, updated_at, resolved_at, handed_off_at,"
            " first_human_answer_at, longest_wait_seconds)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            conversations,
        )
        conn.executemany(
            "INSERT INTO messages (conversation_id, direction, author, kind, body, created_at,"
            " staff_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            _messages(conversations),
        )
        _households(conn, rng, who_of, first_seen, staff_ids)
        _seed_facts(conn, rng)
    seconds = time.perf_counter() - started
    counts = {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("conversations", "messages", "households", "conferences", "reporting_events")
    }
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"seconds": seconds, "counts": counts}


def _messages(conversations: list[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """Ten a conversation: the client and the bot in turn, a counselor's answer when one came."""
    for row in conversations:
        cid, opened, counselor, answered = row[0], str(row[7]), row[6], row[11]
        base = datetime.fromisoformat(opened)
        for n in range(MESSAGES_EACH):
            at = base + timedelta(seconds=30 * n)
            if n % 2 == 0:
                yield (cid, "in", "client", "message/text", _TEXTS[n % 3], to_db(at), None)
            elif n == 5 and answered:
                yield (
                    cid,
                    "out",
                    "staff",
                    "text",
                    "お話しくださりありがとうございます",
                    answered,
                    counselor,
                )
            else:
                yield (
                    cid,
                    "out",
                    "bot",
                    "flow",
                    "ありがとうございます",
                    to_db(at + timedelta(seconds=1)),
                    None,
                )


def _households(
    conn: sqlite3.Connection,
    rng: random.Random,
    who_of: dict[int, str | None],
    first_seen: dict[int, datetime],
    staff_ids: list[int],
) -> None:
    """5,000 households begun by a relative; one in four later joined by the person
    themself (family → self), one in ten by a supporter; conferences with items."""
    families = [c for c, who in who_of.items() if who == "family"]
    selves = [c for c, who in who_of.items() if who == "self"]
    supporters = [c for c, who in who_of.items() if who == "supporter"]
    rng.shuffle(families)
    rng.shuffle(selves)
    rng.shuffle(supporters)
    households, members = [], []
    for h in range(HOUSEHOLDS):
        first = families[h]
        begun = first_seen[first]
        households.append((h + 1, h + 1, f"世帯{h + 1}", to_db(begun), staff_ids[1]))
        members.append((h + 1, first + 1, "family", rng.choice(_RELATIONS), to_db(begun)))
        if h % 4 == 0 and h // 4 < len(selves):
            joined = begun + timedelta(days=rng.uniform(3, 90))
            members.append((h + 1, selves[h // 4] + 1, "self", None, to_db(joined)))
        if h % 10 == 0 and h // 10 < len(supporters):
            joined = begun + timedelta(days=rng.uniform(1, 30))
            members.append((h + 1, supporters[h // 10] + 1, "supporter", None, to_db(joined)))
    conn.executemany(
        "INSERT INTO households (id, number, label, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
        households,
    )
    conn.executemany(
        "INSERT INTO household_members (household_id, contact_id, role, relation, joined_at)"
        " VALUES (?, ?, ?, ?, ?)",
        members,
    )
    agencies = ["保健所", "福祉課", "地域包括支援センター", "就労支援", "医療機関"]
    conferences, items = [], []
    for n in range(CONFERENCES):
        household = rng.randrange(HOUSEHOLDS) + 1
        held = date(FISCAL_YEAR, 4, 1) + timedelta(days=rng.randrange(DAYS))
        conferences.append(
            (
                n + 1,
                household,
                held.isoformat(),
                json.dumps(rng.sample(agencies, 3), ensure_ascii=False),
                agencies[n % len(agencies)],
                rng.choice(staff_ids[1:]),
                to_db(datetime(held.year, held.month, held.day, tzinfo=UTC)),
            )
        )
        for _ in range(ITEMS_EACH):
            due = held + timedelta(days=rng.randint(7, 60))
            state = rng.choice(("open", "done", "done", "dropped"))
            done_at = due + timedelta(days=rng.randint(-5, 5)) if state == "done" else None
            items.append(
                (
                    n + 1,
                    "次回までに連絡する",
                    rng.choice(staff_ids[1:]),
                    due.isoformat(),
                    state,
                    to_db(datetime(done_at.year, done_at.month, done_at.day, tzinfo=UTC))
                    if done_at
                    else None,
                )
            )
    conn.executemany(
        "INSERT INTO conferences (id, household_id, held_on, agencies, lead_agency,"
        " key_worker_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        conferences,
    )
    conn.executemany(
        "INSERT INTO action_items (conference_id, what, owner_staff_id, due_on, state, done_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        items,
    )


MIGRATION = Path(__file__).parent.parent / "storage" / "migrations" / "0015_figures.sql"


def _seed_facts(conn: sqlite3.Connection, rng: random.Random) -> None:
    """The core's reporting facts for the rows above: the migration's own backfill (run
    again, now that the rows exist), plus what a backfill cannot know and the service
    writes as it happens: open-hours seconds, after-hours first contacts, one
    acknowledgement wait per client message (half a million), danger signals and the
    answers after them; then the daily counts, by storage/facts.py's `recount_days`."""
    text = MIGRATION.read_text(encoding="utf-8").split("-- Backfill", 1)[1]
    text = text.split("\n", 1)[1]  # past the rest of that comment's line
    _run(conn, text.split("-- The daily counts", 1)[0])
    conn.execute(
        "UPDATE reporting_events SET open_seconds = seconds * 0.6 WHERE kind = 'first_answer'"
    )
    conn.execute(
        "UPDATE reporting_events SET flag ="
        " CAST(strftime('%H', at, '+9 hours') AS INTEGER) NOT BETWEEN 9 AND 20"
        " WHERE kind = 'first_contact'"
    )
    conn.execute(
        "INSERT INTO reporting_events (kind, at, day, conversation_id, seconds, flag)"
        " SELECT 'ack', created_at, date(created_at, '+9 hours'), conversation_id, wait,"
        " wait <= 5 FROM (SELECT created_at, conversation_id,"
        " 0.5 + (abs(random()) % 80) / 10.0 AS wait FROM messages WHERE direction = 'in')"
    )
    levels = ("crisis", "crisis", "violence", "child")
    danger = [
        (cid, levels[cid % len(levels)], rng.uniform(60, 3600))
        for cid in range(1, CONVERSATIONS + 1, 50)
    ]
    conn.executemany(
        "INSERT INTO reporting_events (kind, at, day, conversation_id, level)"
        " SELECT 'danger', opened_at, date(opened_at, '+9 hours'), id, ?"
        " FROM conversations WHERE id = ?",
        [(level, cid) for cid, level, _ in danger],
    )
    conn.executemany(
        "INSERT INTO reporting_events (kind, at, day, conversation_id, level, seconds)"
        " SELECT 'danger_answer', opened_at, date(opened_at, '+9 hours'), id, ?, ?"
        " FROM conversations WHERE id = ?",
        [(level, seconds, cid) for cid, level, seconds in danger],
    )
    # The daily counts the figures read, made from the facts by the core's own recount.
    facts.recount_days(conn)  # type: ignore[arg-type]


def _run(conn: sqlite3.Connection, sql: str) -> None:
    """A migration's statements, comments out first (one holds a semicolon)."""
    sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


async def _migrate(db: Path) -> None:
    database = await Database.open(db, keys=TEST_KEYS)
    await database.close()


def _cache_key() -> str:
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    migrations = Path(__file__).parent.parent / "storage" / "migrations"
    for path in sorted(migrations.glob("*.sql")):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def cached_database() -> tuple[Path, float | None]:
    """The generated database (made when missing); the seconds it took, None when cached."""
    cache = Path(tempfile.gettempdir()) / f"tobira-bench-figures-{_cache_key()}.db"
    if cache.exists():
        return cache, None
    # Databases of older migrations or generators are of no more use (~350 MB each).
    for stale in cache.parent.glob("tobira-bench-figures-*"):
        stale.unlink(missing_ok=True)
    building = cache.with_suffix(".building")
    seeded = seed(building)
    building.rename(cache)
    return cache, float(seeded["seconds"])  # type: ignore[arg-type]


async def timed(session: object, url: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        async with session.get(url) as response:  # type: ignore[attr-defined]
            await response.read()
            assert response.status == 200, (url, response.status)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def measure(url: str) -> dict[str, list[float]]:
    year = f"from={FISCAL_YEAR}-04-01&to={FISCAL_YEAR + 1}-03-31"
    month = f"from={FISCAL_YEAR}-10-01&to={FISCAL_YEAR}-10-31"
    async with _session() as boss:
        await sign_in(boss, url, "boss")
        targets = {
            "/healthz (baseline)": "/healthz",
            "figures API, fiscal year": f"/api/v1/figures?{year}",
            "figures API, one month": f"/api/v1/figures?{month}",
            "figures CSV, fiscal year": f"/api/v1/figures.csv?{year}",
            "figures page, fiscal year": f"/console/figures?period=fiscal_year&fy={FISCAL_YEAR}",
            "figures page, one month": f"/console/figures?period=month&month={FISCAL_YEAR}-10",
        }
        for path in targets.values():
            await timed(boss, url + path, 2)  # warm up
        # Alternate rounds so the machine's drift falls on every target alike.
        results: dict[str, list[float]] = {name: [] for name in targets}
        started = time.perf_counter()
        for n in range(REQUESTS // ROUND):
            for name, path in targets.items():
                results[name] += await timed(boss, url + path, ROUND)
            spent = time.perf_counter() - started
            if spent > BUDGET_SECONDS and (n + 1) * ROUND >= MIN_SAMPLES:
                break
        return results


async def run() -> dict[str, float]:
    results: dict[str, float] = {}
    cache, seconds = await asyncio.to_thread(cached_database)
    conn = sqlite3.connect(cache)
    counts = {
        table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        for table in ("conversations", "messages", "households", "conferences", "reporting_events")
    }
    conn.close()
    made = f"generated in {seconds:.1f} s" if seconds is not None else "cached"
    print(
        f"fiscal year {FISCAL_YEAR}: {counts['conversations']:,} conversations,"
        f" {counts['messages']:,} messages, {counts['households']:,} households,"
        f" {counts['conferences']:,} conferences, {counts['reporting_events']:,} reporting facts"
        f" ({made}: {cache.name})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "figures.db"
        shutil.copyfile(cache, db)
        fake, line_url = start_fake_line(TOKEN)
        port = free_port()
        tobira: Process = start_tobira(
            db, line_url, TOKEN, SECRET, port, config_text=CONFIG, log=Path(tmp) / "log"
        )
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_http(url + "/healthz", tobira, timeout=60)
            measured = await measure(url)
            baseline = p(measured["/healthz (baseline)"], 0.95)
            for name, times in measured.items():
                p95 = results[name] = p(times, 0.95)
                target = ""
                if "baseline" not in name:
                    verdict = "ok" if p95 < TARGET_MS else "MISSED"
                    target = f"  (target < {TARGET_MS:.0f} ms: {verdict})"
                print(
                    f"{name:<28} p50 {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms"
                    f"  x{p95 / baseline:6.1f} baseline, n={len(times)}{target}"
                )
        finally:
            tobira.stop()
            fake.stop()
    return results


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
