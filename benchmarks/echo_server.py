"""The baseline: line-bot-sdk's aiohttp echo pattern (parse, reply at once, then 200)."""

from __future__ import annotations

import sys

from aiohttp import web
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent


def make_app(secret: str, token: str, line_url: str) -> web.Application:
    parser = WebhookParser(secret)
    app = web.Application()

    async def api_ctx(app: web.Application):
        client = AsyncApiClient(Configuration(host=line_url, access_token=token))
        app["api"] = AsyncMessagingApi(client)
        yield
        await client.close()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.text()
        try:
            events = parser.parse(body, request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            return web.Response(status=400)
        for event in events:
            if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
                await app["api"].reply_message(
                    ReplyMessageRequest(
                        reply_token=event.reply_token,
                        messages=[TextMessage(text=event.message.text)],
                    )
                )
        return web.Response(text="OK")

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.cleanup_ctx.append(api_ctx)
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
    )
