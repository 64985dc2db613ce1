"""Finding a case through GET /api/v1/conversations: by number, by writer, channel, counselor,
status, urgency, the day it began and intake answers; rows say who wrote, the intake in a
few words and the start of the client's last message; a wrong value is a 400 sentence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from staff_console.api.finding import AGE_BANDS, RELATIONSHIPS
from tests import line_events as ev
from tests.console.api_desk import ApiDesk, jst

FLOWS = Path(__file__).resolve().parents[2] / "flows"
# A mother's taps in the family flow (labels as the buttons say them), the rest skipped.
MOTHER = ["家族のこと", "母", "40代", "10年より長い", "話を聞いてほしい", "このチャットで"]
FATHER = ["家族のこと", "父", "20代", "1〜3年", "話を聞いてほしい", "このチャットで"]


async def through_the_family_flow(desk: ApiDesk, taps: list[str]) -> str:
    """A new LINE client taps `taps` (or skips) until the flow hands off."""
    user = ev.new_user_id()
    follow = ev.follow(user, desk.line.issue_reply_token(user), ts_ms=desk.ms())
    assert await desk.service.post_events(follow) == 200
    await desk.service.settle()
    wanted = list(taps)
    for _ in range(20):
        calls = [c for c in desk.line.delivered if c.user_id == user]
        items = calls[-1].body["messages"][-1].get("quickReply", {}).get("items", [])
        offered = {item["action"]["label"]: item["action"]["data"] for item in items}
        if not offered:
            return user
        label = next((tap for tap in wanted if tap in offered), None)
        if label is None:
            label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
        else:
            wanted.remove(label)
        token = desk.line.issue_reply_token(user)
        event = ev.postback(user, offered[label], token, ts_ms=desk.ms())
        assert await desk.service.post_events(event) == 200
        await desk.service.settle()
    raise AssertionError("the family flow should hand off")


def ids(body: dict[str, Any]) -> list[int]:
    return [row["id"] for row in body["conversations"]]


async def test_search_and_filters_find_the_case(tmp_path):
    async with ApiDesk.open(tmp_path, start=jst(2026, 11, 24, 10, 0)) as desk:
        sato_member = await desk.add_staff("sato", display="佐藤")
        kimura = await desk.add_staff("kimura", display="木村", role="supervisor")
        father = await through_the_family_flow(desk, FATHER)
        await desk.move(jst(2026, 11, 25, 10, 0) - desk.clock.now())
        sato, boss = await desk.sign_in(sato_member), await desk.sign_in(kimura)
        mother = await through_the_family_flow(desk, MOTHER)
        long_text = (
            "息子は35歳で、\n もう何年も部屋から出てきません。" + "どう接したらいいのか" * 10
        )
        await desk.send(mother, long_text)
        asker = await desk.ask_for_a_person(first="<b>夜</b>になると不安です")
        mother_id, father_id, asker_id = [
            await desk.conversation_id(u) for u in (mother, father, asker)
        ]
        status, _ = await boss.post(f"/api/v1/conversations/{asker_id}/urgent", {"urgent": True})
        assert status == 200

        async def find(query: str, client=sato) -> list[int]:
            status, body = await client.get(f"/api/v1/conversations?queue=all&{query}")
            assert status == 200, body
            return ids(body)

        assert await find(f"number={mother_id}") == [mother_id]
        assert await find(f"number=%23{father_id}") == [father_id]  # "#12" as typed
        assert await find("age_band=40s") == [mother_id]
        assert await find("relationship=father") == [father_id]
        assert await find("relationship=mother&age_band=20s") == []
        assert set(await find("writer=family")) == {mother_id, father_id}
        assert await find("writer=unknown") == [asker_id]
        assert await find("urgent=true") == [asker_id]
        assert set(await find("urgent=false")) == {mother_id, father_id}
        assert set(await find("channel=line")) == {mother_id, father_id, asker_id}
        assert await find("channel=web") == []
        assert set(await find(f"counselor={sato_member.id}")) == {mother_id, father_id, asker_id}
        assert await find("counselor=none") == []
        assert set(await find("status=assigned")) == {mother_id, father_id, asker_id}
        # The father began on the 24th (Tokyo days, both ends included).
        assert await find("since=2026-11-24&until=2026-11-24") == [father_id]
        assert set(await find("since=2026-11-25")) == {mother_id, asker_id}
        # Filters narrow a queue too: waiting, urgent first.
        status, waiting = await sato.get("/api/v1/conversations?queue=waiting&writer=family")
        assert status == 200 and set(ids(waiting)) == {mother_id, father_id}
        assert waiting["filters"] == {"writer": "family"}

        # A row says what it is about: who wrote, the intake in a few words, the client's
        # last written words cut short and on one line (as text: the page escapes them).
        status, body = await sato.get(f"/api/v1/conversations?queue=all&number={mother_id}")
        [row] = body["conversations"]
        assert row["writer"] == "family"
        assert row["intake_brief"]["relationship"] == "mother"
        assert row["intake_brief"]["age_band"] == "40s"
        preview = row["preview"]
        assert preview.startswith("息子は35歳で、 もう何年も") and "\n" not in preview
        assert len(preview) == 60 and preview.endswith("…")
        status, body = await sato.get(f"/api/v1/conversations?queue=all&number={asker_id}")
        # A typed message, not the taps, and as written (markup is the page's to escape).
        assert body["conversations"][0]["preview"] == "人と話したい"
        status, body = await sato.get(f"/api/v1/conversations?queue=all&number={father_id}")
        assert body["conversations"][0]["preview"] is None  # only taps so far

        # Looking for something is a look, and the audit log says what was looked for.
        status, audit = await boss.get("/api/v1/audit?action=view_queue")
        assert {"queue": "all", "age_band": "40s"} in [e["detail"] for e in audit["audit"]]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("writer=mother", "writer"),
        ("channel=fax", "channel"),
        ("status=open", "status"),
        ("urgent=maybe", "urgent"),
        ("age_band=35", "age_band"),
        ("relationship=cousin", "relationship"),
        ("counselor=sato", "counselor"),
        ("number=12a", "number"),
        ("number=0", "number"),
        ("since=25-11-2026", "YYYY-MM-DD"),
        ("since=2026-11-26&until=2026-11-25", "since"),
    ],
)
async def test_a_wrong_value_is_a_sentence_naming_it(tmp_path, query, words):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        status, body = await sato.get(f"/api/v1/conversations?{query}")
        assert status == 400
        assert isinstance(body["error"], str) and words in body["error"], body


async def test_sql_meta_characters_are_only_values(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato = await desk.sign_in(await desk.add_staff("sato"))
        await desk.ask_for_a_person()
        for hostile in ("1 OR 1=1", "1'--", "%27%20OR%20%271%27%3D%271"):
            status, body = await sato.get(f"/api/v1/conversations?queue=all&number={hostile}")
            assert status == 400, body


def _choice_ids(key: str) -> set[str]:
    found: set[str] = set()
    for path in FLOWS.glob("*.yaml"):
        flow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for step in (flow.get("steps") or {}).values():
            if isinstance(step, dict) and step.get("key") == key:
                found |= {str(choice["id"]) for choice in step.get("choices") or []}
    return found


@pytest.mark.parametrize(
    ("key", "allowed"), [("age_band", AGE_BANDS), ("relationship", RELATIONSHIPS)]
)
def test_the_filters_offer_every_answer_the_flows_can_give(key, allowed):
    choices = _choice_ids(key)
    assert choices, f"no question with key {key!r} in flows/*.yaml"
    assert choices <= set(allowed), choices - set(allowed)
    assert all(re.fullmatch(r"[a-z0-9_]+", value) for value in allowed)
