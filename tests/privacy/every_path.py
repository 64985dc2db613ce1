"""A person's words through every path they take into tobira, each with its own marker.

Shared by the proofs of issue 23: the raw database files hold none of them
(test_nothing_in_clear.py), and neither do the logs (test_logs_hold_nothing.py).
"""

from __future__ import annotations

import hashlib
import secrets

from yarl import URL

from tests import line_events as ev
from tests.console.api_desk import ApiDesk
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
    "malformed LINE event": marker("壊れたイベント"),
    "danger message": "もう死にたい。" + marker("危険"),
    # The words the safety check recognises in it, on their own: a match is kept by its
    # phrase id (safety_signals.matched), never by the client's words.
    "danger words": "死にたい",
}


async def write_through_every_path(desk: ApiDesk) -> dict[str, str]:
    """Every path, each with its marker; returns the platform ids used."""
    sato = await desk.add_staff("sato", display="佐藤")
    tanaka = await desk.add_staff("tanaka", display="田中")
    client = await desk.sign_in(sato)

    # LINE: a first message, then a free-text answer to "who is it about?": handed off,
    # with a summary for staff that quotes both.
    user = ev.new_user_id()
    desk.line.fail_next("reply", 500)  # the first reply is retried: a failure on record
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

    # Staff answer on both channels (LINE's push failing once first), and notes.
    desk.line.fail_next("push", 500)
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

    # An event LINE signed but we cannot read (no timestamp): kept as it came, whoever's.
    broken = ev.text(user, MARKERS["malformed LINE event"], desk.line.issue_reply_token(user))
    del broken["timestamp"]
    assert await desk.service.post_events(broken) == 200
    await desk.service.settle()

    # Someone in danger, on LINE: answered at once, the match recorded for staff.
    in_danger = ev.new_user_id()
    await desk.send(in_danger, MARKERS["danger message"])
    assert await desk.db.read(
        lambda conn: conn.execute("SELECT count(*) FROM safety_signals").fetchone()[0]
    ), "the danger message was recognised"
    return {
        "LINE user id": user,
        "LINE user id (danger)": in_danger,
        "web visitor id": web_id,
        # The web chat's event ids begin with it (bot/channels/web/api.py): still the id.
        "web visitor id, first 16": web_id[:16],
        "web visitor token": token,
    }
