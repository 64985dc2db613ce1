"""What people write in a conversation is sealed at rest (issue 23): message bodies (the
client's, the bot's, a staff answer, the handoff summary), the flow state and the intake,
and the phrase a danger signal matched. A real client goes through the real service; the
raw columns then hold no text in clear, and the console still shows every text."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from storage import conversations
from storage.read_side import transcript
from storage.sealed_texts import conversation_subject, opened
from tests import line_events as ev
from tests.console.api_desk import ApiDesk, Client

# Typed where the flow asks who the writer is: kept as the answer, in the flow state, the
# intake and the handoff summary.
TYPED_ANSWER = "おばのMARKER-a1c9です"
AFTER_HANDOFF = "MARKER-b72e 息子が夜中に起きています"
STAFF_ANSWER = "佐藤です。MARKER-c04d お話を聞かせてください。"
POSSIBLE_DANGER = "もう何もかも嫌になった"  # a possible signal: a check-in, a signal row
MARKERS = ("MARKER-a1c9", "MARKER-b72e", "MARKER-c04d", POSSIBLE_DANGER)
# Taps after the typed answer (labels as the buttons say them); the rest are skipped.
TAPS = ["40代", "10年より長い", "話を聞いてほしい", "このチャットで"]


async def family_with_a_typed_answer(desk: ApiDesk) -> str:
    """A new LINE client chooses 家族のこと, types who they are, taps the rest: handed off."""
    user = ev.new_user_id()
    follow = ev.follow(user, desk.line.issue_reply_token(user), ts_ms=desk.ms())
    assert await desk.service.post_events(follow) == 200
    await desk.service.settle()
    wanted, typed = ["家族のこと", *TAPS], False
    for _ in range(20):
        calls = [c for c in desk.line.delivered if c.user_id == user]
        last = calls[-1].body["messages"][-1]
        items = last.get("quickReply", {}).get("items", [])
        offered = {item["action"]["label"]: item["action"]["data"] for item in items}
        if not offered:
            return user
        if not typed and "母" in offered:  # the question of who they are: typed, not tapped
            typed = True
            await desk.send(user, TYPED_ANSWER)
            continue
        label = next((tap for tap in wanted if tap in offered), None)
        if label is None:
            label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
        else:
            wanted.remove(label)
        token = desk.line.issue_reply_token(user)
        event = ev.postback(user, offered[label], token, desk.ms())
        assert await desk.service.post_events(event) == 200
        await desk.service.settle()
    raise AssertionError("the family flow should hand off")


async def a_conversation_with_every_text(desk: ApiDesk) -> tuple[Client, int]:
    sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
    user = await family_with_a_typed_answer(desk)
    await desk.send(user, AFTER_HANDOFF)
    await desk.send(user, POSSIBLE_DANGER)
    conversation_id = await desk.conversation_id(user)
    status, _ = await sato.post(
        f"/api/v1/conversations/{conversation_id}/messages", {"text": STAFF_ANSWER}
    )
    assert status == 202
    await desk.service.settle()
    return sato, conversation_id


def raw_columns(path: Any) -> dict[str, list[Any]]:
    """The sealed columns as a copied file gives them: no key, plain SQL."""
    with closing(sqlite3.connect(path)) as conn:
        return {
            "messages.body": [r[0] for r in conn.execute("SELECT body FROM messages")],
            "conversations.flow_state": [
                r[0] for r in conn.execute("SELECT flow_state FROM conversations")
            ],
            "conversations.intake": [
                r[0] for r in conn.execute("SELECT intake FROM conversations")
            ],
            "safety_signals.matched": [
                r[0] for r in conn.execute("SELECT matched FROM safety_signals")
            ],
        }


async def test_the_raw_columns_hold_no_text_in_clear(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        _, conversation_id = await a_conversation_with_every_text(desk)
        raw = raw_columns(desk.service.settings.database)

        def phrase(conn: Any) -> str | None:
            row = conn.execute("SELECT message_id, matched FROM safety_signals").fetchone()
            subject = conversation_subject(conn, conversation_id)
            return opened(conn, subject, "safety_signals", "matched", row[0], row[1])

        matched = await desk.db.read(phrase)

    assert len(raw["safety_signals.matched"]) == 1 and matched
    assert raw["conversations.intake"] != [None]
    for column, values in raw.items():
        stored = [value for value in values if value is not None]
        assert stored, f"{column}: nothing was written"
        # Sealed values are BLOBs; a TEXT would be words in clear.
        assert all(isinstance(value, bytes) for value in stored), column
        together = b"".join(stored)
        for marker in (*MARKERS, matched):
            assert marker.encode() not in together, (column, marker)


async def test_the_console_and_the_transcript_still_show_every_text(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato, conversation_id = await a_conversation_with_every_text(desk)

        status, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert status == 200
        texts = [m["text"] for m in detail["messages"]]
        for text in (TYPED_ANSWER, AFTER_HANDOFF, POSSIBLE_DANGER, STAFF_ANSWER):
            assert text in texts
        assert detail["intake"]["relationship"] == TYPED_ANSWER
        assert detail["intake"]["age_band"] == "40s"
        assert TYPED_ANSWER in detail["handoff_summary"]

        # The inbox row: the intake in a few words, the client's last words; and the intake
        # answers still find the case (compared once opened, not in SQL).
        status, found = await sato.get("/api/v1/conversations?queue=all&age_band=40s")
        assert status == 200
        [row] = found["conversations"]
        assert row["id"] == conversation_id
        assert row["intake_brief"]["relationship"] == TYPED_ANSWER
        assert row["preview"] == POSSIBLE_DANGER
        status, found = await sato.get("/api/v1/conversations?queue=all&age_band=20s")
        assert status == 200 and found["conversations"] == []

        # The read side and the bot's own reading of its state.
        shown, _ = await desk.db.read(transcript, conversation_id)
        assert STAFF_ANSWER in [m.text for m in shown]
        state = await desk.db.read(conversations.get, conversation_id)
        assert state is not None and TYPED_ANSWER in (state.flow_state or "")
