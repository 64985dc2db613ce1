"""`tobira keys`: make a master key; re-wrap every data key under a new one (rotation).

Rotation, as the README's "Keys" section tells it: 1) restart the service with
TOBIRA_DATA_KEY = the new key and TOBIRA_DATA_KEYS_OLD = the old one; 2) `tobira keys rotate`
(the service keeps running: this is another process on the same file, in short
transactions); 3) restart the service with the new key alone. Only data keys are re-wrapped,
never a message, so it is quick; each batch is done or not, so it is safe to stop and run
again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bot.cli.operator import Refused, guarded, with_db
from bot.config.loading import add_config_argument, load_settings
from storage.database import Database
from storage.sealing import MasterKeyError, new_key_text
from storage.tx import Tx

BATCH = 200
# Between two batches: room for the serving process to take the write lock (SQLite's
# lock is not fair, and a busy waiter sleeps before trying again).
PAUSE = 0.02  # seconds
PROGRESS_EVERY = 1.0  # seconds between two progress lines

STILL_OLD = (
    "data keys were still being made under an old master key while rotating: restart the"
    " service with TOBIRA_DATA_KEY set to the new key (and the old one in"
    " TOBIRA_DATA_KEYS_OLD) first, then run `tobira keys rotate` again"
)


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="master keys for what people write (issue 23)")
    sub = keys.add_subparsers(title="keys commands")
    new = sub.add_parser("new", help="print a fresh master key (base64 of 32 bytes)")
    new.set_defaults(run=_new)
    rotate = sub.add_parser(
        "rotate",
        help="re-wrap every data key under TOBIRA_DATA_KEY (the old key in"
        " TOBIRA_DATA_KEYS_OLD); safe while serving, safe to stop and run again",
    )
    add_config_argument(rotate)
    rotate.add_argument("--batch", type=int, default=BATCH, help="data keys per transaction")
    rotate.set_defaults(run=guarded(_rotate, MasterKeyError))


def _new(args: argparse.Namespace) -> int:
    # Printed, never stored: where it is kept (a secret store, not beside the backups) is
    # the operator's choice; README "Keys".
    print(new_key_text())
    return 0


def _rotate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if not settings.database.exists():
        raise Refused(f"there is no database at {settings.database} to rotate (TOBIRA_DB)")
    if args.batch < 1:
        raise Refused("--batch must be at least 1")
    summary = with_db(settings, lambda db: rotate(db, args.batch))
    print(json.dumps(summary), flush=True)
    if summary["made_under_old_key"]:
        print(f"tobira: {STILL_OLD}", file=sys.stderr)
        return 1
    return 0


async def rotate(db: Database, batch: int, pause: float = PAUSE) -> dict[str, Any]:
    """Re-wrap every data key still under an older master key, one batch per transaction;
    prints a progress line (JSON) now and then, returns the summary."""
    keyring = db.keyring
    current = keyring.master.current_id
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    printed = started
    rotated = 0
    made_under_old_key: set[str] = set()

    def job(conn: Tx) -> tuple[int, list[str]]:
        # Keys made since the rotation started (after its first second: created_at counts
        # seconds), yet not under the current key: a process (the service) still wraps new
        # keys with the old one, so the old key stays needed.
        late = conn.execute(
            "SELECT subject FROM data_keys WHERE master_id != ? AND created_at > ?",
            (current, started_at),
        ).fetchall()
        return keyring.rewrap(conn, batch), [str(row[0]) for row in late]

    while True:
        done, late = await db.write(job)
        rotated += done
        made_under_old_key.update(late)
        if done < batch:
            break
        if time.monotonic() - printed >= PROGRESS_EVERY:
            printed = time.monotonic()
            print(json.dumps({"rotated": rotated}), flush=True)
        await asyncio.sleep(pause)
    left = await db.fetch_one("SELECT COUNT(*) FROM data_keys WHERE master_id != ?", (current,))
    return {
        "rotated": rotated,
        "left": int(left[0]),
        "master_key": current,
        "made_under_old_key": len(made_under_old_key),
        "seconds": round(time.monotonic() - started, 3),
    }
