"""Numbered SQL migrations, tracked in SQLite's own PRAGMA user_version (as maubot does)."""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, str]]:
    """(version, sql) for every shipped migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, _) in enumerate(found, start=1):
        if version != expected:
            raise RuntimeError(f"migration numbers must be 1..n without gaps; found {version}")
    return found


def migrate(conn: sqlite3.Connection) -> tuple[int, int]:
    """Apply what is missing, each migration in its own transaction. Returns (before, after)."""
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    latest = before
    migrations = available()
    for version, sql in migrations:
        if version <= before:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        latest = version
    known = len(migrations)
    if before > known:
        raise RuntimeError(
            f"the database is at schema version {before}, newer than this tobira ({known})"
        )
    return before, latest


def _statements(sql: str) -> list[str]:
    # sqlite3.complete_statement lets us split safely without executescript's implicit COMMIT.
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current)
            current = ""
    if current.strip() and not current.strip().startswith("--"):
        statements.append(current)
    return statements
