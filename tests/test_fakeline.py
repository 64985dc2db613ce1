"""The fake LINE platform behaves like LINE, as seen through the real line-bot-sdk v3."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pydantic.v1
import pytest
from aiohttp import web
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    MessageAction,
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from tests import line_events as ev
from tests.fakeline import FakeLine

TOKEN = "test-token"


@pytest.fixture
async def api(line: FakeLine) -> AsyncIterator[AsyncMessagingApi]:
    async with AsyncApiClient(Configuration(host=line.base_url, access_token=TOKEN)) as client:
        yield AsyncMessagingApi(client)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def raw_post(
    http: aiohttp.ClientSession,
    line: FakeLine,
    endpoint: str,
    body: Any,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    hdrs = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    hdrs.update(headers or {})
    async with http.post(
        f"{line.base_url}/v2/bot/message/{endpoint}", data=data, headers=hdrs
    ) as r:
        return r.status, await r.json()


def push(to: str, *messages: TextMessage) -> PushMessageRequest:
    return PushMessageRequest(to=to, messages=list(messages))


def quick(*labels: str) -> QuickReply:
    return QuickReply(
        items=[
            QuickReplyItem(action=PostbackAction(label=label, data=f"choice={i}"))
            for i, label in enumerate(labels)
        ]
    )


# ---- reply tokens ---------------------------------------------------------------------------


async def test_reply_delivers_once_and_token_cannot_be_reused(
    line: FakeLine, api: AsyncMessagingApi
) -> None:
    uid = ev.new_user_id()
    token = line.issue_reply_token(uid)
    req = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ようこそ")])

    res = await api.reply_message(req)
    assert len(res.sent_messages) == 1

    with pytest.raises(ApiException) as exc:
        await api.reply_message(req)
    assert exc.value.status == 400
    assert json.loads(exc.value.body) == {"message": "Invalid reply token"}

    assert line.delivered_texts(uid) == ["ようこそ"]
    assert line.delivered_texts() == ["ようこそ"]
    assert [c.status for c in line.calls] == [200, 400]
    assert line.calls[0].user_id == uid and line.calls[0].endpoint == "reply"


async def test_unknown_and_expired_reply_tokens_are_invalid(
    line: FakeLine, api: AsyncMessagingApi
) -> None:
    token = line.issue_reply_token(ev.new_user_id())
    line.expire_reply_token(token)
    for tok in (token, "never-issued"):
        with pytest.raises(ApiException) as exc:
            await api.reply_message(
                ReplyMessageRequest(reply_token=tok, messages=[TextMessage(text="x")])
            )
        assert exc.value.status == 400
        assert json.loads(exc.value.body)["message"] == "Invalid reply token"
    assert line.delivered == []


async def test_invalid_reply_does_not_use_up_the_token(
    line: FakeLine, api: AsyncMessagingApi
) -> None:
    uid = ev.new_user_id()
    token = line.issue_reply_token(uid)
    with pytest.raises(ApiException):
        await api.reply_message(
            ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="x" * 5001)])
        )
    await api.reply_message(
        ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ok")])
    )
    assert line.delivered_texts(uid) == ["ok"]


# ---- retry keys -----------------------------------------------------------------------------


async def test_push_with_same_retry_key_is_delivered_once(
    line: FakeLine, api: AsyncMessagingApi
) -> None:
    uid = ev.new_user_id()
    key = str(uuid.uuid4())
    first = await api.push_message_with_http_info(
        push(uid, TextMessage(text="予約を受け付けました")), x_line_retry_key=key
    )
    assert first.status_code == 200

    with pytest.raises(ApiException) as exc:
        await api.push_message(
            push(uid, TextMessage(text="予約を受け付けました")), x_line_retry_key=key
        )
    assert exc.value.status == 409
    assert exc.value.headers is not None
    assert exc.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert json.loads(exc.value.body)["message"] == "The retry key is already accepted"

    assert line.delivered_texts(uid) == ["予約を受け付けました"]
    assert [c.status for c in line.calls] == [200, 409]
    assert line.calls[1].headers["x-line-retry-key"] == key


async def test_retry_key_must_be_a_uuid(line: FakeLine, api: AsyncMessagingApi) -> None:
    with pytest.raises(ApiException) as exc:
        await api.push_message(push(ev.new_user_id(), TextMessage(text="x")), x_line_retry_key="1")
    assert exc.value.status == 400
    assert json.loads(exc.value.body)["details"][0]["property"] == "X-Line-Retry-Key"
    assert line.delivered == []


async def test_timeout_whose_push_went_through_then_retry_gets_409(
    line: FakeLine, api: AsyncMessagingApi
) -> None:
    uid = ev.new_user_id()
    key = str(uuid.uuid4())
    line.delay_next("push", 0.5)
    with pytest.raises(TimeoutError):
        await api.push_message(
            push(uid, TextMessage(text="hi")), x_line_retry_key=key, _request_timeout=0.1
        )
    await line.wait_for(lambda ln: len(ln.delivered) == 1)

    with pytest.raises(ApiException) as exc:
        await api.push_message(push(uid, TextMessage(text="hi")), x_line_retry_key=key)
    assert exc.value.status == 409
    assert line.delivered_texts(uid) == ["hi"]


# ---- failure injection ----------------------------------------------------------------------


async def test_fail_next_then_success(line: FakeLine, api: AsyncMessagingApi) -> None:
    uid = ev.new_user_id()
    key = str(uuid.uuid4())
    line.fail_next("push", 500, 429)
    for status in (500, 429):
        with pytest.raises(ApiException) as exc:
            await api.push_message(push(uid, TextMessage(text="a")), x_line_retry_key=key)
        assert exc.value.status == status
        assert "message" in json.loads(exc.value.body)
    await api.push_message(push(uid, TextMessage(text="a")), x_line_retry_key=key)
    assert [c.status for c in line.calls] == [500, 429, 200]
    assert line.delivered_texts(uid) == ["a"]


async def test_injected_failure_on_reply_keeps_the_token(
    line: FakeLine, api: AsyncMessagingApi
) -> None:
    uid = ev.new_user_id()
    token = line.issue_reply_token(uid)
    line.fail_next("reply", 500)
    req = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="a")])
    with pytest.raises(ApiException) as exc:
        await api.reply_message(req)
    assert exc.value.status == 500
    await api.reply_message(req)
    assert line.delivered_texts(uid) == ["a"]


# ---- request shape --------------------------------------------------------------------------


async def test_six_messages_rejected(
    line: FakeLine, api: AsyncMessagingApi, http: aiohttp.ClientSession
) -> None:
    uid = ev.new_user_id()
    # The SDK refuses client-side, before any HTTP request...
    with pytest.raises(pydantic.v1.ValidationError):
        push(uid, *[TextMessage(text=str(i)) for i in range(6)])
    # ...and LINE (the fake) refuses it too.
    msgs = [{"type": "text", "text": str(i)} for i in range(6)]
    status, body = await raw_post(http, line, "push", {"to": uid, "messages": msgs})
    assert status == 400
    assert body["details"] == [{"message": "Size must be between 1 and 5", "property": "messages"}]
    status, _ = await raw_post(http, line, "push", {"to": uid, "messages": msgs[:5]})
    assert status == 200
    status, _ = await raw_post(http, line, "push", {"to": uid, "messages": []})
    assert status == 400
    assert line.delivered_texts(uid) == ["0", "1", "2", "3", "4"]


async def test_quick_reply_of_14_items_rejected(
    line: FakeLine, api: AsyncMessagingApi, http: aiohttp.ClientSession
) -> None:
    uid = ev.new_user_id()
    with pytest.raises(pydantic.v1.ValidationError):
        quick(*[f"選択{i}" for i in range(14)])
    await api.push_message(push(uid, TextMessage(text="13", quick_reply=quick(*"abcdefghijklm"))))

    item = {"type": "action", "action": {"type": "postback", "label": "x", "data": "d"}}
    msg = {"type": "text", "text": "14", "quickReply": {"items": [item] * 14}}
    status, body = await raw_post(http, line, "push", {"to": uid, "messages": [msg]})
    assert status == 400
    assert body["details"][0]["property"] == "messages[0].quickReply.items"
    assert line.delivered_texts(uid) == ["13"]
    assert line.delivered_messages(uid)[0]["quickReply"]["items"][0]["action"]["label"] == "a"


async def test_action_label_over_20_characters_rejected(
    line: FakeLine, api: AsyncMessagingApi
) -> None:
    uid = ev.new_user_id()
    await api.push_message(push(uid, TextMessage(text="ok", quick_reply=quick("あ" * 20))))
    with pytest.raises(ApiException) as exc:
        await api.push_message(push(uid, TextMessage(text="ng", quick_reply=quick("あ" * 21))))
    assert exc.value.status == 400
    detail = json.loads(exc.value.body)["details"][0]
    assert detail["property"] == "messages[0].quickReply.items[0].action.label"
    assert line.delivered_texts(uid) == ["ok"]


async def test_postback_data_and_display_text_limits(
    line: FakeLine, api: AsyncMessagingApi, http: aiohttp.ClientSession
) -> None:
    uid = ev.new_user_id()
    with pytest.raises(pydantic.v1.ValidationError):  # SDK checks data length itself
        PostbackAction(label="a", data="d" * 301)
    action = {"type": "postback", "label": "a", "data": "d" * 301}
    msg = {"type": "text", "text": "x", "quickReply": {"items": [{"action": action}]}}
    status, body = await raw_post(http, line, "push", {"to": uid, "messages": [msg]})
    assert (status, body["details"][0]["property"]) == (
        400,
        "messages[0].quickReply.items[0].action.data",
    )

    long_display = PostbackAction(label="a", data="d", display_text="表" * 301)
    item = QuickReplyItem(action=long_display)
    with pytest.raises(ApiException) as exc:
        await api.push_message(
            push(uid, TextMessage(text="x", quick_reply=QuickReply(items=[item])))
        )
    assert exc.value.status == 400
    assert json.loads(exc.value.body)["details"][0]["property"].endswith("action.displayText")

    message_action = QuickReplyItem(action=MessageAction(label="はい", text="はい"))
    await api.push_message(
        push(uid, TextMessage(text="ok", quick_reply=QuickReply(items=[message_action])))
    )
    assert line.delivered_texts(uid) == ["ok"]


async def test_text_limit_counts_utf16_code_units(line: FakeLine, api: AsyncMessagingApi) -> None:
    uid = ev.new_user_id()
    ok = "😀" * 2500  # 2,500 code points, 5,000 UTF-16 units
    too_long = ok + "a"  # len() == 2501 but 5,001 UTF-16 units
    assert len(too_long) == 2501
    await api.push_message(push(uid, TextMessage(text=ok)))
    with pytest.raises(ApiException) as exc:
        await api.push_message(push(uid, TextMessage(text=too_long)))
    assert exc.value.status == 400
    assert json.loads(exc.value.body)["details"] == [
        {"message": "Length must be between 1 and 5000", "property": "messages[0].text"}
    ]
    with pytest.raises(ApiException):
        await api.push_message(push(uid, TextMessage(text="")))
    assert line.delivered_texts(uid) == [ok]


async def test_malformed_requests_rejected_and_recorded(
    line: FakeLine, http: aiohttp.ClientSession
) -> None:
    uid = ev.new_user_id()
    cases: list[tuple[str, Any]] = [
        ("push", b"{not json"),
        ("push", {"messages": [{"type": "text", "text": "no to"}]}),
        ("push", {"to": uid}),
        ("push", {"to": uid, "messages": [{"type": "txt", "text": "x"}]}),
        ("push", {"to": uid, "messages": [{"type": "text"}]}),
        ("reply", {"messages": [{"type": "text", "text": "no token"}]}),
    ]
    for endpoint, body in cases:
        status, answer = await raw_post(http, line, endpoint, body)
        assert status == 400, (endpoint, body)
        assert isinstance(answer["message"], str)
    assert [c.status for c in line.calls] == [400] * len(cases)
    assert line.calls[0].raw == b"{not json" and line.calls[0].body == {}
    assert line.delivered == []


async def test_bad_bearer_is_401(line: FakeLine, http: aiohttp.ClientSession) -> None:
    uid = ev.new_user_id()
    async with AsyncApiClient(Configuration(host=line.base_url, access_token="wrong")) as client:
        with pytest.raises(ApiException) as exc:
            await AsyncMessagingApi(client).push_message(push(uid, TextMessage(text="x")))
    assert exc.value.status == 401
    assert "Authentication failed" in json.loads(exc.value.body)["message"]
    async with http.post(f"{line.base_url}/v2/bot/message/push", json={}) as r:
        assert r.status == 401
    assert [c.status for c in line.calls] == [401, 401]
    assert line.delivered == []


# ---- other endpoints, helpers ---------------------------------------------------------------


async def test_profile_and_bot_info(line: FakeLine, api: AsyncMessagingApi) -> None:
    uid = ev.new_user_id()
    profile = await api.get_profile(uid)
    assert (profile.user_id, profile.language) == (uid, "ja")
    line.set_profile(uid, displayName="山田")
    assert (await api.get_profile(uid)).display_name == "山田"
    info = await api.get_bot_info()
    assert info.chat_mode == "bot"
    assert line.delivered == []


async def test_wait_for_and_reset(line: FakeLine, api: AsyncMessagingApi) -> None:
    uid = ev.new_user_id()
    await api.push_message(push(uid, TextMessage(text="one")))
    await line.wait_for(lambda ln: ln.delivered_texts(uid) == ["one"], timeout=1)
    with pytest.raises(AssertionError, match=r"push -> 200"):
        await line.wait_for(lambda ln: len(ln.delivered) == 2, timeout=0.05)
    line.reset()
    assert line.calls == [] and line.delivered == []


# ---- webhook events -------------------------------------------------------------------------


def test_events_parse_with_the_sdk_webhook_parser() -> None:
    secret = "s3cr3t"
    uid = ev.new_user_id()
    body = ev.payload(
        ev.follow(uid, "rt1"),
        ev.text(uid, "相談したい", "rt2", ts_ms=1_700_000_000_000),
        ev.postback(uid, "action=start", "rt3"),
        ev.sticker(uid, "rt4"),
        ev.unfollow(uid),
    )
    assert "相談したい".encode() in body and b", " not in body
    payload = WebhookParser(secret).parse(body.decode(), ev.sign(body, secret), as_payload=True)
    assert payload.destination == "U" + "0" * 32
    follow, text, postback, sticker, unfollow = payload.events
    assert isinstance(follow, FollowEvent) and follow.reply_token == "rt1"
    assert isinstance(text, MessageEvent) and isinstance(text.message, TextMessageContent)
    assert text.message.text == "相談したい" and text.timestamp == 1_700_000_000_000
    assert isinstance(text.source, UserSource) and text.source.user_id == uid
    assert isinstance(postback, PostbackEvent) and postback.postback.data == "action=start"
    assert isinstance(sticker.message, StickerMessageContent)
    assert isinstance(unfollow, UnfollowEvent)
    ids = {e.webhook_event_id for e in payload.events}
    assert len(ids) == 5 and all(len(i) == 26 for i in ids)
    assert all(e.delivery_context.is_redelivery is False for e in payload.events)
    assert all(e.mode == "active" for e in payload.events)


def test_new_user_id_shape() -> None:
    uid = ev.new_user_id()
    assert len(uid) == 33 and uid[0] == "U" and int(uid[1:], 16) >= 0
    assert uid != ev.new_user_id()


async def test_post_webhook_signs_like_line(http: aiohttp.ClientSession) -> None:
    seen: list[tuple[bytes, str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append((await request.read(), request.headers.get("X-Line-Signature")))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/webhook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/webhook"
        body = ev.payload(ev.text(ev.new_user_id(), "こんにちは", "rt"))
        assert await ev.post_webhook(http, url, body, "sec") == 200
        assert await ev.post_webhook(http, url, body, None, signature="forged") == 200
        assert await ev.post_webhook(http, url, body, None) == 200
    finally:
        await runner.cleanup()
    assert seen[0] == (body, ev.sign(body, "sec"))
    assert seen[1][1] == "forged" and seen[2][1] is None


async def test_the_loading_animation_is_checked_as_the_spec_says(line, api):
    """showLoadingAnimation through the SDK: chatId required, loadingSeconds 5-60 in steps
    of 5 (messaging-api.yml, ShowLoadingAnimationRequest); 202 when accepted."""
    user = ev.new_user_id()
    await api.show_loading_animation(ShowLoadingAnimationRequest(chatId=user, loadingSeconds=20))
    assert line.loading_shown() == [(user, 20)]
    async with aiohttp.ClientSession() as session:
        for body in (
            {"chatId": user, "loadingSeconds": 7},
            {"chatId": user, "loadingSeconds": 65},
            {"chatId": user, "loadingSeconds": "20"},
            {"loadingSeconds": 20},
            {"chatId": "not-a-user", "loadingSeconds": 20},
        ):
            async with session.post(
                line.base_url + "/v2/bot/chat/loading/start",
                json=body,
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as response:
                assert response.status == 400, body
    assert line.loading_shown() == [(user, 20)]
