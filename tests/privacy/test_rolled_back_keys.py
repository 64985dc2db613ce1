"""A data key made by a write that was rolled back is never used again from memory: the
texts sealed after it must open after a restart."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.sealing import keyring_of
from tests.sealing_keys import TEST_KEYS


def _seal(row: int, text: str):
    return lambda conn: keyring_of(conn).seal(conn, "contact:9", "messages", "body", row, text)


@pytest.mark.parametrize("heavy", [False, True], ids=["batched", "alone"])
async def test_a_key_made_by_a_failed_job_is_not_kept_in_memory(tmp_path, heavy):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:

        def failing(conn):
            _seal(1, "a")(conn)  # makes contact:9's key, then the job fails
            raise ValueError("the job fails after sealing")

        with pytest.raises(ValueError):
            await db.write(failing, heavy=heavy)
        sealed = await db.write(_seal(2, "b"), heavy=heavy)
    finally:
        await db.close()
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:
        opened = await db.read(
            lambda conn: keyring_of(conn).open(conn, "contact:9", "messages", "body", 2, sealed)
        )
    finally:
        await db.close()
    assert opened == "b"
