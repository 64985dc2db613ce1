"""Row ids known before the INSERT (a sealed value is bound to its row), never given twice."""

from __future__ import annotations

from storage.tx import Tx

# Tables whose ids the console, its links or the audit log name: a deleted one's id must
# never come back as someone else's.
NAMED_BY_ID = (
    "contacts",
    "conversations",
    "messages",
    "staff_notes",
    "households",
    "invitations",
    "conferences",
    "action_items",
    "outbox",
    "inbound_events",
)


def next_row_id(conn: Tx, table: str, column: str = "id") -> int:
    """The id the next row of `table` gets; insert it explicitly. Safe because every write
    runs in a transaction that holds the database's write lock (BEGIN IMMEDIATE), so no
    other writer can take the same id in between. Above every id deleted rows had.
    `column`: another number that must not come back (a household's number, on its card)."""
    row = conn.execute(
        f"SELECT MAX(COALESCE((SELECT MAX({column}) FROM {table}), 0),"
        " COALESCE((SELECT last_id FROM row_high_water WHERE name = ?), 0)) + 1",
        (_name(table, column),),
    ).fetchone()
    return int(row[0])


def keep_high_water(conn: Tx, *tables: str) -> None:
    """Call before deleting rows of `tables`: their highest id so far is never given again
    (and a household's highest number)."""
    for table in tables:
        _keep(conn, table, "id")
        if table == "households":
            _keep(conn, table, "number")


def _keep(conn: Tx, table: str, column: str) -> None:
    conn.execute(
        "INSERT INTO row_high_water (name, last_id)"
        f" SELECT ?, MAX({column}) FROM {table} HAVING MAX({column}) IS NOT NULL"
        " ON CONFLICT (name) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
        (_name(table, column),),
    )


def _name(table: str, column: str) -> str:
    return table if column == "id" else f"{table}.{column}"
