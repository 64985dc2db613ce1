"""The LINE webhook against the real app on a loopback port and the fake LINE API."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from storage import contacts, conversations, events, messages, outbox
from tests import line_events as ev
from tests.service import SECRET, RunningService, settings_for


async def test_follow_gets_a_greeting_through_the_reply_endpoint(service, line):
    user = ev.new_user_id()
    token = line.issue_reply_token(user)
    assert await service.post_events(ev.follow(user, token)) == 200
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    call = line.delivered[0]
    assert call.endpoint == "reply"
    assert call.body["replyToken"] == token
    # First contact: a welcome, the privacy note, and one question with answer buttons.
    texts = [m["text"] for m in call.body["messages"]]
    assert len(texts) <= 3 and "名前を言わずに" in texts[0]
    assert call.body["messages"][-1]["quickReply"]["items"]
    contact = await service.db.read(contacts.find, "line", user)
    assert contact is not None and contact.reachable


async def test_missing_or_wrong_signature_is_400_and_stores_nothing(service, line, caplog):
    user = ev.new_user_id()
    body = ev.payload(ev.text(user, "秘密の相談内容", line.issue_reply_token(user)))
    with caplog.at_level(logging.INFO):
        missing = await service.post_raw(body, {"Content-Type": "application/json"})
        wrong = await service.post_raw(body, {"X-Line-Signature": ev.sign(body, "another-secret")})
        tampered = await service.post_raw(
            body.replace("秘密".encode(), "公開".encode()),
            {"X-Line-Signature": ev.sign(body, SECRET)},
        )
    assert (missing.status, wrong.status, tampered.status) == (400, 400, 400)
    assert await service.db.read(events.counts_by_status) == {}
    assert line.calls == []
    assert "秘密" not in caplog.text and user not in caplog.text


async def test_line_verify_call_with_no_events_gets_200(service, line):
    assert await service.post_events() == 200
    assert await service.db.read(events.counts_by_status) == {}


async def test_same_event_twice_gives_one_message_and_one_answer(service, line):
    user = ev.new_user_id()
    event = ev.text(user, "こんにちは", line.issue_reply_token(user))
    assert await service.post_events(event) == 200
    assert await service.post_events(ev.redelivered(event)) == 200
    await service.settle()
    assert len(line.delivered) == 1
    contact = await service.db.read(contacts.find, "line", user)
    rows = await service.db.fetch_all(
        "SELECT m.direction FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        " WHERE c.contact_id = ?",
        (contact.id,),
    )
    sent = len(line.delivered[0].body["messages"])
    assert [row[0] for row in rows] == ["in"] + ["out"] * sent


async def test_expired_reply_token_is_answered_by_push_with_a_retry_key(service, line):
    user = ev.new_user_id()
    old = ev.now_ms() - 10 * 60 * 1000  # ten minutes ago: past the 50 s reply window
    assert await service.post_events(ev.text(user, "遅れて届いた", "stale-token", ts_ms=old)) == 200
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    call = line.delivered[0]
    assert call.endpoint == "push"
    assert call.body["to"] == user
    assert len(call.headers["x-line-retry-key"]) == 36


async def test_line_500_then_200_delivers_once_with_the_same_retry_key(service, line):
    user = ev.new_user_id()
    line.fail_next("push", 500)
    old = ev.now_ms() - 60 * 60 * 1000
    await service.post_events(ev.text(user, "もしもし", "unused", ts_ms=old))
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    await service.settle()
    pushes = line.calls_to("push")
    assert [c.status for c in pushes] == [500, 200]
    assert pushes[0].headers["x-line-retry-key"] == pushes[1].headers["x-line-retry-key"]
    assert len(line.delivered) == 1
    assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}


async def test_reply_500_then_retry_delivers_once(service, line):
    user = ev.new_user_id()
    line.fail_next("reply", 503)
    await service.post_events(ev.text(user, "こんばんは", line.issue_reply_token(user)))
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    await service.settle()
    assert [c.status for c in line.calls] == [503, 200]


async def test_push_timeout_that_was_delivered_is_not_sent_twice(service, line):
    user = ev.new_user_id()
    line.delay_next("push", 3.0)  # longer than the app's 2 s request timeout; LINE delivers
    await service.post_events(ev.text(user, "届いていますか", "x", ts_ms=ev.now_ms() - 600_000))
    await line.wait_for(lambda fake: len(fake.calls_to("push")) >= 2, timeout=15)
    await service.settle(timeout=15)
    assert len(line.delivered) == 1
    assert line.calls_to("push")[-1].status == 409
    assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}


async def test_other_4xx_gives_up_and_keeps_the_reason(service, line):
    user = ev.new_user_id()
    line.fail_next("push", 403)
    await service.post_events(ev.text(user, "テスト", "x", ts_ms=ev.now_ms() - 600_000))
    await line.wait_for(lambda fake: len(fake.sends) == 1)
    await service.settle()
    row = await service.db.fetch_one("SELECT status, last_error, attempts FROM outbox")
    assert row[0] == "failed" and "403" in row[1] and row[2] == 1


async def test_unfollow_marks_unreachable_and_cancels_queued_messages(service, line):
    user = ev.new_user_id()
    line.fail_next("push", 500, 500, 500, 500, 500, 500, 500, 500)
    await service.post_events(ev.text(user, "またね", "x", ts_ms=ev.now_ms() - 600_000))
    await line.wait_for(lambda fake: len(fake.sends) >= 1)
    await service.post_events(ev.unfollow(user))
    await service.settle()
    contact = await service.db.read(contacts.find, "line", user)
    assert contact is not None and not contact.reachable
    assert await service.db.read(outbox.counts_by_status) == {"cancelled": 1}
    assert line.delivered == []


async def test_other_event_types_are_stored_and_ignored(service, line):
    user = ev.new_user_id()
    sticker = ev.sticker(user, line.issue_reply_token(user))
    strange = {**ev.unfollow(user), "type": "somethingNew", "webhookEventId": "01STRANGE"}
    assert await service.post_events(sticker, strange) == 200
    await service.settle()
    assert await service.db.read(events.counts_by_status) == {"done": 2}
    assert line.calls == []


async def test_events_of_one_user_are_processed_in_timestamp_order(service, line):
    user = ev.new_user_id()
    base = ev.now_ms() - 600_000
    later = ev.text(user, "2番目", "t2", ts_ms=base + 2000)
    earlier = ev.text(user, "1番目", "t1", ts_ms=base + 1000)
    await service.post_events(later, earlier)  # delivered out of order in one webhook
    await service.settle()
    contact = await service.db.read(contacts.find, "line", user)
    conversation = await service.db.fetch_one(
        "SELECT id FROM conversations WHERE contact_id = ?", (contact.id,)
    )
    inbound = [
        m.body
        for m in await service.db.read(messages.for_conversation, conversation[0])
        if m.author == "client"
    ]
    assert inbound == ["1番目", "2番目"]


async def test_malformed_and_oversized_bodies_get_clear_errors(service, line):
    def signed(body: bytes) -> dict[str, str]:
        return {"X-Line-Signature": ev.sign(body, SECRET)}

    not_json = b"{not json"
    no_events = json.dumps({"destination": "x"}).encode()
    huge = b'{"events": [], "pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    results = [
        (await service.post_raw(body, signed(body))).status for body in (not_json, no_events, huge)
    ]
    assert results == [400, 400, 413]
    assert await service.db.read(events.counts_by_status) == {}


async def test_one_malformed_event_does_not_lose_the_others(service, line):
    user = ev.new_user_id()
    good = ev.text(user, "こんにちは", line.issue_reply_token(user))
    body = json.dumps(
        {"destination": "x", "events": [{"type": "follow", "timestamp": 1}, good]}
    ).encode()
    response = await service.post_raw(body, {"X-Line-Signature": ev.sign(body, SECRET)})
    assert response.status == 200
    assert (await service.post_raw(body, {"X-Line-Signature": ev.sign(body, SECRET)})).status == 200
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    await service.settle()
    kinds = await service.db.fetch_all("SELECT kind, status FROM inbound_events ORDER BY id")
    assert [tuple(k) for k in kinds] == [("malformed", "done"), ("message", "done")]


async def test_healthz_answers_when_the_database_does(service):
    async with __import__("aiohttp").ClientSession() as session:
        async with session.get(service.url + "/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"


async def test_many_people_at_once_each_event_is_one_turn(service, line):
    """Regression: concurrent lanes once re-read a stale snapshot and repeated turns."""
    import asyncio

    users = [ev.new_user_id() for _ in range(60)]
    old = ev.now_ms() - 600_000
    posts = [
        service.post_events(ev.text(user, f"{n}", "x", ts_ms=old + n))
        for n in range(3)
        for user in users
    ]
    assert set(await asyncio.gather(*posts)) == {200}
    await service.settle(timeout=30)
    counts = await service.db.fetch_all(
        "SELECT COUNT(*), COUNT(DISTINCT inbound_event_id) FROM messages WHERE author = 'client'"
    )
    assert tuple(counts[0]) == (180, 180)
    assert await service.db.read(events.counts_by_status) == {"done": 180}
    sent = await service.db.read(outbox.counts_by_status)
    assert set(sent) == {"delivered"} and len(line.delivered) == sent["delivered"]


async def test_a_reply_whose_mark_was_lost_is_not_pushed_again_after_restart(tmp_path, line):
    """Regression: a crash after LINE took a reply but before it was marked delivered, then a
    restart after the token's window, once pushed the same answer a second time."""
    import sqlite3

    from tests.service import RunningService, settings_for

    settings = settings_for(tmp_path / "tobira.db", line)
    async with RunningService(settings) as first:
        user = ev.new_user_id()
        await first.post_events(ev.follow(user, line.issue_reply_token(user)))
        await line.wait_for(lambda fake: len(fake.delivered) == 1)
        await first.settle()
    # As if the process died between LINE's 200 and the mark, and came back a minute later.
    with sqlite3.connect(tmp_path / "tobira.db") as conn:
        conn.execute(
            "UPDATE outbox SET status = 'sending', sent_at = NULL,"
            " reply_deadline = '2000-01-01T00:00:00.000000Z'"
        )
    async with RunningService(settings) as second:
        await line.wait_for(lambda fake: len(fake.calls) == 2)
        await second.settle()
        assert await second.db.read(outbox.counts_by_status) == {"delivered": 1}
    assert [c.endpoint for c in line.calls] == ["reply", "reply"]  # never a push
    assert len(line.delivered) == 1


async def test_a_turn_that_fails_still_tells_the_client_and_alerts_staff(
    service, line, monkeypatch
):
    """Our own bug must not leave anyone without a reply. The flow engine is the one thing
    made to fail here (nothing else reaches a broken turn); everything else is real."""
    import bot.conversation.turn

    def broken_step(*args, **kwargs):
        raise RuntimeError("a bug in a flow")

    monkeypatch.setattr(bot.conversation.turn, "step", broken_step)
    user = ev.new_user_id()
    await service.post_events(ev.text(user, "たすけて", line.issue_reply_token(user)))
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    await service.settle()
    assert line.delivered[0].endpoint == "reply"
    assert "受け取りました" in line.delivered[0].body["messages"][0]["text"]
    assert await service.db.read(events.counts_by_status) == {"failed": 1}
    contact = await service.db.read(contacts.find, "line", user)
    conversation = await service.db.read(conversations.open_for, contact.id)
    kept = await service.db.read(messages.for_conversation, conversation.id)
    assert [m.body for m in kept if m.author == "client"] == ["たすけて"]  # kept for staff
    alerts_raised = await service.db.fetch_all("SELECT kind FROM staff_alerts")
    assert [r[0] for r in alerts_raised] == ["turn_failed"]


async def test_an_answer_the_sdk_cannot_read_is_an_unknown_outcome_not_a_dead_lane(service, line):
    """Regression: an exception after LINE took the message killed the sender lane, and
    every later wake-up replied again."""
    user = ev.new_user_id()
    line.garble_next("reply")
    await service.post_events(ev.follow(user, line.issue_reply_token(user)))
    await line.wait_for(lambda fake: len(fake.calls) >= 2)
    await service.settle()
    await service.post_events(ev.text(user, "こんにちは", line.issue_reply_token(user)))
    await service.settle()
    # The garbled reply went through; its retry found the token spent: no second delivery.
    assert [c.status for c in line.calls[:2]] == [200, 400]
    texts = line.delivered_texts(user)
    assert len([t for t in texts if "名前を言わずに" in t]) == 1
    assert await service.db.read(outbox.counts_by_status) == {"delivered": 2}


async def test_when_even_the_fallback_fails_the_event_is_set_aside_and_the_next_is_answered(
    service, line, monkeypatch
):
    """Both the turn and its fallback raise (two bugs at once): the event is marked failed
    so that the person's next message is not stuck behind it forever."""
    import bot.conversation.dispatcher
    import bot.conversation.turn

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    user = ev.new_user_id()
    with monkeypatch.context() as patch:
        patch.setattr(bot.conversation.turn, "step", broken)
        patch.setattr(bot.conversation.dispatcher, "run_failed_turn", broken)
        await service.post_events(ev.text(user, "一通目", line.issue_reply_token(user)))
        await service.settle()
    assert await service.db.read(events.counts_by_status) == {"failed": 1}
    assert line.delivered == []
    await service.post_events(ev.text(user, "二通目", line.issue_reply_token(user)))
    await line.wait_for(lambda fake: len(fake.delivered) == 1)
    await service.settle()
    assert await service.db.read(events.counts_by_status) == {"failed": 1, "done": 1}


async def test_an_unknown_attempt_is_remembered_after_a_429(tmp_path, line):
    """Found in review: only the last error was kept, so 'timeout (LINE took it), then 429'
    read as 'nothing sent' and the token's refusal led to a push: the message twice."""
    settings = settings_for(
        tmp_path / "t.db",
        line,
        **{"line.retry_base": timedelta(seconds=1), "line.request_timeout": timedelta(seconds=1)},
    )
    async with RunningService(settings) as service:
        user = ev.new_user_id()
        line.delay_next("reply", 1.5)  # we stop waiting after 1 s; LINE delivers at 1.5 s
        await service.post_events(ev.text(user, "こんにちは", line.issue_reply_token(user)))
        await line.wait_for(lambda fake: len(fake.delivered) == 1)  # we timed out already
        line.fail_next("reply", 429)  # the second try (after a 1 s back-off) is refused
        await line.wait_for(lambda fake: len(fake.calls) >= 3, timeout=15)
        await service.settle(timeout=15)
        assert [(c.endpoint, c.status) for c in line.calls] == [
            ("reply", 200),
            ("reply", 429),
            ("reply", 400),  # the token is spent: that is the receipt, no push
        ]
        assert len(line.delivered) == 1
        assert await service.db.read(outbox.counts_by_status) == {"delivered": 1}
