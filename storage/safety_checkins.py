"""The safety check-in's state: kept in the transcript itself, so a restart loses nothing.

A possible danger signal gets a question (「いま、命の危険を感じていますか？」) stored as an
outgoing message whose kind says the level and about whom (statuses.checkin_kind). The
question is open while it is the last thing said to the client: any later answer from the
bot or a counselor closes it. A tap on its buttons answers it later too, once: only the
latest check-in, and only until the bot answered it (a safety answer or the word after it).
"""

from __future__ import annotations

from storage.statuses import CHECKIN_PREFIX, MessageKind, checkin_of
from storage.tx import Tx


def open_checkin(conn: Tx, conversation_id: int) -> tuple[str, bool] | None:
    """(level, about_other) of the check-in when it is the last message sent to the client."""
    row = conn.execute(
        "SELECT kind FROM messages WHERE conversation_id = ? AND direction = 'out'"
        " ORDER BY id DESC LIMIT 1",
        (conversation_id,),
    ).fetchone()
    return checkin_of(row[0]) if row else None


# What the bot says once a check-in is answered (or a certain signal came instead): a
# check-in followed by one of these is closed to taps.
_ANSWERED = (
    MessageKind.SAFETY.value,
    MessageKind.SAFETY_SHORT.value,
    MessageKind.SAFETY_AFTER_CHECKIN.value,
)


def tapped_checkin(
    conn: Tx, conversation_id: int, signalled_id: int | None
) -> tuple[str, bool] | None:
    """(level, about_other) of the check-in a button tap answers, or None when the tap is
    stale: not the latest check-in, or one already answered. `signalled_id` is the client's
    message the check-in asked about (carried in the button's data); None for buttons sent
    before the data carried it: the latest check-in."""
    latest = conn.execute(
        "SELECT id, kind FROM messages WHERE conversation_id = ? AND direction = 'out'"
        " AND kind LIKE ? ORDER BY id DESC LIMIT 1",
        (conversation_id, CHECKIN_PREFIX + "%"),
    ).fetchone()
    if latest is None:
        return None
    if signalled_id is not None:
        # The tapped check-in is the first one asked after the signalled message.
        tapped = conn.execute(
            "SELECT MIN(id) FROM messages WHERE conversation_id = ? AND direction = 'out'"
            " AND kind LIKE ? AND id > ?",
            (conversation_id, CHECKIN_PREFIX + "%", signalled_id),
        ).fetchone()
        if tapped is None or tapped[0] != latest[0]:
            return None
    answered = conn.execute(
        "SELECT 1 FROM messages WHERE conversation_id = ? AND id > ?"
        f" AND kind IN ({', '.join('?' * len(_ANSWERED))}) LIMIT 1",
        (conversation_id, latest[0], *_ANSWERED),
    ).fetchone()
    return None if answered else checkin_of(latest[1])
