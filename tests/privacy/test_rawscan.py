"""The raw scan finds a text however it is stored, and names the column that holds it: the
proofs that rely on it (test_nothing_in_clear.py, test_logs_hold_nothing.py) pass only
because nothing is there, never because the scan looked the wrong way."""

from __future__ import annotations

import json
import sqlite3

from tests.privacy.rawscan import Hit, forms, scan_files, scan_lines

SECRET = "ひみつの相談abc"
USER = "U" + "1f" * 16


def test_every_form_of_a_text_is_looked_for():
    found = forms(SECRET)
    assert set(found) == {
        f"{variant}{encoding}"
        for variant in ("", "json-escaped ", "json-escaped-upper ")
        for encoding in ("utf-8", "utf-16-le", "utf-16-be")
    }
    assert found["json-escaped utf-8"] == json.dumps(SECRET).strip('"').encode()
    assert b"\\u3072" in found["json-escaped utf-8"]
    assert "\\u306E".encode("utf-16-le") in found["json-escaped-upper utf-16-le"]
    assert set(forms(USER)) == {"utf-8", "utf-16-le", "utf-16-be"}  # ASCII: escapes are UTF-8


def _file(hit: Hit) -> str:
    return hit.where.split(" @")[0].split("/")[-1]


def _database(path, encoding="UTF-8"):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA encoding = '{encoding}'")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, user BLOB)")
    return conn


def test_a_clear_column_is_found_in_the_wal_and_the_file_and_named(tmp_path):
    conn = _database(tmp_path / "a.db")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    with conn:
        conn.execute("INSERT INTO notes VALUES (7, ?, ?)", (f"前置き{SECRET}", USER.encode()))
    wal = tmp_path / "a.db-wal"
    hits = scan_files([tmp_path / "a.db", wal], {"note": SECRET, "user": USER})
    assert {(h.label, _file(h), h.located) for h in hits} == {
        ("note", "a.db-wal", ("notes.body#7",)),
        ("user", "a.db-wal", ("notes.user#7",)),
    }
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    hits = scan_files([tmp_path / "a.db", wal], {"note": SECRET})
    assert [(_file(h), h.located) for h in hits] == [("a.db", ("notes.body#7",))]


def test_a_utf16_database_and_a_json_escaped_value_are_found(tmp_path):
    conn = _database(tmp_path / "b.db", "UTF-16le")
    with conn:
        conn.execute("INSERT INTO notes VALUES (1, ?, NULL)", (SECRET,))
        conn.execute("INSERT INTO notes VALUES (2, ?, NULL)", (json.dumps({"t": SECRET}),))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    hits = scan_files([tmp_path / "b.db"], {"note": SECRET})
    # (ASCII in UTF-16 of one order also reads as the other order, one byte on.)
    assert {"utf-16-le", "json-escaped utf-16-le"} <= {h.form for h in hits}
    assert all(h.located for h in hits)


def test_a_sealed_or_absent_text_is_not_found(tmp_path):
    conn = _database(tmp_path / "c.db")
    with conn:
        conn.execute("INSERT INTO notes VALUES (1, 'nothing here', ?)", (b"\x00" * 64,))
    conn.close()
    assert scan_files([tmp_path / "c.db", tmp_path / "c.db-wal"], {"note": SECRET}) == []


def test_log_lines_are_scanned_as_written():
    lines = ['{"event": "turn done"}', json.dumps({"text": SECRET}), f"user={USER}"]
    hits = scan_lines(lines, {"note": SECRET, "user": USER})
    assert [(h.label, h.form, h.where.split(":")[0]) for h in hits] == [
        ("note", "json-escaped utf-8", "line 2 @10"),
        ("user", "utf-8", "line 3 @5"),
    ]
