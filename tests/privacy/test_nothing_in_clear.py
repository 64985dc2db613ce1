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

import hashlib
import secrets
import shutil
from pathlib import Path

from yarl import URL

from tests import line_events as ev
from tests.console.api_desk import ApiDesk
from tests.privacy.rawscan import describe, scan_files
from tests.web.test_webchat_api import web_conversation
from tests.web.visitor import Visitor


def marker(what: str) -> str:
    """Words nobody else writes: Japanese (so UTF-16 and \\u escapes differ from UTF-8) and a
    random tail (so a hit is this test's own)."""
    return f"{what}の秘密{secrets.token_hex(5)}"


MARKERS = {
    "LINE message": marker("ライン"),
    "LINE free-text answer": marker("自由記述"),
    "web chat message": marker("ウェブ"),
    "staff answer on LINE": marker("相談員の返事"),
    "staff answer on the web": marker("ウェブへの返事"),
    "note": marker("メモ"),
    "handover note": marker("申し送り"),
    "conference decision": marker("決定事項"),
    "action item": marker("行動項目"),
    "action item owner": marker("担当者"),
    "action item result": marker("結果"),
}


async def _write_through_every_path(desk: ApiDesk) -> dict[str, str]:
    """Every path, each with its marker; returns the platform ids used."""
    sato = await desk.add_staff("sato", display="佐藤")
    tanaka = await desk.add_staff("tanaka", display="田中")
    client = await desk.sign_in(sato)

    # LINE: a first message, then a free-text answer to "who is it about?": handed off,
    # with a summary for staff that quotes both.
    user = ev.new_user_id()
    await desk.send(user, MARKERS["LINE message"])
    await desk.send(user, MARKERS["LINE free-text answer"])
    line_conversation = await desk.conversation_id(user)
    _, detail = await client.get(f"/api/v1/conversations/{line_conversation}")
    assert MARKERS["LINE free-text answer"] in (detail["handoff_summary"] or ""), detail

    # The web chat: the same, typed on the page.
    async with Visitor(desk.service) as visitor:
        await visitor.start()
        status, body = await visitor.say(MARKERS["web chat message"])
        assert status == 202, body
        token = visitor.session.cookie_jar.filter_cookies(URL(visitor.url("/chat")))[
            "tobira_chat"
        ].value
    web_id = hashlib.sha256(token.encode("ascii")).hexdigest()
    web = await web_conversation(desk)

    # Staff answer on both channels, and notes.
    for conversation_id, label in [
        (line_conversation, "staff answer on LINE"),
        (web, "staff answer on the web"),
    ]:
        status, body = await client.post(
            f"/api/v1/conversations/{conversation_id}/messages", {"text": MARKERS[label]}
        )
        assert status in (200, 201, 202), body
    await desk.service.settle()
    assert any(MARKERS["staff answer on LINE"] in t for t in desk.line.delivered_texts(user))
    for body in [
        {"text": MARKERS["note"], "kind": "private"},
        {"text": MARKERS["handover note"], "kind": "handover", "to": tanaka.id},
    ]:
        status, answer = await client.post(f"/api/v1/conversations/{line_conversation}/notes", body)
        assert status == 201, answer

    # A household made from the LINE conversation, its conference and an action item done.
    status, body = await client.post(f"/api/v1/conversations/{line_conversation}/household", {})
    assert status == 201, body
    household_id = body["household"]["id"]
    status, body = await client.post(
        f"/api/v1/households/{household_id}/conferences",
        {
            "held_on": "2026-11-25",
            "agencies": ["地域包括支援センター", "保健センター"],
            "lead_agency": "保健センター",
            "key_worker_id": sato.id,
            "decisions": MARKERS["conference decision"],
            "next_review_on": "2027-02-25",
            "action_items": [
                {
                    "what": MARKERS["action item"],
                    "owner": {
                        "agency": "地域包括支援センター",
                        "person": MARKERS["action item owner"],
                    },
                    "due_on": "2026-12-02",
                }
            ],
        },
    )
    assert status == 201, body
    [item] = body["conference"]["action_items"]
    status, body = await client.post(
        f"/api/v1/action-items/{item['id']}/done", {"result": MARKERS["action item result"]}
    )
    assert status == 200, body
    await desk.service.settle()
    return {"LINE user id": user, "web visitor id": web_id, "web visitor token": token}


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
        ids = await _write_through_every_path(desk)
        await desk.db.backup(backup)
        running = _snapshot(db_path, tmp_path / "while-serving")
        assert any(p.name.endswith("-wal") for p in running), "the WAL is part of the proof"
    stopped = [db_path, db_path.with_name(db_path.name + "-wal")]

    needles = {**MARKERS, **ids}
    hits = scan_files([*running, *stopped, backup], needles)
    assert not hits, describe(hits)
