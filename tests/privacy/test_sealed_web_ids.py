"""A web chat visitor's id is stored nowhere in clear (issue 23), read raw from the real
database file: their platform id is the SHA-256 of their cookie token, and neither the token,
nor its SHA-256, nor a prefix of it is in the visitors' rows or the raw events. An erasure
deletes their visitor row, so the old cookie starts a new visitor; a database of an older
version, which held the SHA-256, is converted at open and its cookies go on working."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from yarl import URL

from tests.console.api_desk import ApiDesk
from tests.privacy.erase_scene import raw_files
from tests.web.visitor import Visitor

MARKER = "ウェブの秘密のマーカーです"
# Shorter than this, a run of hex digits may be anywhere by chance.
PREFIX = 10


def _raw(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows as the file holds them, read with no keyring at all."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _cookie(visitor: Visitor) -> str:
    jar = visitor.session.cookie_jar.filter_cookies(URL(visitor.url("/chat")))
    return jar["tobira_chat"].value


def _give_cookie(visitor: Visitor, token: str) -> None:
    cookie: SimpleCookie = SimpleCookie()
    cookie["tobira_chat"] = token
    cookie["tobira_chat"]["path"] = "/chat"
    visitor.session.cookie_jar.update_cookies(cookie, URL(visitor.url("/chat")))


def _names_the_visitor(value: Any, token: str) -> bool:
    data = value if isinstance(value, bytes) else str(value).encode()
    sha = hashlib.sha256(token.encode("ascii")).hexdigest()
    return any(text.encode() in data for text in (token, sha, sha[:PREFIX]))


def _web_rows(db: Path) -> list[tuple[Any, ...]]:
    return [
        *_raw(db, "SELECT * FROM web_visitors"),
        *_raw(db, "SELECT * FROM inbound_events WHERE channel = 'web'"),
    ]


async def _chatted(visitor: Visitor) -> str:
    """A visitor opened the page and wrote; returns their cookie token."""
    assert (await visitor.start())["visitor"] == "new"
    status, body = await visitor.say(MARKER)
    assert status == 202, body
    return _cookie(visitor)


async def test_web_rows_hold_neither_the_cookie_nor_its_hash_and_a_retry_is_kept_once(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        token = await _chatted(visitor)
        client_id = str(uuid.uuid4())
        for _ in range(2):  # a page sending the same message again after a dropped answer
            status, _ = await visitor.post(
                "/chat/api/messages", {"text": "もう一度", "id": client_id}
            )
            assert status == 202
        await desk.service.settle()
        texts = await visitor.texts()
        assert MARKER in texts and texts.count("もう一度") == 1, "the retry is kept once"

        rows = _web_rows(desk.db.path)
        assert len(_raw(desk.db.path, "SELECT 1 FROM web_visitors")) == 1
        assert len(rows) >= 4, rows  # the visitor, the page opening, two messages
        for row in rows:
            assert not any(_names_the_visitor(value, token) for value in row), row
        # Nor anywhere else in the files.
        assert not _names_the_visitor(raw_files(desk.db.path), token)


async def test_erasure_deletes_the_visitor_and_the_old_cookie_starts_afresh(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        token = await _chatted(visitor)
        [(contact_id, user_hash)] = _raw(
            desk.db.path, "SELECT id, user_hash FROM contacts WHERE channel = 'web'"
        )
        assert (await visitor.start())["visitor"] == "returning"

        status, body = await boss.post(f"/api/v1/contacts/{contact_id}/erase", {"confirm": "erase"})
        assert status == 200, body
        assert body["erased"]["deleted"]["web_visitors"] == 1
        assert _raw(desk.db.path, "SELECT * FROM web_visitors") == []

        # The same cookie again: a new visitor, a new contact, nothing of the old page.
        assert _cookie(visitor) == token
        assert (await visitor.start())["visitor"] == "new"
        assert _cookie(visitor) != token
        assert MARKER not in await visitor.texts()
        # (A freed id may be given again: the person is told apart by their hash.)
        web = _raw(desk.db.path, "SELECT user_hash FROM contacts WHERE channel = 'web'")
        assert web and user_hash not in [row[0] for row in web]


async def test_an_older_database_is_converted_and_its_cookie_still_works(tmp_path):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        token = await _chatted(visitor)
        db = desk.db.path
    # As an older version wrote them: the SHA-256 itself, and event ids that begin with it.
    sha = hashlib.sha256(token.encode("ascii")).hexdigest()
    with sqlite3.connect(db) as conn:
        assert conn.execute("UPDATE web_visitors SET token_hash = ?", (sha,)).rowcount == 1
        events = conn.execute(
            "UPDATE inbound_events SET event_id = ? || ':' || id WHERE channel = 'web'",
            (sha[:16],),
        ).rowcount
        assert events >= 2
    assert any(_names_the_visitor(value, token) for row in _web_rows(db) for value in row)

    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        rows = _web_rows(desk.db.path)
        assert len(_raw(desk.db.path, "SELECT 1 FROM web_visitors")) == 1
        for row in rows:
            assert not any(_names_the_visitor(value, token) for value in row), row
        _give_cookie(visitor, token)
        assert (await visitor.start())["visitor"] == "returning"
        assert MARKER in await visitor.texts()
        assert len(_raw(desk.db.path, "SELECT 1 FROM web_visitors")) == 1
