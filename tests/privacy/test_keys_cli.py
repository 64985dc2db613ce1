"""`tobira keys new` and `tobira keys rotate` as the operator calls them, and start-up
without a key."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from bot.cli.main import main
from bot.config.privacy import NO_KEY
from storage.database import Database
from storage.sealing import MasterKeys, keyring_of, parse_key
from tests.sealing_keys import TEST_KEY_TEXT

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(100, 132))).decode()
KEY_C = base64.b64encode(bytes(range(200, 232))).decode()
REFUSED = (
    "tobira: TOBIRA_DATA_KEY does not open this database: its data keys were wrapped by"
    " another master key"
)


def keys(current: str, *old: str) -> MasterKeys:
    return MasterKeys(parse_key(current, "key"), tuple(parse_key(key, "old key") for key in old))


def test_keys_new_prints_a_fresh_valid_key(capsys):
    assert main(["keys", "new"]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["keys", "new"]) == 0
    second = capsys.readouterr().out.strip()
    assert len(parse_key(first, "printed")) == 32
    assert first != second


@pytest.mark.subprocess
def test_the_service_without_a_key_refuses_to_start_with_one_sentence(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TOBIRA_"))}
    env["TOBIRA_DB"] = str(tmp_path / "tobira.db")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"tobira: {NO_KEY}"]
    assert not (tmp_path / "tobira.db").exists()


TEXTS = {f"contact:{n}": f"ことば{n}" for n in range(1, 8)}


def _write_under(db_path, master: MasterKeys) -> dict[str, bytes]:
    async def run() -> dict[str, bytes]:
        db = await Database.open(db_path, keys=master)
        try:

            def job(conn):
                return {
                    subject: keyring_of(conn).seal(conn, subject, "messages", "body", 1, text)
                    for subject, text in TEXTS.items()
                }

            return await db.write(job)
        finally:
            await db.close()

    return asyncio.run(run())


def _read_with(db_path, master: MasterKeys, sealed: dict[str, bytes]) -> dict[str, str | None]:
    async def run() -> dict[str, str | None]:
        db = await Database.open(db_path, keys=master)
        try:

            def job(conn):
                return {
                    subject: keyring_of(conn).open(conn, subject, "messages", "body", 1, value)
                    for subject, value in sealed.items()
                }

            return await db.read(job)
        finally:
            await db.close()

    return asyncio.run(run())


def _rotate(monkeypatch, capsys, db_path, current: str | None, old: str | None, *more: str):
    monkeypatch.setenv("TOBIRA_DB", str(db_path))
    monkeypatch.delenv("TOBIRA_CONFIG", raising=False)
    for name, value in (("TOBIRA_DATA_KEY", current), ("TOBIRA_DATA_KEYS_OLD", old)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    code = main(["keys", "rotate", *more])
    out, err = capsys.readouterr()
    return code, out, err


def test_rotate_rewraps_everything_so_the_old_key_is_no_longer_needed(
    tmp_path, monkeypatch, capsys
):
    db_path = tmp_path / "t.db"
    sealed = _write_under(db_path, keys(KEY_A))
    with pytest.raises(Exception, match="does not open this database"):
        _read_with(db_path, keys(KEY_B), sealed)

    code, out, err = _rotate(monkeypatch, capsys, db_path, KEY_B, KEY_A, "--batch", "3")
    assert (code, err) == (0, "")
    summary = json.loads(out.splitlines()[-1])
    # Every contact's key and the lookup key (the "index" subject).
    assert (summary["rotated"], summary["left"]) == (len(TEXTS) + 1, 0)
    assert summary["made_under_old_key"] == 0
    assert _read_with(db_path, keys(KEY_B), sealed) == TEXTS

    code, out, _ = _rotate(monkeypatch, capsys, db_path, KEY_B, KEY_A)
    assert code == 0 and json.loads(out)["rotated"] == 0  # run again: nothing left


def test_an_interrupted_rotation_is_finished_by_the_next_run(tmp_path, monkeypatch, capsys):
    db_path = tmp_path / "t.db"
    sealed = _write_under(db_path, keys(KEY_A))

    async def part() -> int:  # a run stopped after its first batch of 3
        db = await Database.open(db_path, keys=keys(KEY_B, KEY_A))
        try:
            return await db.write(lambda conn: keyring_of(conn).rewrap(conn, 3))
        finally:
            await db.close()

    assert asyncio.run(part()) == 3
    code, out, _ = _rotate(monkeypatch, capsys, db_path, KEY_B, KEY_A)
    assert code == 0 and json.loads(out)["rotated"] == len(TEXTS) + 1 - 3
    assert _read_with(db_path, keys(KEY_B), sealed) == TEXTS


@pytest.mark.parametrize(
    ("current", "old", "said"),
    [
        (KEY_B, None, REFUSED),  # the old key not given
        (KEY_C, KEY_B, REFUSED),  # the wrong one given
        (None, None, f"tobira: {NO_KEY}"),
        ("not a key", KEY_A, "tobira: TOBIRA_DATA_KEY is not base64"),
    ],
    ids=["old-key-missing", "wrong-old-key", "no-key", "malformed"],
)
def test_rotate_refuses_a_wrong_or_missing_key_with_one_sentence(
    tmp_path, monkeypatch, capsys, current, old, said
):
    db_path = tmp_path / "t.db"
    sealed = _write_under(db_path, keys(KEY_A))
    code, out, err = _rotate(monkeypatch, capsys, db_path, current, old)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(said), err
    assert _read_with(db_path, keys(KEY_A), sealed) == TEXTS  # untouched


def test_rotate_refuses_a_database_that_is_not_there(tmp_path, monkeypatch, capsys):
    code, _, err = _rotate(monkeypatch, capsys, tmp_path / "typo.db", TEST_KEY_TEXT, None)
    assert code == 2 and err.startswith("tobira: there is no database at")
    assert not (tmp_path / "typo.db").exists()


def test_rotate_says_when_a_process_still_makes_keys_under_the_old_one(
    tmp_path, monkeypatch, capsys
):
    db_path = tmp_path / "t.db"
    _write_under(db_path, keys(KEY_A))
    # As a service still running with the old key alone would leave it: a key made after
    # the rotation started, under the old master key.
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE data_keys SET created_at = '9999-01-01' WHERE subject = 'contact:1'")
    code, out, err = _rotate(monkeypatch, capsys, db_path, KEY_B, KEY_A)
    assert code == 1
    assert json.loads(out)["made_under_old_key"] == 1
    assert err.startswith("tobira: data keys were still being made under an old master key")
