"""One serving tobira per database file: an exclusive lock on a file beside it, held for as
long as the process serves.

Two demos on different ports used to share var/demo.db without a word. The lock is the
operating system's (flock): it ends with the process however the process ends, kill -9
included, so a lock file left behind never blocks the next start.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class InUse(Exception):
    """Another process serves this database; the message is one sentence for the operator."""


def hold(database: Path) -> IO[str]:
    """Take the database's lock, or raise InUse. Keep the returned file open while serving."""
    path = Path(f"{database}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        raise InUse(
            f"the database {database} is already in use by another tobira (process {pid});"
            " stop that one first, or give this one a database of its own with TOBIRA_DB,"
            f" e.g. TOBIRA_DB={database.with_name('other.db')}"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
