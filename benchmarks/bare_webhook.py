"""The baseline: a bare aiohttp handler that only checks the LINE signature and answers 200."""

from __future__ import annotations

import sys

from aiohttp import web
from linebot.v3 import SignatureValidator


def make_app(secret: str) -> web.Application:
    validator = SignatureValidator(secret)

    async def webhook(request: web.Request) -> web.Response:
        body = await request.text()
        if not validator.validate(body, request.headers.get("X-Line-Signature", "")):
            return web.Response(status=400)
        return web.json_response({})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/webhooks/line", webhook)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    web.run_app(
        make_app(sys.argv[1]),
        host="127.0.0.1",
        port=int(sys.argv[2]),
        access_log=None,
        print=lambda _: None,
    )
