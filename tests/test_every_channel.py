"""Every channel keeps every promise (issue 19): the danger path, the handoff announcement and
the acknowledgements behave the same on the web chat as on LINE. One test, run on both
channels: every client message gets an answer within 5 seconds, and every answer while a
person owns the conversation says who answers and when.

LINE through the signed webhook and the fake LINE API; the web chat through its HTTP API.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import pytest

from tests import line_events as ev
from tests.console.api_desk import WEDNESDAY_10, ApiDesk, jst
from tests.web.visitor import Visitor

ANSWER_WITHIN = 5.0  # seconds
# 「今日（11月25日）の12時までに」, 「明日（11月26日）9時以降」: a day and a time.
WHEN = re.compile(r"(今日|明日)（\d+月\d+日）の?\d+時")


class LineClient:
    """A person on LINE: signed webhooks in, the fake LINE's recorded calls out."""

    def __init__(self, desk: ApiDesk) -> None:
        self.desk, self.user, self.seen = desk, ev.new_user_id(), 0

    async def open(self) -> list[str]:
        return await self.say("こんにちは")

    async def say(self, text: str) -> list[str]:
        token = self.desk.line.issue_reply_token(self.user)
        await self.desk.service.post_events(ev.text(self.user, text, token, self.desk.ms()))
        return await answered(self._news)

    def _news(self) -> list[str]:
        calls = [c for c in self.desk.line.delivered if c.user_id == self.user]
        texts = [m["text"] for c in calls[self.seen :] for m in c.body["messages"]]
        self.seen = len(calls)
        return texts


class WebClient:
    """A visitor on the web chat page: its JSON API and cookie."""

    def __init__(self, desk: ApiDesk, visitor: Visitor) -> None:
        self.desk, self.visitor, self.cursor = desk, visitor, 0

    async def open(self) -> list[str]:
        status, _ = await self.visitor.post("/chat/api/start", {})
        assert status == 200
        return await answered(self._news)

    async def say(self, text: str) -> list[str]:
        status, body = await self.visitor.post(
            "/chat/api/messages", {"text": text, "id": str(uuid.uuid4())}
        )
        assert status == 202, body
        return await answered(self._news)

    async def _news(self) -> list[str]:
        page = await self.visitor.page(after=self.cursor)
        self.cursor = page["cursor"]
        return [p["text"] for m in page["messages"] if m["author"] == "tobira" for p in m["parts"]]


async def answered(read) -> list[str]:
    """What we said back, polled until it comes; no answer within 5 seconds fails."""
    deadline = time.monotonic() + ANSWER_WITHIN
    while time.monotonic() < deadline:
        news = read()
        if asyncio.iscoroutine(news):
            news = await news
        if news:
            return news
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer within {ANSWER_WITHIN} seconds")


@asynccontextmanager
async def client_on(channel: str, tmp_path, start: datetime) -> AsyncIterator[tuple]:
    async with ApiDesk.open(tmp_path, start=start) as desk:
        await desk.add_staff("sato", display="佐藤")
        if channel == "line":
            yield desk, LineClient(desk)
        else:
            async with Visitor(desk.service) as visitor:
                yield desk, WebClient(desk, visitor)


def who_and_when(texts: list[str]) -> str:
    said = "\n".join(texts)
    assert "佐藤" in said, f"who answers is not said: {said!r}"
    assert WHEN.search(said), f"when is not said: {said!r}"
    return said


CHANNELS = pytest.mark.parametrize("channel", ["line", "web"])


@CHANNELS
async def test_the_danger_path_says_who_and_when_and_the_next_message_is_answered(
    channel, tmp_path
):
    async with client_on(channel, tmp_path, WEDNESDAY_10) as (desk, client):
        await client.open()
        desk.clock.advance(timedelta(seconds=5))
        said = who_and_when(await client.say("もう死にたい"))
        assert "0120-279-338" in said, "the helplines first"
        desk.clock.advance(timedelta(seconds=30))
        again = who_and_when(await client.say("誰か話せますか"))
        assert "メッセージを受け取りました" in again


@CHANNELS
async def test_the_handoff_announces_who_and_when_and_the_next_message_is_acknowledged(
    channel, tmp_path
):
    async with client_on(channel, tmp_path, WEDNESDAY_10) as (desk, client):
        await client.open()
        desk.clock.advance(timedelta(seconds=5))
        who_and_when(await client.say("人と話したい"))
        desk.clock.advance(timedelta(seconds=30))
        who_and_when(await client.say("よろしくお願いします"))


@CHANNELS
async def test_after_hours_every_answer_says_who_and_the_next_opening(channel, tmp_path):
    # Wednesday 23:30: closed until Thursday 9:00.
    async with client_on(channel, tmp_path, jst(2026, 11, 25, 23, 30)) as (desk, client):
        await client.open()
        desk.clock.advance(timedelta(seconds=5))
        said = who_and_when(await client.say("人と話したい"))
        assert "明日（11月26日）9時以降" in said
        desk.clock.advance(timedelta(seconds=30))
        danger = who_and_when(await client.say("首を吊ろうと思う"))
        assert "明日（11月26日）9時以降" in danger and "相談員がいない時間です" in danger
        desk.clock.advance(timedelta(seconds=30))
        assert "明日（11月26日）9時以降" in who_and_when(await client.say("眠れません"))
