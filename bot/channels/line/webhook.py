"""LINE webhooks: verify the signature, check the shape, keep the events before the 200."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

from aiohttp import web
from linebot.v3 import SignatureValidator

from bot.delivery.channel import Intake
from storage.events import NewEvent

CHANNEL = "line"
PATH = "/webhooks/line"
# LINE's bodies are small; anything near this is not LINE.
MAX_WEBHOOK_BYTES = 1024 * 1024
log = logging.getLogger("tobira.webhook")


class WebhookRejected(Exception):
    """The request is not a webhook we accept. `reason` is safe to log (no body content)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class LineWebhook:
    def __init__(self, channel_secret: str) -> None:
        self._validator = SignatureValidator(channel_secret)

    def parse(self, body: bytes, signature: str | None) -> list[NewEvent]:
        """Verify the signature on the raw bytes first, then read the events."""
        if not signature:
            raise WebhookRejected(400, "missing X-Line-Signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookRejected(400, "body is not UTF-8") from None
        if not self._validator.validate(text, signature):
            raise WebhookRejected(400, "signature does not match")
        try:
            document = json.loads(text)
        except ValueError:
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("events"), list):
            raise WebhookRejected(400, "body has no events list")
        return [_new_event(raw, index, body) for index, raw in enumerate(document["events"])]


def _problem(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return "not an object"
    if not isinstance(raw.get("webhookEventId"), str) or not raw["webhookEventId"]:
        return "webhookEventId is missing"
    if not isinstance(raw.get("type"), str) or not raw["type"]:
        return "type is missing"
    timestamp = raw.get("timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        return "timestamp is not a number"
    return None


def _new_event(raw: Any, index: int, body: bytes) -> NewEvent:
    problem = _problem(raw)
    if problem is not None:
        # Signed by LINE, so genuinely theirs: keep it (under an id a redelivery of the same
        # body repeats) rather than refuse the whole body and lose its other events.
        log.warning("malformed event kept", extra={"index": index, "problem": problem})
        digest = hashlib.sha256(body).hexdigest()[:20]
        return NewEvent(
            channel=CHANNEL,
            event_id=f"malformed:{digest}:{index}",
            platform_user_id=None,
            kind="malformed",
            occurred_at_ms=0,
            payload=json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
        )
    event_id, kind, timestamp = raw["webhookEventId"], raw["type"], raw["timestamp"]
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    user_id = source.get("userId") if isinstance(source.get("userId"), str) else None
    return NewEvent(
        channel=CHANNEL,
        event_id=event_id,
        platform_user_id=user_id,
        kind=kind,
        occurred_at_ms=timestamp,
        payload=json.dumps(raw, ensure_ascii=False, separators=(",", ":")),
    )


def add_route(app: web.Application, parser: LineWebhook | None, intake: Intake) -> None:
    """POST /webhooks/line. Without a channel secret every request is refused (503)."""

    async def line_webhook(request: web.Request) -> web.Response:
        with intake.foreground():
            return await _handle(request, parser, intake)

    app.router.add_post(PATH, line_webhook)


async def _handle(request: web.Request, parser: LineWebhook | None, intake: Intake) -> web.Response:
    started = time.perf_counter()
    if parser is None:
        return _reject(503, "LINE channel secret not configured", started)
    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
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
    fresh = await intake.receive(new_events) if new_events else 0
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
