"""HTTP endpoints of the service itself: the LINE webhook and the health check."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from bot import app as keys
from bot.channels.line import WebhookRejected
from storage import events

log = logging.getLogger("tobira.webhook")


def setup(app: web.Application) -> None:
    app.router.add_post("/webhooks/line", line_webhook)
    app.router.add_get("/healthz", healthz)


async def line_webhook(request: web.Request) -> web.Response:
    with request.app[keys.PRIORITY].foreground():
        return await _line_webhook(request)


async def _line_webhook(request: web.Request) -> web.Response:
    started = time.perf_counter()
    app = request.app
    parser = app.get(keys.LINE_WEBHOOK)
    if parser is None:
        return _reject(503, "LINE channel secret not configured", started)
    if (request.content_length or 0) > keys.MAX_WEBHOOK_BYTES:
        return _reject(413, "body too large", started)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _reject(413, "body too large", started)
    try:
        new_events = parser.parse(body, request.headers.get("X-Line-Signature"))
    except WebhookRejected as rejected:
        return _reject(rejected.status, rejected.reason, started)
    # Persist before 200: LINE's retry (or ours, after a crash) depends on this commit.
    now = app[keys.CLOCK].now()
    if new_events:
        fresh = await app[keys.DB].write(
            lambda c: events.insert_new(c, new_events, now), urgent=True
        )
        dispatcher = app[keys.DISPATCHER]
        for key in {(e.channel, e.user_key) for e in new_events}:
            dispatcher.kick(*key)
    else:
        fresh = 0
    # Each event gets its own line when processed; the accepted request itself is routine.
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "webhook",
            extra={
                "status": 200,
                "events": len(new_events),
                "new": fresh,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
    return web.Response(text="{}", content_type="application/json")


def _reject(status: int, reason: str, started: float) -> web.Response:
    log.warning(
        "webhook rejected",
        extra={
            "status": status,
            "reason": reason,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return web.json_response({"error": reason}, status=status)


async def healthz(request: web.Request) -> web.Response:
    try:
        ok = await request.app[keys.DB].ping()
    except Exception:
        ok = False
    status = 200 if ok else 503
    return web.json_response({"status": "ok" if ok else "database unavailable"}, status=status)
