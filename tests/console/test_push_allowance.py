"""Pushes stay within the month's LINE allowance: once it is used up a counselor's answer is
held (never pushed, never given up), they are told once, and it goes out as the reply to
the client's next message, or as soon as a reading shows room again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import keys
from bot.channels.line.api import classify
from bot.delivery.channel import PUSH_ALLOWANCE_USED, RATE_LIMITED, Unsent
from storage import outbox
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
    # Read as the open page refreshes itself (a person opening it would see the alert).
    _, detail = await client.get(
        f"/api/v1/conversations/{conversation_id}", headers={"X-Tobira-Background": "1"}
    )
    return next(m["delivery"] for m in detail["messages"] if m["id"] == message_id)


async def held_alerts(client) -> list[dict]:
    _, body = await client.get("/api/v1/alerts")
    return [a for a in body["alerts"] if a["kind"] == "push_held"]


def pushes(desk: ApiDesk) -> list:
    return desk.line.calls_to("push")


async def test_at_200_of_200_answers_are_held_and_ride_on_the_reply_to_the_next_message(
    tmp_path,
):
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
        assert tuple(row) == ("held", 0, None)  # a status of its own, no error text
        [alert] = await held_alerts(sato)
        assert alert["conversation_id"] == conversation_id

        # A second answer waits behind it, held too; the counselor is not told twice.
        second = await answer(sato, conversation_id, SECOND)
        await desk.service.settle()
        assert pushes(desk) == [] and len(await held_alerts(sato)) == 1
        assert await delivery_of(sato, conversation_id, second["id"]) == "held"

        # The client writes again: the answer to that goes at once, through its reply
        # token, and carries what waited after it, in order, in the same free call.
        replies_before = len(desk.line.delivered)
        await desk.send(user, "まだですか")
        [reply] = desk.line.delivered[replies_before:]
        assert reply.endpoint == "reply" and reply.user_id == user
        assert reply.texts[-2:] == [ANSWER, SECOND] and len(reply.texts) == 3
        assert "受け取りました" in reply.texts[0]
        assert await delivery_of(sato, conversation_id, first["id"]) == "sent"
        assert await delivery_of(sato, conversation_id, second["id"]) == "sent"
        assert pushes(desk) == []
        assert await desk.db.read(outbox.counts_by_status) == {"delivered": 3, "cancelled": 2}


async def test_a_danger_answer_goes_first_past_held_answers(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 200
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        for number in range(5):  # more than one call can carry
            await answer(sato, conversation_id, f"{ANSWER}（{number + 1}）")
        await desk.service.settle()

        replies_before = len(desk.line.delivered)
        await desk.send(user, "もう死にたい")
        [reply] = desk.line.delivered[replies_before:]
        assert reply.endpoint == "reply" and reply.user_id == user
        assert "0120-279-338" in "".join(reply.texts)  # the helplines, at once
        assert not any(ANSWER in text for text in reply.texts[:1])  # they come first
        assert len(reply.messages) <= 5 and pushes(desk) == []
        carried = [text for text in reply.texts if ANSWER in text]
        assert carried == [f"{ANSWER}（{n + 1}）" for n in range(len(carried))]
        # What did not fit still waits, held, in order.
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        states = [m["delivery"] for m in detail["messages"] if ANSWER in (m["text"] or "")]
        assert states == ["sent"] * len(carried) + ["held"] * (5 - len(carried))


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
        # Held, not retrying: the lane has stopped (a back-off would keep it running), the
        # refusal did not count as an attempt, and LINE sent nothing, so pushing later is safe.
        assert desk.app[keys.SENDER].lanes.busy == 0
        assert await delivery_of(sato, conversation_id, first["id"]) == "held"
        row = await desk.db.fetch_one(
            "SELECT status, attempts, maybe_sent FROM outbox ORDER BY id DESC LIMIT 1"
        )
        assert tuple(row) == ("held", 0, 0)
        assert len(await held_alerts(sato)) == 1

        # Readings that keep failing change nothing: still held, no push tried again.
        for _ in range(3):
            desk.line.fail_next("quota", 500)
            desk.clock.advance(timedelta(minutes=6))
            await answer(sato, conversation_id, SECOND)
            await desk.service.settle()
        assert len(pushes(desk)) == 1

        await desk.send(user, "届いていますか")
        assert ANSWER in [c.texts for c in desk.line.delivered if c.endpoint == "reply"][-1]


def test_line_says_which_429_it_is():
    assert classify(429, MONTHLY_LIMIT).detail == PUSH_ALLOWANCE_USED
    assert classify(429, "The API rate limit has been exceeded. Try again later.").detail == (
        RATE_LIMITED
    )
    assert classify(429, MONTHLY_LIMIT).outcome == "retry"
    # Both sent nothing, as a value the sender reads (not a prefix of the text).
    assert classify(429, MONTHLY_LIMIT).unsent is Unsent.ALLOWANCE_USED
    assert classify(429, "Too many requests").unsent is Unsent.RATE_LIMITED
    assert classify(500, "").unsent is None


async def test_lanes_pushing_at_once_take_only_the_pushes_left(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 198
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        users = [await desk.ask_for_a_person() for _ in range(5)]
        conversations = [await desk.conversation_id(user) for user in users]
        # Each push hangs a moment at LINE, so the five lanes are under way together.
        for _ in users:
            desk.line.delay_next("push", 0.3)
        await asyncio.gather(*(answer(sato, c, ANSWER) for c in conversations))
        await desk.service.settle()
        assert [c.status for c in pushes(desk)] == [200, 200]  # never a refused one
        states = [
            m["delivery"]
            for c in conversations
            for m in (await sato.get(f"/api/v1/conversations/{c}"))[1]["messages"]
            if m["text"] == ANSWER
        ]
        assert sorted(states) == ["held", "held", "held", "sent", "sent"]


async def test_a_danger_answer_that_line_fails_once_is_retried_ahead_of_held_answers(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        desk.line.quota_limit, desk.line.quota_used_before = 200, 200
        sato = await desk.sign_in(await desk.add_staff("sato", display="佐藤"))
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        for number in range(5):
            await answer(sato, conversation_id, f"{ANSWER}（{number + 1}）")
        await desk.service.settle()

        desk.line.fail_next("reply", 500)  # LINE fails the first try of the danger answer
        await desk.send(user, "もう死にたい")
        await desk.line.wait_for(
            lambda fake: any("0120-279-338" in "".join(c.texts) for c in fake.delivered)
        )
        await desk.service.settle()
        replies = [c for c in desk.line.sends if c.endpoint == "reply" and c.user_id == user]
        failed, retried = replies[-2:]
        assert failed.status == 500 and retried.status == 200
        assert retried.texts == failed.texts  # the same call again: it may have gone through
        assert "0120-279-338" in "".join(retried.texts) and pushes(desk) == []
