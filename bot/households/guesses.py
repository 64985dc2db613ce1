"""The limit on wrong code-shaped messages: a code is 8 of 29 characters, so guessing one is
hopeless, but only if nobody may guess all day. After `wrong_codes_per_day` wrong ones in a
day from a contact, or from a web address, codes from it are not checked for a day (even a
valid one: it is sent on as an ordinary message). Counted in storage (code_guesses), so a
restart forgets nothing; a web address is kept only as the web chat's keyed hash.
"""

from __future__ import annotations

from datetime import datetime

from storage import households as store
from storage.tx import Tx


def _subjects(contact_id: int, address: str | None) -> list[str]:
    subjects = [store.contact_subject(contact_id)]
    if address:
        subjects.append(store.address_subject(address))
    return subjects


def blocked(conn: Tx, contact_id: int, address: str | None, now: datetime) -> bool:
    """Codes from this contact (or this web address) are not checked now."""
    return any(store.blocked(conn, s, now) for s in _subjects(contact_id, address))


def count_wrong(conn: Tx, contact_id: int, address: str | None, now: datetime, limit: int) -> None:
    for subject in _subjects(contact_id, address):
        store.count_wrong(conn, subject, now, limit)
