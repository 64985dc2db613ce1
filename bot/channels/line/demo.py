"""Demo mode's stand-in for LINE's reply and push endpoints, served by tobira itself.

It keeps what the bot would have sent, per person, so `tobira chat` can show it in a terminal.
Only `tobira demo` mounts it; nothing leaves the machine. Reply tokens made by `tobira chat`
look like "demo:{userId}:{n}", so a reply can be filed under its person.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import Any

from aiohttp import web

DEMO_TOKEN = "tobira-demo-access-token"
# The demo's own channel secret: demo mode signs with it (tobira chat, /dev/line); never
# a real channel's.
DEMO_SECRET = "tobira-demo-channel-secret"
SENT = web.AppKey("demo_sent", dict)
USED_TOKENS = web.AppKey("demo_used_tokens", set)
PUSHES = web.AppKey("demo_pushes", list)
# The free plan's monthly push allowance, so the console's quota line shows real figures.
DEMO_PUSH_ALLOWANCE = 200


def create_demo_line() -> web.Application:
    app = web.Application()
    app[SENT] = defaultdict(list)
    app[USED_TOKENS] = set()
    app[PUSHES] = [0]
    app.router.add_post("/v2/bot/message/reply", _reply)
    app.router.add_post("/v2/bot/message/push", _push)
    app.router.add_get("/v2/bot/message/quota", _quota)
    app.router.add_get("/v2/bot/message/quota/consumption", _consumption)
    app.router.add_get("/messages/{user}", _messages)
    return app


def _authorised(request: web.Request) -> bool:
    return request.headers.get("Authorization") == f"Bearer {DEMO_TOKEN}"


async def _record(request: web.Request, user_of: Any) -> web.Response:
    if not _authorised(request):
        return web.json_response({"message": "Authentication failed"}, status=401)
    body = await request.json()
    user = user_of(body)
    token = body.get("replyToken")
    if not user or token in request.app[USED_TOKENS]:
        return web.json_response({"message": "Invalid reply token"}, status=400)
    if token:
        request.app[USED_TOKENS].add(token)  # single use, as at LINE
    messages = body.get("messages", [])
    request.app[SENT][user].extend(messages)
    sent = [{"id": secrets.token_hex(8), "quoteToken": secrets.token_hex(8)} for _ in messages]
    return web.json_response({"sentMessages": sent})


async def _reply(request: web.Request) -> web.Response:
    def user_of(body: dict[str, Any]) -> str | None:
        parts = str(body.get("replyToken", "")).split(":")
        return parts[1] if len(parts) == 3 and parts[0] == "demo" else None

    return await _record(request, user_of)


async def _push(request: web.Request) -> web.Response:
    if request.app[PUSHES][0] >= DEMO_PUSH_ALLOWANCE:
        return web.json_response({"message": "You have reached your monthly limit."}, status=429)
    response = await _record(request, lambda body: body.get("to"))
    if response.status == 200:
        request.app[PUSHES][0] += 1
    return response


async def _quota(request: web.Request) -> web.Response:
    if not _authorised(request):
        return web.json_response({"message": "Authentication failed"}, status=401)
    return web.json_response({"type": "limited", "value": DEMO_PUSH_ALLOWANCE})


async def _consumption(request: web.Request) -> web.Response:
    if not _authorised(request):
        return web.json_response({"message": "Authentication failed"}, status=401)
    return web.json_response({"totalUsage": request.app[PUSHES][0]})


async def _messages(request: web.Request) -> web.Response:
    after = int(request.query.get("after", "0"))
    sent = request.app[SENT].get(request.match_info["user"], [])
    return web.json_response({"messages": sent[after:], "next": len(sent)})
