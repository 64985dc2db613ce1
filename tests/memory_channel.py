"""A channel that lives in memory: the seam's test double (Rasa's collecting output channel).

It is registered beside LINE in one line (`channels=[*registered(settings), MemoryChannel()]`)
and goes through the same dispatcher, turns, outbox and sender as LINE, with no change to
the core. Inbound: POST /webhooks/memory {"id", "user", "text" | "choice"}. Outbound: every
call the sender makes is kept in `sent`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web

from bot.delivery.channel import (
    Inbound,
    Intake,
    Outgoing,
    RetryPolicy,
    SendResult,
    Transport,
)
from storage.events import NewEvent, StoredEvent

NAME = "memory"


@dataclass
class Sent:
    method: str
    address: str
    messages: list[dict[str, object]]
    retry_key: str | None


@dataclass
class MemoryTransport:
    sent: list[Sent] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def reply(self, reply_token: str, payload: str) -> SendResult:
        return SendResult("invalid_token", "this channel has no reply tokens")

    async def push(self, address: str, payload: str, retry_key: str) -> SendResult:
        self.sent.append(Sent("push", address, json.loads(payload), retry_key))
        self.changed.set()
        return SendResult("delivered")

    async def close(self) -> None:
        pass


class MemoryChannel:
    name = NAME
    retry = RetryPolicy()
    limits = None
    reply_window = None

    def __init__(self) -> None:
        self.transport = MemoryTransport()

    def setup_routes(self, app: web.Application, intake: Intake) -> None:
        async def receive(request: web.Request) -> web.Response:
            with intake.foreground():
                body = await request.json()
                event = NewEvent(
                    channel=NAME,
                    event_id=body["id"],
                    platform_user_id=body["user"],
                    kind="choice" if "choice" in body else "text",
                    occurred_at_ms=int(time.time() * 1000),
                    payload=json.dumps(body, ensure_ascii=False),
                )
                fresh = await intake.receive([event])
            return web.json_response({"new": fresh})

        app.router.add_post("/webhooks/memory", receive)

    def to_inbound(self, stored: StoredEvent) -> Inbound:
        from datetime import UTC, datetime

        body = json.loads(stored.payload)
        common = {
            "channel": NAME,
            "event_row_id": stored.id,
            "user_key": stored.user_key or "",
            "contact_id": stored.contact_id,
            "occurred_at": datetime.fromtimestamp(stored.occurred_at_ms / 1000, UTC),
        }
        if "choice" in body:
            return Inbound(kind="postback", postback_data=body["choice"], **common)  # type: ignore[arg-type]
        return Inbound(kind="text", text=body["text"], platform_type="text", **common)  # type: ignore[arg-type]

    def render(self, messages: Sequence[Outgoing], *, reusable: bool) -> list[str]:
        # One call per message, as a list of plain objects.
        return [
            json.dumps(
                [{"text": m.text, "choices": [list(c) for c in m.choices]}], ensure_ascii=False
            )
            for m in messages
        ]

    async def open(self) -> Transport:
        return self.transport

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Sent]:
        async def enough() -> None:
            while len(self.transport.sent) < count:
                self.transport.changed.clear()
                await self.transport.changed.wait()

        await asyncio.wait_for(enough(), timeout)
        return self.transport.sent
