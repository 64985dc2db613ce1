"""Staff accounts, leave and load: the storage layer on real SQLite, the CLI as operators run it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.cli.staff import _width
from bot.handoff.passwords import hash_password, needs_rehash, too_short, verify_password
from bot.runtime.clock import TOKYO
from storage import organizations
from storage import staff as staff_store
from storage.database import Database
from storage.staff import StaffError
from tests.sealing_keys import TEST_KEYS

AT = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)

CONFIG = """
[[organizations]]
id = "welfare"
name = "福祉相談センター"
hours = { mon = "09:00-17:00" }

[[organizations]]
id = "psych"
name = "心理相談室"
hours = { mon = "09:00-17:00" }
"""


# -- the CLI through a real process -------------------------------------------------------


@pytest.fixture
def tobira(tmp_path):
    config = tmp_path / "tobira.toml"
    config.write_text(CONFIG, encoding="utf-8")
    db = tmp_path / "var" / "tobira.db"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "TOBIRA_DB": str(db)}
        env.pop("TOBIRA_CONFIG", None)
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args, "--config", str(config)],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    run.db = db  # type: ignore[attr-defined]
    return run


def _add(tobira, login: str, org: str = "welfare", role: str = "counselor", **kw):
    return tobira(
        "staff", "add", "--login", login, "--name", f"{login} 太郎",
        "--display-name", f"{login}さん", "--org", org, "--role", role, **kw,
    )  # fmt: skip


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.subprocess
def test_add_with_password_then_list(tobira):
    added = tobira(
        "staff", "add", "--login", "sato", "--name", "佐藤花子", "--display-name", "佐藤",
        "--org", "psych", "--role", "counselor", "--password-stdin",
        stdin="correct horse battery\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    out = json.loads(added.stdout)
    assert out["id"] == 1 and out["can_log_in"] is True

    with sqlite3.connect(tobira.db) as conn:
        (stored,) = conn.execute("SELECT password_hash FROM staff WHERE login = 'sato'").fetchone()
        orgs = dict(conn.execute("SELECT id, name FROM organizations"))
    assert stored != "correct horse battery" and stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")  # the newline was stripped
    assert orgs == {"welfare": "福祉相談センター", "psych": "心理相談室"}

    listed = tobira("staff", "list")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split()[:3] == ["LOGIN", "DISPLAY", "NAME"]
    assert row.split() == ["sato", "佐藤", "佐藤花子", "psych", "counselor", "yes", "-"]
    # Columns line up in a terminal even with full-width names (two cells each).
    assert _width(row[: row.rindex(" -") + 1]) == header.index("LEAVE")


@pytest.mark.subprocess
def test_without_password_the_account_cannot_log_in_yet(tobira):
    added = _add(tobira, "suzuki")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["can_log_in"] is False
    with sqlite3.connect(tobira.db) as conn:
        assert conn.execute("SELECT password_hash FROM staff").fetchone() == (None,)


@pytest.mark.subprocess
def test_unknown_org_names_it_and_the_known_ones(tobira):
    line = _one_error_line(_add(tobira, "sato", org="hospital"))
    assert "'hospital'" in line and "welfare" in line and "psych" in line


@pytest.mark.subprocess
def test_duplicate_login_is_one_clear_line(tobira):
    assert _add(tobira, "sato").returncode == 0
    line = _one_error_line(_add(tobira, "sato", org="psych"))
    assert "'sato' already exists" in line


@pytest.mark.subprocess
def test_short_password_is_refused_and_nothing_added(tobira):
    result = tobira(
        "staff", "add", "--login", "sato", "--name", "n", "--display-name", "d",
        "--org", "welfare", "--role", "admin", "--password-stdin", stdin="elevenchars\n",
    )  # fmt: skip
    line = _one_error_line(result)
    assert "at least 12 characters" in line
    listed = tobira("staff", "list", "--json")
    assert listed.stdout == ""


@pytest.mark.subprocess
def test_leave_with_cover_shows_in_the_list(tobira):
    _add(tobira, "sato")
    _add(tobira, "tanaka", org="psych")
    today = datetime.now(TOKYO).date()
    span = f"{today - timedelta(days=1)}..{today + timedelta(days=1)}"
    leave = tobira("staff", "leave", "sato", span, "--cover", "tanaka")
    assert leave.returncode == 0, leave.stderr
    assert json.loads(leave.stdout)["cover"] == "tanaka"
    one_day = tobira("staff", "leave", "tanaka", "2030-01-04")
    assert json.loads(one_day.stdout)["ends_on"] == "2030-01-04"

    listed = tobira("staff", "list", "--json").stdout.splitlines()
    rows = {row["login"]: row for row in map(json.loads, listed)}
    assert rows["sato"]["leave"]["now"] is True and rows["sato"]["leave"]["cover"] == "tanaka"
    assert rows["tanaka"]["leave"] == {
        "now": False, "starts_on": "2030-01-04", "ends_on": "2030-01-04", "cover": None
    }  # fmt: skip
    table = tobira("staff", "list").stdout
    assert "on leave" in table and "(cover: tanaka)" in table and "next 2030-01-04" in table


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["sato", "2026-12-03..2026-12-01"], "ends (2026-12-01) before it starts (2026-12-03)"),
        (["sato", "2026-12-32"], "YYYY-MM-DD..YYYY-MM-DD"),
        (["sato", "next week"], "YYYY-MM-DD..YYYY-MM-DD"),
        (["ghost", "2026-12-01"], "no staff member with login 'ghost'"),
        (["sato", "2026-12-01", "--cover", "ghost"], "'ghost' to cover"),
        (["sato", "2026-12-01", "--cover", "sato"], "cannot cover their own leave"),
    ],
)
@pytest.mark.subprocess
def test_leave_errors_are_one_line(tobira, args, expected):
    assert _add(tobira, "sato").returncode == 0
    assert expected in _one_error_line(tobira("staff", "leave", *args))


@pytest.mark.subprocess
def test_password_command_sets_a_login(tobira):
    _add(tobira, "sato")
    assert "at least 12" in _one_error_line(tobira("staff", "password", "sato", stdin="x"))
    done = tobira("staff", "password", "sato", stdin="a much longer phrase\n")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tobira.db) as conn:
        (stored,) = conn.execute("SELECT password_hash FROM staff").fetchone()
    assert verify_password(stored, "a much longer phrase")


# -- passwords ---------------------------------------------------------------------------


def test_password_hashing():
    hashed = hash_password("correct horse battery")
    assert hashed != "correct horse battery"
    assert hashed != hash_password("correct horse battery")  # salted
    assert verify_password(hashed, "correct horse battery")
    assert verify_password(hashed, "correct horse batterY") is False
    assert verify_password(None, "anything") is False
    assert verify_password("not a hash", "anything") is False
    assert needs_rehash(hashed) is False
    assert too_short("12345678901") and too_short("123456789012") is None


# -- storage on seeded data ----------------------------------------------------------------


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)

    def seed(conn: sqlite3.Connection) -> None:
        organizations.sync(conn, [("welfare", "福祉"), ("psych", "心理")])
        organizations.sync(conn, [("welfare", "福祉相談センター")])  # a rename, not a duplicate

    await database.write(seed)
    yield database
    await database.close()


def _member(conn, login, org="welfare", role="counselor") -> int:
    return staff_store.add(
        conn, login=login, name=login, display_name=login, org_id=org, role=role,
        password_hash=None, at=AT,
    )  # fmt: skip


def _conversation(conn, contact: int, status: str, counselor, pair=None) -> None:
    conn.execute(
        "INSERT INTO contacts (id, channel, platform_user_id, created_at, last_seen_at)"
        " VALUES (?, 'line', ?, 'x', 'x')",
        (contact, f"U{contact}"),
    )
    conn.execute(
        "INSERT INTO conversations (contact_id, status, counselor_id, pair_counselor_id,"
        " opened_at, updated_at) VALUES (?, ?, ?, ?, 'x', 'x')",
        (contact, status, counselor, pair),
    )


async def test_counselors_supervisors_and_open_load(db):
    def job(conn):
        ids = {
            name: _member(conn, name, org, role)
            for name, org, role in [
                ("a", "welfare", "counselor"),
                ("b", "welfare", "counselor"),
                ("c", "psych", "counselor"),
                ("gone", "welfare", "counselor"),
                ("admin", "welfare", "admin"),
                ("sup_p", "psych", "supervisor"),
                ("sup_w", "welfare", "supervisor"),
            ]
        }
        conn.execute("UPDATE staff SET active = 0 WHERE id = ?", (ids["gone"],))
        _conversation(conn, 1, "assigned", ids["a"])
        _conversation(conn, 2, "queued", ids["a"], ids["c"])
        _conversation(conn, 3, "resolved", ids["b"])  # closed: no load
        _conversation(conn, 4, "bot", None)
        _conversation(conn, 5, "assigned", ids["c"], ids["c"])  # counted once
        names = {
            "welfare": [m.login for m in staff_store.counselors(conn, "welfare")],
            "sup_psych": [m.login for m in staff_store.supervisors(conn, "psych")],
            "sup_welfare": [m.login for m in staff_store.supervisors(conn, "welfare")],
            "sup_any": [m.login for m in staff_store.supervisors(conn)],
        }
        load = staff_store.open_load(conn, [ids["a"], ids["b"], ids["c"]])
        return ids, names, load, staff_store.open_load(conn, [])

    ids, names, load, empty = await db.write(job)
    assert names["welfare"] == ["a", "b"]  # inactive and other roles left out
    assert names["sup_psych"] == ["sup_p", "sup_w", "admin"]  # own org first, admins last
    assert names["sup_welfare"] == ["sup_w", "admin", "sup_p"]
    assert names["sup_any"] == ["sup_p", "sup_w", "admin"]
    assert load == {ids["a"]: 2, ids["b"]: 0, ids["c"]: 2}
    assert empty == {}


async def test_leave_on_is_inclusive_and_the_newest_wins(db):
    def job(conn):
        sato, tanaka, kato = (_member(conn, n) for n in ("sato", "tanaka", "kato"))
        first = staff_store.add_leave(conn, sato, date(2026, 12, 1), date(2026, 12, 3), tanaka, AT)
        staff_store.add_leave(conn, sato, date(2026, 12, 3), date(2026, 12, 3), kato, AT)
        on = {d: staff_store.leave_on(conn, sato, date(2026, 12, d)) for d in (1, 2, 3, 4)}
        return sato, tanaka, kato, first, on

    sato, tanaka, kato, first, on = await db.write(job)
    assert on[1] is not None and on[1].id == first and on[1].cover_staff_id == tanaka
    assert on[2] == on[1] and on[1].starts_on == date(2026, 12, 1)
    assert on[3] is not None and on[3].cover_staff_id == kato
    assert on[4] is None
    assert [x.ends_on for x in await db.read(staff_store.leaves, sato)] == [
        date(2026, 12, 3),
        date(2026, 12, 3),
    ]


async def test_writer_refusals(db):
    await db.write(lambda conn: _member(conn, "sato"))
    for job, message in [
        (lambda c: _member(c, "sato", "psych"), "already exists"),
        (lambda c: _member(c, "kim", "hospital"), "unknown organisation 'hospital'"),
        (lambda c: _member(c, "kim", role="boss"), "not one of"),
        (lambda c: staff_store.add_leave(c, 1, date(2026, 1, 2), date(2026, 1, 1), None, AT),
         "before it starts"),
        (lambda c: staff_store.add_leave(c, 1, date(2026, 1, 1), date(2026, 1, 1), 1, AT),
         "own leave"),
        (lambda c: staff_store.add_leave(c, 1, date(2026, 1, 1), date(2026, 1, 1), 99, AT),
         "id 99"),
    ]:  # fmt: skip
        with pytest.raises(StaffError, match=message):
            await db.write(job)
    member = await db.read(staff_store.by_login, "sato")
    assert member is not None and member.display_name == "sato" and member.active
    assert [m.login for m in await db.read(staff_store.list_all)] == ["sato"]
    assert await db.read(staff_store.credentials, "sato") is None  # no password yet
    await db.write(lambda c: staff_store.set_password_hash(c, member.id, hash_password("x" * 12)))
    found = await db.read(staff_store.credentials, "sato")
    assert found is not None and verify_password(found[1], "x" * 12)
    names = await db.fetch_all("SELECT name FROM organizations WHERE id = 'welfare'")
    assert names[0][0] == "福祉相談センター"
