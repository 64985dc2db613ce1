"""A message that signals danger, through /webhooks/line, the fake LINE and the console."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web

from bot.app.alert_webhook import signature
from storage import alerts, messages
from tests import line_events as ev
from tests.console.api_desk import CONFIG, ApiDesk, jst
from tests.console.test_api_conversations import read_until
from tests.web.visitor import Visitor

DANGER = "もう死にたい"
YORISOI = "0120-279-338"


def buttons(call) -> dict[str, str]:
    items = call.body["messages"][-1].get("quickReply", {}).get("items", [])
    return {item["action"]["label"]: item["action"]["data"] for item in items}


def calls_to(desk: ApiDesk, user: str):
    return [call for call in desk.line.delivered if call.user_id == user]


def texts(call) -> list[str]:
    return [message["text"] for message in call.body["messages"]]


async def start_family_flow(desk: ApiDesk) -> str:
    """A mother writes, taps 家族のこと: the bot asks its next intake question."""
    user = ev.new_user_id()
    await desk.send(user, "こんにちは")
    family = buttons(calls_to(desk, user)[-1])["家族のこと"]
    token = desk.line.issue_reply_token(user)
    await desk.service.post_events(ev.postback(user, family, token, desk.ms()))
    await desk.service.settle()
    assert buttons(calls_to(desk, user)[-1]), "the flow is asking a question"
    return user


async def test_danger_mid_flow_is_answered_at_once_queued_first_and_alerted(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("sato", display="佐藤")
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        stream = await boss.session.get(desk.service.url + "/api/v1/events")
        earlier = await desk.ask_for_a_person()  # waits longer: first in line until now
        await desk.move(timedelta(minutes=5))
        user = await start_family_flow(desk)
        before = len(calls_to(desk, user))

        await desk.send(user, DANGER)

        calls = calls_to(desk, user)
        assert len(calls) == before + 1, "one answer, and no intake question after it"
        answer = calls[-1]
        assert answer.endpoint == "reply", "through the reply token, at once"
        said = texts(answer)
        assert 1 <= len(said) <= 3
        assert "つらい気持ち" in said[0]
        assert YORISOI in said[1] and "119" in said[1]
        assert not buttons(answer), "no question follows"
        conversation_id = await desk.conversation_id(user)
        status, queue = await boss.get("/api/v1/conversations?queue=waiting")
        assert status == 200
        rows = queue["conversations"]
        assert rows[0]["id"] == conversation_id and rows[0]["urgent"] is True
        assert await desk.conversation_id(earlier) in [row["id"] for row in rows[1:]]
        seen = await read_until(
            stream,
            lambda kind, data: (
                kind == "alert_raised" and data["conversation_id"] == conversation_id
            ),
        )
        assert any(kind == "danger_detected" and data["level"] == "crisis" for kind, data in seen)
        _, alerts = await boss.get("/api/v1/alerts")
        assert "danger_crisis" in [alert["kind"] for alert in alerts["alerts"]]
        _, detail = await boss.get(f"/api/v1/conversations/{conversation_id}")
        assert detail["status"] in ("assigned", "queued")


async def test_after_a_handoff_the_counselor_is_alerted_and_no_ack_is_added(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        sato_id = await desk.add_staff("sato", display="佐藤")
        sato = await desk.sign_in(sato_id)
        stream = await sato.session.get(desk.service.url + "/api/v1/events")
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        before = len(calls_to(desk, user))

        await desk.send(user, "息子が死にたいと言っています")

        calls = calls_to(desk, user)
        assert len(calls) == before + 1
        said = texts(calls[-1])
        assert calls[-1].endpoint == "reply"
        assert "ご家族" in said[0], "words for a worried relative"
        assert not any("メッセージを受け取りました" in text for text in said)
        seen = await read_until(
            stream,
            lambda kind, data: kind == "alert_raised" and data.get("staff_id") == sato_id.id,
        )
        assert seen[-1][1]["conversation_id"] == conversation_id
        _, detail = await sato.get(f"/api/v1/conversations/{conversation_id}")
        assert detail["urgent"] is True and detail["status"] == "assigned"


async def test_a_repeat_within_the_hour_gets_a_short_answer_and_alerts_again(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        await desk.add_staff("kimura", role="supervisor")
        user = ev.new_user_id()
        await desk.send(user, DANGER)
        assert len(texts(calls_to(desk, user)[-1])) == 3
        await desk.move(timedelta(minutes=10))
        await desk.send(user, "やっぱり死にたい")
        short = texts(calls_to(desk, user)[-1])
        assert len(short) == 1 and "相談員に伝えました" in short[0] and YORISOI in short[0]
        await desk.move(timedelta(minutes=55))
        await desk.send(user, "死にたいです")
        assert len(texts(calls_to(desk, user)[-1])) == 3, "an hour later: the full answer"
        conversation_id = await desk.conversation_id(user)
        raised = await desk.db.read(alerts.for_conversation, conversation_id)
        assert [alert.kind for alert in raised].count("danger_crisis") == 3, "every time"
        kinds = [m.kind for m in await desk.db.read(messages.for_conversation, conversation_id)]
        assert kinds.count("safety") == 6 and kinds.count("safety_short") == 1


async def test_harmless_words_change_nothing(tmp_path):
    async with ApiDesk.open(tmp_path) as desk:
        boss = await desk.sign_in(await desk.add_staff("kimura", role="supervisor"))
        user = await start_family_flow(desk)
        await desk.send(user, "死ぬほど眠いです")
        assert buttons(calls_to(desk, user)[-1]), "the flow goes on"
        _, alerts = await boss.get("/api/v1/alerts")
        assert alerts["alerts"] == []


class Receiver:
    """A system that wants our alerts: a real aiohttp server on loopback."""

    def __init__(self) -> None:
        self.posts: list[tuple[bytes, str]] = []
        self.arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Receiver:
        async def hook(request: web.Request) -> web.Response:
            self.posts.append((await request.read(), request.headers["X-Tobira-Signature"]))
            self.arrived.set()
            return web.json_response({})

        app = web.Application()
        app.router.add_post("/hook", hook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"
        return self

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_after_hours_says_so_lists_open_lines_first_and_tells_the_webhook_no_text(
    tmp_path,
):
    receiver = await Receiver().start()
    config = CONFIG + (
        f'\n[safety]\nalert_webhook_url = "{receiver.url}"\nalert_webhook_secret = "s3cret"\n'
    )
    try:
        # Wednesday 23:30: the window is closed; Japan's Lifeline (10-22) too.
        async with ApiDesk.open(tmp_path, start=jst(2026, 11, 25, 23, 30), config=config) as desk:
            user = ev.new_user_id()
            await desk.send(user, "首を吊ろうと思う")
            said = texts(calls_to(desk, user)[-1])
            assert "相談員がいない時間です" in said[0]
            listed = [line for line in said[1].splitlines() if line.startswith("・")]
            assert listed[0].startswith("・よりそいホットライン")
            assert "日本いのちの電話" in listed[-1] and "受付時間外" in listed[-1]
            assert "明日（11月26日）9時以降" in said[2]
            await asyncio.wait_for(receiver.arrived.wait(), 10)
            body, signed = receiver.posts[0]
            assert signed == signature(body, "s3cret")
            sent = json.loads(body)
            assert set(sent) == {"event", "conversation_id", "level", "at"}
            assert sent["level"] == "crisis"
            assert sent["conversation_id"] == await desk.conversation_id(user)
            assert "首" not in body.decode(), "never message text"
    finally:
        await receiver.stop()


async def test_signed_posts_can_be_checked_by_the_receiver():
    body = b'{"event":"danger"}'
    assert signature(body, "a") != signature(body, "b")
    async with aiohttp.ClientSession():  # the helper needs no session of its own
        assert len(signature(body, "a")) == 64


async def test_the_pair_is_alerted_too(tmp_path):
    config = "pair_counselors = true\n" + CONFIG
    async with ApiDesk.open(tmp_path, config=config) as desk:
        sato = await desk.add_staff("sato", display="佐藤")
        tanaka = await desk.add_staff("tanaka", org="psych", display="田中")
        user = await desk.ask_for_a_person()
        conversation_id = await desk.conversation_id(user)
        await desk.send(user, DANGER)
        raised = await desk.db.read(alerts.for_conversation, conversation_id)
        told = {alert.staff_id for alert in raised if alert.kind == "danger_crisis"}
        assert told == {sato.id, tanaka.id}


# An overdose in progress, written three ways (none of them in the phrase lists' words).
OVERDOSES = [
    pytest.param("さっき睡眠薬を30錠ぐらい飲みました。ふらふらします", id="pills-counted"),
    pytest.param("ODした。いま頭がぼーっとしてる", id="od"),
    pytest.param("親の薬を全部のんじゃった", id="parents-pills"),
]
NIGHT = jst(2026, 11, 25, 23, 30)  # Wednesday: the window is closed
MODES = ["flow", "counselor", "after_hours_flow", "after_hours_counselor"]


async def in_mode(desk: ApiDesk, mode: str) -> str:
    """A client in the given mode: mid-intake with a question open, or handed to 佐藤."""
    await desk.add_staff("sato", display="佐藤")
    if mode.endswith("flow"):
        return await start_family_flow(desk)
    user = await desk.ask_for_a_person()
    await desk.move(timedelta(minutes=1))
    return user


@pytest.mark.parametrize("text", OVERDOSES)
@pytest.mark.parametrize("mode", MODES)
async def test_an_overdose_in_progress_gets_the_full_answer_in_every_mode(tmp_path, mode, text):
    start = NIGHT if mode.startswith("after_hours") else jst(2026, 11, 25, 10, 0)
    async with ApiDesk.open(tmp_path, start=start) as desk:
        user = await in_mode(desk, mode)
        before = len(calls_to(desk, user))

        await desk.send(user, text)

        calls = calls_to(desk, user)
        assert len(calls) == before + 1, "one answer, no intake question or acknowledgement"
        answer = calls[-1]
        assert answer.endpoint == "reply", "through the reply token, at once"
        said = texts(answer)
        assert len(said) == 3, said
        assert YORISOI in said[1] and "119" in said[1]
        assert not buttons(answer), "the full answer asks nothing"
        assert not any("命の危険を感じていますか" in t for t in said), "not the check-in"
        if mode.startswith("after_hours"):
            assert "相談員がいない時間です" in said[0]
        conversation_id = await desk.conversation_id(user)
        row = await desk.db.read(
            lambda c: c.execute(
                "SELECT status, urgent FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        )
        assert row[0] != "bot" and row[1] == 1, "taken out of the intake, urgent"
        raised = await desk.db.read(alerts.for_conversation, conversation_id)
        assert "danger_crisis" in [alert.kind for alert in raised]


@pytest.mark.parametrize("text", OVERDOSES)
@pytest.mark.parametrize("mode", ["flow", "counselor"])
async def test_an_overdose_on_the_web_chat_gets_the_full_answer(tmp_path, mode, text):
    async with ApiDesk.open(tmp_path) as desk, Visitor(desk.service) as visitor:
        await desk.add_staff("sato", display="佐藤")
        await visitor.start()
        await visitor.choose("家族のこと")
        if mode == "counselor":
            await visitor.say("人と話したい")
        before = len(await visitor.texts())
        status, _ = await visitor.say(text)
        assert status == 202
        new = (await visitor.texts())[before + 1 :]  # after the client's own message
        assert len(new) == 3, new
        assert YORISOI in new[1] and "119" in new[1]
        assert await visitor.buttons() == []
        row = await desk.db.read(
            lambda c: c.execute(
                "SELECT v.urgent, v.status FROM conversations v JOIN contacts c"
                " ON c.id = v.contact_id WHERE c.channel = 'web'"
            ).fetchone()
        )
        assert row[0] == 1 and row[1] != "bot"
