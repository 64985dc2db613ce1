"""Issue 23's first proof: a copied database file tells nobody anything.

The real service receives a marker text through every path a person's words take (a LINE
message, a web chat message, a free-text answer to an intake question and the handoff
summary made of it, a staff answer on each channel, a note, a conference's decision, an
action item's what, owner and result), then the raw bytes of the database, its WAL (copied
while the service ran, before the last checkpoint folds it away), the file left after the
service stopped and an online backup are read as someone holding a copy would read them:
no marker, and no platform user id, in any form (tests/privacy/rawscan.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.console.api_desk import ApiDesk
from tests.privacy.every_path import MARKERS, write_through_every_path
from tests.privacy.rawscan import describe, scan_files


def _snapshot(db: Path, into: Path) -> list[Path]:
    """The database and its WAL as they are this moment (a copy taken while serving)."""
    into.mkdir()
    copies = []
    for suffix in ("", "-wal"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            copies.append(Path(shutil.copyfile(source, into / source.name)))
    return copies


async def test_the_raw_database_wal_and_backup_hold_no_text_and_no_platform_id(tmp_path):
    db_path = tmp_path / "tobira.db"
    backup = tmp_path / "backup" / "tobira-backup.db"
    async with ApiDesk.open(tmp_path) as desk:
        ids = await write_through_every_path(desk)
        await desk.db.backup(backup)
        running = _snapshot(db_path, tmp_path / "while-serving")
        assert any(p.name.endswith("-wal") for p in running), "the WAL is part of the proof"
    stopped = [db_path, db_path.with_name(db_path.name + "-wal")]

    needles = {**MARKERS, **ids}
    hits = scan_files([*running, *stopped, backup], needles)
    assert not hits, describe(hits)
