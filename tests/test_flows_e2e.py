"""A family member from follow to handoff, through /webhooks/line and the fake LINE API."""

from __future__ import annotations

import json

from bot.channels.line.render import utf16_units
from storage import contacts, conversations, messages
from tests import line_events as ev

# Labels a worried mother would tap, one per question, in the order the family flow asks.
MOTHER_TAPS = ["家族のこと", "母", "40代", "10年より長い", "話を聞いてほしい", "このチャットで"]


def check_limits(call) -> None:
    """LINE's limits and TONE's: every call the bot made is one LINE would accept."""
    body = call.body
    assert call.status == 200, call.summary()
    assert 1 <= len(body["messages"]) <= 3  # TONE: at most 3 messages in one turn (<= 5 LINE)
    for message in body["messages"]:
        assert utf16_units(message["text"]) <= 5000
        items = message.get("quickReply", {}).get("items", [])
        assert len(items) <= 13
        for item in items:
            assert len(item["action"]["label"]) <= 20
            assert len(item["action"]["data"]) <= 300


def buttons(call) -> dict[str, str]:
    items = call.body["messages"][-1].get("quickReply", {}).get("items", [])
    return {item["action"]["label"]: item["action"]["data"] for item in items}


async def test_a_mother_goes_from_follow_to_handoff(service, line):
    user = ev.new_user_id()
    await service.post_events(ev.follow(user, line.issue_reply_token(user)))
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    taps = list(MOTHER_TAPS)
    while taps or buttons(line.delivered[-1]):
        last = line.delivered[-1]
        check_limits(last)
        offered = buttons(last)
        # Our planned answer when it is offered; otherwise skip, as anyone may.
        label = next((t for t in taps if t in offered), None)
        if label is None:
            label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
        else:
            taps.remove(label)
        before = len(line.delivered)
        await service.post_events(ev.postback(user, offered[label], line.issue_reply_token(user)))
        await line.wait_for(lambda fake, n=before: len(fake.delivered) == n + 1)
        assert len(line.delivered) < 30, "the flow should reach a handoff"
    check_limits(line.delivered[-1])
    assert not [c for c in line.calls if c.status != 200], line.summary()

    contact = await service.db.read(contacts.find, "line", user)
    conversation = await service.db.read(conversations.open_for, contact.id)
    assert conversation.status == "queued"
    assert conversation.topic == "family"
    intake = json.loads(conversation.intake)
    assert intake["who"] == "family"
    assert intake["relationship"] == "mother"
    assert intake["age_band"] == "40s"
    assert "listen" in intake["wishes"]
    transcript = await service.db.read(messages.for_conversation, conversation.id)
    summary = [m for m in transcript if m.kind == "handoff_summary"]
    assert len(summary) == 1 and "母" in summary[0].body

    # The handoff turn says who answers and when (no staff here: a counselor, not a name).
    # Its exact wording by the clock is tested in test_handoff.py with an injected clock.
    last_text = line.delivered[-1].body["messages"][-1]["text"]
    assert "相談員" in last_text
    assert "までにお返事します" in last_text or "以降に、相談員からお返事します" in last_text
    # The announcement answered the flow: what she writes next gets its own acknowledgement
    # (tests/console/test_closing_the_loop.py), and only once per unanswered burst.
    await service.post_events(ev.text(user, "よろしくお願いします", line.issue_reply_token(user)))
    await service.settle()
    assert "メッセージを受け取りました" in line.delivered[-1].body["messages"][-1]["text"]
    before = len(line.delivered)
    await service.post_events(ev.text(user, "息子のことです", line.issue_reply_token(user)))
    await service.settle()
    assert len(line.delivered) == before


async def test_flow_state_survives_a_restart(tmp_path, line):
    """The person answers one question, the service restarts, the next answer continues."""
    from tests.service import RunningService, settings_for

    settings = settings_for(tmp_path / "tobira.db", line)
    async with RunningService(settings) as first:
        user = ev.new_user_id()
        await first.post_events(ev.follow(user, line.issue_reply_token(user)))
        await line.wait_for(lambda fake: len(fake.delivered) == 1)
        family = buttons(line.delivered[-1])["家族のこと"]
        await first.post_events(ev.postback(user, family, line.issue_reply_token(user)))
        await line.wait_for(lambda fake: len(fake.delivered) == 2)
    async with RunningService(settings) as second:
        mother = buttons(line.delivered[-1])["母"]
        await second.post_events(ev.postback(user, mother, line.issue_reply_token(user)))
        await line.wait_for(lambda fake: len(fake.delivered) == 3)
        assert "何歳" in line.delivered[-1].body["messages"][-1]["text"]
