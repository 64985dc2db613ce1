"""Look for texts in raw bytes, the way someone holding a copied file would.

A text is looked for in every form a store or a log could hold it in: UTF-8, UTF-16 (both
byte orders, as SQLite stores text in a UTF-16 database) and JSON's \\u escapes (both cases
of hex). A hit in a SQLite file is then located: which table, column and row hold it, so a
failure names the column to seal rather than a byte offset.

    found = scan_files([db, wal, backup], {"line message": MARKER, "line user": user_id})
    assert not found, describe(found)
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Hit:
    label: str  # what was looked for ("web chat message", "LINE user id")
    form: str  # how it was written ("utf-8", "utf-16-le", "json-escaped")
    where: str  # the file (and offset), or the log line
    located: tuple[str, ...] | None = None  # table.column#row in the database holding it


def forms(text: str) -> dict[str, bytes]:
    """Every byte form of `text` worth looking for (a form equal to another is kept once):
    the text itself and its JSON escapes, each in UTF-8 and in UTF-16 of either order."""
    escaped = json.dumps(text, ensure_ascii=True)[1:-1]
    variants = {"": text, "json-escaped ": escaped, "json-escaped-upper ": _upper_escapes(escaped)}
    unique: dict[str, bytes] = {}
    for prefix, variant in variants.items():
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            data = variant.encode(encoding)
            if data not in unique.values():
                unique[prefix + encoding] = data
    return unique


def _upper_escapes(escaped: str) -> str:
    parts = escaped.split("\\u")
    return parts[0] + "".join("\\u" + p[:4].upper() + p[4:] for p in parts[1:])


def scan_bytes(data: bytes, needles: Mapping[str, str], where: str) -> list[Hit]:
    hits = []
    for label, text in needles.items():
        for form, pattern in forms(text).items():
            at = data.find(pattern)
            if at >= 0:
                hits.append(Hit(label, form, f"{where} @{at}"))
    return hits


def scan_files(paths: Iterable[Path], needles: Mapping[str, str]) -> list[Hit]:
    """Hits in each file that exists (a missing -wal file holds nothing); every path must
    be given on purpose, so at least one of them must exist."""
    hits: list[Hit] = []
    present = [path for path in paths if path.exists()]
    assert present, "nothing to scan: none of the files exists"
    for path in present:
        found = scan_bytes(path.read_bytes(), needles, f"{path.parent.name}/{path.name}")
        database = _database_of(path)
        if found and database is not None:
            found = [
                Hit(h.label, h.form, h.where, locate(database, needles[h.label])) for h in found
            ]
        hits += found
    return hits


def scan_lines(lines: Iterable[str], needles: Mapping[str, str]) -> list[Hit]:
    """Hits in log lines (each as written, UTF-8), naming the line."""
    hits: list[Hit] = []
    for number, line in enumerate(lines, 1):
        for hit in scan_bytes(line.encode("utf-8"), needles, f"line {number}"):
            hits.append(Hit(hit.label, hit.form, f"{hit.where}: {line[:300]}"))
    return hits


def _database_of(path: Path) -> Path | None:
    """The database file a file belongs to (itself, or the one beside its -wal), if any."""
    if path.name.endswith("-wal"):
        path = path.with_name(path.name.removesuffix("-wal"))
    if not path.exists():
        return None
    with path.open("rb") as file:
        return path if file.read(16) == b"SQLite format 3\x00" else None


def locate(path: Path, text: str) -> tuple[str, ...]:
    """Where in the database's live rows a text is held (in any form above): table.column#rowid.

    Opened on a copy (with its -wal, so the latest rows are read), never the file itself:
    the scan must not change what it scans. Empty when only free pages or old WAL frames
    hold it.
    """
    patterns = list(forms(text).values())
    found: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "copy.db"
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name("copy.db-wal"))
        conn = sqlite3.connect(copy)
        conn.text_factory = bytes
        try:
            tables = [
                r[0].decode()
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            for table in tables:
                columns = [r[1].decode() for r in conn.execute(f'PRAGMA table_info("{table}")')]
                rowid = "rowid" if _has_rowid(conn, table) else "NULL"
                for row in conn.execute(f'SELECT {rowid}, * FROM "{table}"'):
                    for column, value in zip(columns, row[1:], strict=True):
                        if isinstance(value, bytes) and any(p in value for p in patterns):
                            found.append(f"{table}.{column}#{row[0]}")
        finally:
            conn.close()
    return tuple(found)


def _has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    try:
        conn.execute(f'SELECT rowid FROM "{table}" LIMIT 1')
    except sqlite3.OperationalError:
        return False
    return True


def describe(hits: Iterable[Hit]) -> str:
    return "found in clear:\n" + "\n".join(
        f"  {h.label} ({h.form}) in {h.where}"
        + ("" if h.located is None else f" -> {', '.join(h.located) or 'no live row'}")
        for h in hits
    )
