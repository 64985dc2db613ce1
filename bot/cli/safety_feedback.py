"""`tobira safety export-feedback --out FILE [--since DATE]`: what staff marked in the
console ("danger missed" / "false alarm", issue 17) as lines for the next training run.

The format is the training data's (`label<TAB>about<TAB>text<TAB>writer`, with a header):
label is the level staff chose for a missed danger and `none` for a false alarm; about is
`unknown` for a missed danger (staff did not say whether it was about the writer or someone
else) and `-` for a false alarm, as the training data writes it for `none`; writer is
`feedback`. One line per message and label: staff who agree make one line. Tabs and line
breaks inside a message become spaces (the format is one message a line).

The file holds what clients wrote: special-care personal data. It is created readable by
its owner only, never over an existing file, and the export is recorded in the audit log
(without the words). `--out` is required: the words go to standard output only when asked
for by name (`--out -`), never by forgetting an option. The database is the one the staff
commands use: TOBIRA_DB when set, else `[database] path` of the configuration (--config or
TOBIRA_CONFIG), else var/tobira.db.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, TextIO

from bot.cli.operator import Refused, guarded, with_db
from bot.config.errors import ConfigError
from bot.config.loading import add_config_argument, load_settings
from bot.config.values import parse_date
from bot.runtime.clock import TOKYO
from storage import audit
from storage import safety_feedback as store
from storage.database import Database
from storage.safety_feedback import FeedbackLine
from storage.tx import Tx

HEADER = "label\tabout\ttext\twriter"
WRITER = "feedback"
_BREAKS = re.compile(r"[\t\r\n\v\f\u2028\u2029]+")

HELP = (
    "write the messages staff marked in the console (danger missed / false alarm) as"
    " training lines: label<TAB>about<TAB>text<TAB>writer. The output holds what clients"
    " wrote (special-care personal data): keep it only where client records may be kept,"
    " and delete it after the training run. The export is audited."
)


def register(safety_commands: Any) -> None:
    """Add `export-feedback` to `tobira safety`'s subcommands."""
    export = safety_commands.add_parser("export-feedback", help=HELP, description=HELP)
    export.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the file to create (readable by you only; an existing file is never"
        " overwritten); `-` for standard output, when you mean it",
    )
    export.add_argument(
        "--since",
        metavar="DATE",
        help="only marks made on or after this day (YYYY-MM-DD, Japan time)",
    )
    add_config_argument(export)
    export.set_defaults(run=guarded(_export))


def line_of(found: FeedbackLine) -> str:
    about = "-" if found.label == "none" else "unknown"
    text = _BREAKS.sub(" ", found.text).strip()
    return f"{found.label}\t{about}\t{text}\t{WRITER}"


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        day = parse_date(text, "--since", "nothing was written")
    except ConfigError as error:
        raise Refused(f"--since {error.message}") from None
    return datetime.combine(day, time(0), TOKYO)


def _create(path: Path) -> TextIO:
    """The new file, readable and writable by its owner only."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Refused(
            f"{path} exists; nothing was written (choose another name, or remove it first)"
        ) from None
    except OSError as error:
        raise Refused(f"cannot create {path}: {error.strerror}; nothing was written") from None
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


def _export(args: argparse.Namespace) -> int:
    since = _since(args.since)
    settings = load_settings(args.config)
    out = None if args.out == "-" else Path(args.out)
    # Create the file first: a path that cannot be written is refused before anything is
    # read or audited.
    file = _create(out) if out is not None else None
    now = datetime.now(UTC)

    def job(conn: Tx) -> list[FeedbackLine]:
        lines = store.lines_since(conn, since)
        audit.record(
            conn,
            staff_id=None,
            action="safety_feedback_export",
            conversation_id=None,
            at=now,
            detail={
                "lines": len(lines),
                "messages": len({line.message_id for line in lines}),
                "since": args.since,
                "to": "file" if out is not None else "stdout",
            },
        )
        return lines

    async def work(db: Database) -> list[FeedbackLine]:
        return await db.write(job)

    try:
        lines = with_db(settings, work)
        target = file if file is not None else sys.stdout
        target.write(HEADER + "\n")
        for found in lines:
            target.write(line_of(found) + "\n")
        target.flush()
    except BaseException:
        if file is not None and out is not None:
            file.close()
            out.unlink(missing_ok=True)  # half a file is worse than none
        raise
    if file is not None:
        file.close()
    messages = len({line.message_id for line in lines})
    where = str(out) if out is not None else "standard output"
    print(f"tobira: {len(lines)} lines ({messages} messages) to {where}", file=sys.stderr)
    return 0
