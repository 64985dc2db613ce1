"""The safety check-in's state: kept in the transcript itself, so a restart loses nothing.

A possible danger signal gets a question (「いま、命の危険を感じていますか？」) stored as an
outgoing message whose kind says the level and about whom (statuses.checkin_kind). The
question is open while it is the last thing said to the client: any later answer from the
bot or a counselor closes it.
"""

from __future__ import annotations

from storage.statuses import CHECKIN_PREFIX, checkin_of
from storage.tx import Tx


def open_checkin(conn: Tx, conversation_id: int) -> tuple[str, bool] | None:
    """(level, about_other) of the check-in when it is the last message sent to the client."""
    row = conn.execute(
        "SELECT kind FROM messages WHERE conversation_id = ? AND direction = 'out'"
        " ORDER BY id DESC LIMIT 1",
        (conversation_id,),
    ).fetchone()
    return checkin_of(row[0]) if row else None


def last_checkin(conn: Tx, conversation_id: int) -> tuple[str, bool] | None:
    """(level, about_other) of the latest check-in asked in the conversation, open or not:
    a tap on one of its buttons is an answer to it even after other messages."""
    row = conn.execute(
        "SELECT kind FROM messages WHERE conversation_id = ? AND direction = 'out'"
        " AND kind LIKE ? ORDER BY id DESC LIMIT 1",
        (conversation_id, CHECKIN_PREFIX + "%"),
    ).fetchone()
    return checkin_of(row[0]) if row else None
