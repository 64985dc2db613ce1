"""Data keys and sealing on a real database file: what opens, and what refuses."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.sealing import KeyGone, MasterKeyError, MasterKeys, SealError, keyring_of
from tests.sealing_keys import TEST_KEYS

OTHER_KEYS = MasterKeys(bytes(range(1, 33)))


async def test_a_sealed_text_opens_only_in_its_own_place(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    try:

        def seal(conn):
            return keyring_of(conn).seal(conn, "contact:1", "messages", "body", 7, "ひみつ")

        sealed = await db.write(seal)
        assert b"\xe3\x81\xb2" not in sealed  # no UTF-8 of the text in the value

        def open_at(row, subject="contact:1"):
            return lambda conn: keyring_of(conn).open(
                conn, subject, "messages", "body", row, sealed
            )

        assert await db.read(open_at(7)) == "ひみつ"
        with pytest.raises(SealError):
            await db.read(open_at(8))  # copied to another row: refused
        with pytest.raises(KeyGone):
            await db.read(open_at(7, "contact:2"))  # nobody else's key opens it
        await db.write(lambda conn: keyring_of(conn).destroy(conn, "contact:1"))
        with pytest.raises(KeyGone):
            await db.read(open_at(7))
    finally:
        await db.close()


async def test_a_wrong_master_key_is_refused_with_a_sentence(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    await db.close()
    with pytest.raises(MasterKeyError, match="TOBIRA_DATA_KEY does not open this database"):
        await Database.open(tmp_path / "t.db", keys=OTHER_KEYS)


async def test_rewrapping_moves_every_data_key_to_the_new_master(tmp_path):
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)
    sealed = await db.write(
        lambda conn: keyring_of(conn).seal(conn, "contact:1", "messages", "body", 1, "x")
    )
    await db.close()
    both = MasterKeys(OTHER_KEYS.current, (TEST_KEYS.current,))
    db = await Database.open(tmp_path / "t.db", keys=both)
    while await db.write(lambda conn: keyring_of(conn).rewrap(conn, 1)):
        pass
    await db.close()
    db = await Database.open(tmp_path / "t.db", keys=OTHER_KEYS)  # the old key no longer needed
    try:
        opened = await db.read(
            lambda conn: keyring_of(conn).open(conn, "contact:1", "messages", "body", 1, sealed)
        )
        assert opened == "x"
    finally:
        await db.close()


async def test_a_reader_that_kept_an_erased_key_reads_the_next_owner_of_the_id(tmp_path):
    """Contact ids can be given again after an erasure: a key the reader unwrapped before
    must not stand in for the new person's."""
    db = await Database.open(tmp_path / "t.db", keys=TEST_KEYS)

    def seal(text):
        return lambda conn: keyring_of(conn).seal(conn, "contact:1", "messages", "body", 1, text)

    def opened(value):
        return lambda conn: keyring_of(conn).open(conn, "contact:1", "messages", "body", 1, value)

    try:
        first = await db.write(seal("まえのひと"))
        assert await db.read(opened(first)) == "まえのひと"  # the reader keeps that key
        kept = dict(db.keyring._read_keys)
        await db.write(lambda conn: keyring_of(conn).destroy(conn, "contact:1"))
        # A read that began before the erasure (an older snapshot) unwraps the key again
        # and puts it back once the erasure has forgotten it: the race, made certain.
        db.keyring._read_keys.update(kept)
        second = await db.write(seal("つぎのひと"))  # a new key for the same subject
        assert await db.read(opened(second)) == "つぎのひと"
        with pytest.raises(SealError):
            await db.read(opened(first))  # and the erased one stays unreadable
    finally:
        await db.close()
