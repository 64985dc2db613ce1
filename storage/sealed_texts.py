"""The conversation tables' sealed texts (issue 23): message bodies, a conversation's flow
state and intake, a safety signal's match. Each is sealed with the data key of the
conversation's contact and bound to its row (storage/sealing); the storage modules seal and
open them here, so every caller keeps handling plain str.

A value whose data key was destroyed (the person was erased) opens as None: nothing of it
is left to read, and one erased row never breaks a list. Any other failure (a wrong key, a
value moved or altered) raises SealError: never garbage.
"""

from __future__ import annotations

from storage.sealing import KeyGone, contact_subject, keyring_of
from storage.tx import Tx

__all__ = ["contact_subject", "conversation_subject", "opened", "remember", "sealed"]


def conversation_subject(conn: Tx, conversation_id: int) -> str:
    """Whose key seals the conversation's texts (cached by the keyring)."""
    return keyring_of(conn).conversation_subject(conn, conversation_id)


def remember(conn: Tx, conversation_id: int, contact_id: int) -> None:
    """A conversation row read or made: its contact, so sealing its texts later in the turn
    costs no look-up."""
    keyring_of(conn).remember_conversation(conn, conversation_id, contact_id)


def sealed(
    conn: Tx, subject: str, table: str, column: str, row: int, text: str | None
) -> bytes | None:
    """What to store for `text` in `table.column` of `row`; None stays None."""
    if text is None:
        return None
    return keyring_of(conn).seal(conn, subject, table, column, row, text)


def opened(conn: Tx, subject: str, table: str, column: str, row: int, value: object) -> str | None:
    """The text of a stored value: None when there is none or its key was destroyed; a
    clear TEXT written before sealing is itself."""
    try:
        return keyring_of(conn).open(conn, subject, table, column, row, value)
    except KeyGone:
        return None
