"""The floor under any LINE bot in this stack: verify, read the JSON, reply through the SDK's
client with a ready message dict, on uvloop. No models, no storage, no logic.

benchmarks/replies.py runs it next to the echo pattern to show how much of a reply's cost
is only receiving and sending, which tobira pays like everyone else.
"""

from __future__ import annotations

import json
import sys

import uvloop
from aiohttp import web
from linebot.v3 import SignatureValidator
from linebot.v3.messaging import AsyncApiClient, Configuration

from bot.channels.line_api import JSON_HEADERS, REPLY_PATH


def make_app(secret: str, token: str, line_url: str) -> web.Application:
    validator = SignatureValidator(secret)
    app = web.Application()
    client_key = web.AppKey("client", AsyncApiClient)

    async def client_ctx(app: web.Application):
        app[client_key] = AsyncApiClient(Configuration(host=line_url, access_token=token))
        yield
        await app[client_key].close()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.text()
        if not validator.validate(body, request.headers.get("X-Line-Signature", "")):
            return web.Response(status=400)
        for event in json.loads(body)["events"]:
            if event["type"] == "message" and event["message"]["type"] == "text":
                message = {"type": "text", "text": event["message"]["text"]}
                await app[client_key].call_api(
                    REPLY_PATH,
                    "POST",
                    header_params=dict(JSON_HEADERS),
                    body={"replyToken": event["replyToken"], "messages": [message]},
                    response_types_map={},
                    auth_settings=["Bearer"],
                )
        return web.Response(text="OK")

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.cleanup_ctx.append(client_ctx)
    app.router.add_post("/webhooks/line", webhook)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    secret, token, line_url, port = sys.argv[1:5]
    web.run_app(
        make_app(secret, token, line_url),
        host="127.0.0.1",
        port=int(port),
        access_log=None,
        print=lambda _: None,
        loop=uvloop.new_event_loop(),
    )
