"""Erasing a contact on request (issue 23): the console, the API and `tobira erase contact`
all come here.

One heavy write job (alone on the writer): every row of theirs deleted and their data key
destroyed (storage/erasure.py), and an audit row that says who erased whom and when, with
the counts and no content. Then the WAL is emptied, so the files keep no frame of theirs.
If they write again, they are a new contact: nothing links them to what was erased.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.runtime.clock import Clock
from storage import audit, erasure
from storage.database import Database
from storage.tx import Tx

log = logging.getLogger("tobira.erase")


@dataclass(frozen=True)
class Erased:
    contact_id: int
    conversation_ids: tuple[int, ...]
    counts: dict[str, int]  # per kind: storage.erasure.CONTACT_KINDS + HOUSEHOLD_KINDS
    # The WAL was emptied: no old frame holds their rows (False: a reader kept it busy;
    # the next checkpoint copies it over, and the next erasure or retention run empties it).
    files_clean: bool


async def erase_contact(
    db: Database, clock: Clock, contact_id: int, *, staff_id: int | None, via: str
) -> Erased | None:
    """Erase the contact; None when there is no such contact. `via` (console, api, cli)
    goes to the audit log with who (`staff_id`, None for an operator's command)."""
    now = clock.now()

    def job(conn: Tx) -> tuple[tuple[int, ...], dict[str, int]] | None:
        conversation_ids = erasure.conversations_of(conn, contact_id)
        counts = erasure.erase_contact(conn, contact_id)
        if counts is None:
            return None
        audit.record(
            conn,
            staff_id=staff_id,
            action="erase_contact",
            conversation_id=None,
            at=now,
            detail={
                "contact_id": contact_id,
                "conversations": list(conversation_ids),
                "via": via,
                "deleted": {kind: n for kind, n in counts.items() if n},
            },
        )
        return conversation_ids, counts

    done = await db.write(job, heavy=True)
    if done is None:
        return None
    conversation_ids, counts = done
    files_clean = await asyncio.to_thread(erasure.truncate_wal, db.path)
    log.info(
        "contact erased",
        extra={"contact_id": contact_id, "by": staff_id, "via": via, "files_clean": files_clean},
    )
    return Erased(contact_id, conversation_ids, counts, files_clean)
