"""Pushes stay within the month's LINE allowance: once it is used up a counselor's answer is
held (never pushed, never given up), they are told once, and it goes out as the reply to
the client's next message, or as soon as a reading shows room again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.channels.line.api import classify
from bot.delivery.channel import PUSH_ALLOWANCE_USED, RATE_LIMITED
from tests.console.api_desk import ApiDesk
from tests.fakeline import MONTHLY_LIMIT

ANSWER = "佐藤です。お返事が遅くなりました。"
SECOND = "もうひとつだけお伝えします。"


async def answer(client, conversation_id: int, text: str) -> dict:
    status, body = await client.post(
        f"/api/v1/conversations/{conversation_id}/messages", {"text": text}
    )
    assert status == 202, body
    return body["message"]


async def delivery_of(client, conversation_id: int, message_id: int) -> str:
    _, detail = await client.get(f"/api/v1/conversations/{conversation_id}")
    return next(m["delivery"] for m in detail["messages"] if m["id"] == message_id)


async def held_alerts(client) -> list[dict]:
    _, body = await client.get("/api/v1/alerts")
    return [a for a in body["alerts"] if a["kind"] == "push_held"]


def pushes(desk: ApiDesk) -> list:
    return desk.line.calls_to("push")


async def test_at_200_of_200_an_answer_is_held_and_rides_on_the_clients_next_message(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 200
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        # Reply tokens are free: the client's own messages were answered as usual.
        assert desk.line.delivered and all(c.endpoint == "reply" for c in desk.line.delivered)

        first = await answer(sato, conversation_id, ANSWER)
        await desk.service.settle()
        assert pushes(desk) == []  # not even tried: LINE would refuse it
        assert await delivery_of(sato, conversation_id, first["id"]) == "held"
        row = await desk.db.fetch_one(
            "SELECT status, attempts, last_error FROM outbox ORDER BY id DESC LIMIT 1"
        )
        assert tuple(row) == ("pending", 0, PUSH_ALLOWANCE_USED)
        [alert] = await held_alerts(sato)
        assert alert["conversation_id"] == conversation_id

        # A second answer waits behind it; the counselor is not told twice.
        second = await answer(sato, conversation_id, SECOND)
        await desk.service.settle()
        assert pushes(desk) == [] and len(await held_alerts(sato)) == 1

        # The client writes again: their fresh reply token carries the oldest answer first.
        replies_before = len(desk.line.delivered)
        await desk.send(user, "まだですか")
        new = desk.line.delivered[replies_before:]
        assert [(c.endpoint, c.user_id, c.texts) for c in new] == [("reply", user, [ANSWER])]
        assert await delivery_of(sato, conversation_id, first["id"]) == "sent"
        assert await delivery_of(sato, conversation_id, second["id"]) == "held"
        assert pushes(desk) == []


async def test_the_last_push_of_the_month_goes_and_a_bigger_plan_sends_what_waited(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 199
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)

        await answer(sato, conversation_id, ANSWER)
        await desk.service.settle()
        second = await answer(sato, conversation_id, SECOND)
        await desk.service.settle()
        # One push left: it went; the next one was counted here, not refused by LINE.
        assert [(c.status, c.texts) for c in pushes(desk)] == [(200, [ANSWER])]
        assert await delivery_of(sato, conversation_id, second["id"]) == "held"
        _, quota = await boss.get("/api/v1/quota")
        assert quota["channels"][0] == {
            "channel": "line",
            "limit": 200,
            "used": 200,
            "ratio": 1.0,
            "warn": True,
            "spent": True,
        }

        # The office buys a bigger plan; the next reading (five minutes on) finds room, and
        # what waited goes at once, without waiting for the client.
        desk.line.quota_limit = 5000
        desk.clock.advance(timedelta(minutes=6))
        _, quota = await boss.get("/api/v1/quota")
        assert quota["channels"][0]["spent"] is False
        await desk.line.wait_for(lambda fake: len(fake.calls_to("push")) == 2)
        await desk.service.settle()
        assert [(c.status, c.texts) for c in pushes(desk)] == [(200, [ANSWER]), (200, [SECOND])]
        assert await delivery_of(sato, conversation_id, second["id"]) == "sent"


async def test_line_refusing_a_push_for_the_month_holds_it_rather_than_giving_up(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        # The reading fails, so tobira cannot know; LINE itself refuses the push.
        desk.line.quota_limit, desk.line.quota_used_before = 200, 200
        desk.line.fail_next("quota", 500)
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)

        first = await answer(sato, conversation_id, ANSWER)
        await desk.service.settle()
        assert [(c.status, c.response.get("message")) for c in pushes(desk)] == [
            (429, MONTHLY_LIMIT)
        ]
        # Retries back off from 20 ms in these tests: a retrying sender would have tried
        # again many times by now. A held row waits for a reading or the client instead.
        await asyncio.sleep(0.5)
        await desk.service.settle()
        assert len(pushes(desk)) == 1
        assert await delivery_of(sato, conversation_id, first["id"]) == "held"
        row = await desk.db.fetch_one(
            "SELECT status, maybe_sent FROM outbox ORDER BY id DESC LIMIT 1"
        )
        assert tuple(row) == ("pending", 0)  # LINE sent nothing: safe to push later
        assert len(await held_alerts(sato)) == 1

        await desk.send(user, "届いていますか")
        assert [c.texts for c in desk.line.delivered if c.endpoint == "reply"][-1] == [ANSWER]


def test_line_says_which_429_it_is():
    assert classify(429, MONTHLY_LIMIT).detail == PUSH_ALLOWANCE_USED
    assert classify(429, "The API rate limit has been exceeded. Try again later.").detail == (
        RATE_LIMITED
    )
    assert classify(429, MONTHLY_LIMIT).outcome == "retry"
