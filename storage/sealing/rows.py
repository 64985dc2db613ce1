"""Row ids known before the INSERT, so a sealed value can be bound to its row."""

from __future__ import annotations

from storage.tx import Tx


def next_row_id(conn: Tx, table: str) -> int:
    """The id the next row of `table` will get; insert it explicitly. Safe because every
    write runs in a transaction that holds the database's write lock (BEGIN IMMEDIATE), so
    no other writer can take the same id in between."""
    row = conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()
    return int(row[0])
