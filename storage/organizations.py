"""Organisations that staff the window: configured in TOML, mirrored here for foreign keys."""

from __future__ import annotations

from collections.abc import Iterable

from storage.tx import Tx


def sync(conn: Tx, orgs: Iterable[tuple[str, str]]) -> None:
    """Make every configured (id, name) exist, renaming where the name changed.

    Organisations no longer configured are kept: staff and old conversations still point
    at them.
    """
    conn.executemany(
        "INSERT INTO organizations (id, name) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE name != excluded.name",
        list(orgs),
    )
