"""`tobira db migrate` and `tobira db backup` as an operator runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess


def tobira(*args: str, db) -> subprocess.CompletedProcess:
    env = {**os.environ, "TOBIRA_DB": str(db)}
    env.pop("TOBIRA_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_then_backup(tmp_path):
    db = tmp_path / "var" / "tobira.db"
    migrated = tobira("db", "migrate", db=db)
    assert migrated.returncode == 0, migrated.stderr
    assert json.loads(migrated.stdout)["migrated"] is True
    backup = tobira("db", "backup", str(tmp_path / "b.db"), db=db)
    assert backup.returncode == 0, backup.stderr
    with sqlite3.connect(tmp_path / "b.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "contacts",
        "conversations",
        "messages",
        "inbound_events",
        "outbox",
        "deadlines",
        "staff",
        "organizations",
        "audit_log",
    } <= tables


def test_a_busy_port_is_one_clear_line_not_a_traceback(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = tobira("serve", "--host", "127.0.0.1", "--port", str(port), db=tmp_path / "t.db")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
