"""The baseline: line-bot-sdk-python's own aiohttp echo example, run as it ships.

It follows examples/aiohttp-echo/app.py of github.com/line/line-bot-sdk-python (read at
commit e1fa9338, August 2026) line for line: the SDK's WebhookParser, a Handler whose `echo`
parses, skips what is not a text message and awaits AsyncMessagingApi.reply_message before
answering "OK", one POST route `/callback`, AppRunner + TCPSite, and logging.basicConfig at
INFO (so aiohttp's access log writes a line per request, as the example's does). Two changes
only, both needed to measure it: the API host points at the fake LINE (`--line-url`), and
`--quiet` turns the access log off for a stricter baseline.

    LINE_CHANNEL_SECRET=... LINE_CHANNEL_ACCESS_TOKEN=... \
        python -m benchmarks.echo_server --line-url http://127.0.0.1:PORT --port 8000
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from argparse import ArgumentParser

from aiohttp import web
from aiohttp.web_runner import TCPSite
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


class Handler:
    def __init__(self, line_bot_api: AsyncMessagingApi, parser: WebhookParser) -> None:
        self.line_bot_api = line_bot_api
        self.parser = parser

    async def echo(self, request: web.Request) -> web.Response:
        signature = request.headers["X-Line-Signature"]
        body = await request.text()

        try:
            events = self.parser.parse(body, signature)
        except InvalidSignatureError:
            return web.Response(status=400, text="Invalid signature")

        for event in events:
            if not isinstance(event, MessageEvent):
                continue
            if not isinstance(event.message, TextMessageContent):
                continue
            await self.line_bot_api.reply_message(
                ReplyMessageRequest(
                    reply_token=event.reply_token,
                    messages=[TextMessage(text=event.message.text)],
                )
            )

        return web.Response(text="OK\n")


async def main(port: int, line_url: str, quiet: bool) -> None:
    configuration = Configuration(
        host=line_url, access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"]
    )
    async_api_client = AsyncApiClient(configuration)
    line_bot_api = AsyncMessagingApi(async_api_client)
    parser = WebhookParser(os.environ["LINE_CHANNEL_SECRET"])

    handler = Handler(line_bot_api, parser)

    app = web.Application()
    app.add_routes([web.post("/callback", handler.echo)])

    runner = web.AppRunner(app, access_log=None) if quiet else web.AppRunner(app)
    await runner.setup()
    site = TCPSite(runner=runner, host="127.0.0.1", port=port)
    await site.start()
    await asyncio.Event().wait()  # forever (the example sleeps in a loop of hours)


if __name__ == "__main__":
    logging.basicConfig(format="%(levelname)s:%(message)s", level=logging.INFO)

    arg_parser = ArgumentParser(usage="python -m benchmarks.echo_server [--port <port>]")
    arg_parser.add_argument("-p", "--port", type=int, default=8000, help="port")
    arg_parser.add_argument("--line-url", required=True, help="the (fake) LINE API")
    arg_parser.add_argument("--quiet", action="store_true", help="no access log")
    options = arg_parser.parse_args()
    if not (os.getenv("LINE_CHANNEL_SECRET") and os.getenv("LINE_CHANNEL_ACCESS_TOKEN")):
        print("Specify LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN.", file=sys.stderr)
        sys.exit(1)

    asyncio.run(main(options.port, options.line_url, options.quiet))
