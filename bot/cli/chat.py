"""`tobira chat`: talk to a running `tobira demo` in a terminal, as a LINE user would.

It signs webhooks with the demo channel secret, and shows the bot's answer buttons as
numbered choices: type a number to tap one, anything else is sent as a message.

`--as NAME` is the same LINE user on every run: the user id is derived from NAME (a hash,
no file kept), so "coming back weeks later" can be tried. Without it, each run is a new
person.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp


def user_for(name: str) -> str:
    """A LINE-like user id ("U" + 32 hex digits), the same for the same NAME."""
    return "U" + hashlib.sha256(f"tobira chat: {name}".encode()).hexdigest()[:32]


@dataclass
class ChatSession:
    url: str
    secret: str
    user: str = field(default_factory=lambda: "U" + secrets.token_hex(16))
    seen: int = 0
    tokens: int = 0
    choices: list[tuple[str, str]] = field(default_factory=list)

    def _event(self, kind: str, **extra: Any) -> dict[str, Any]:
        self.tokens += 1
        event = {
            "type": kind,
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": self.user},
            "webhookEventId": secrets.token_hex(13).upper(),
            "deliveryContext": {"isRedelivery": False},
            "replyToken": f"demo:{self.user}:{self.tokens}",
        }
        event.update(extra)
        return event

    async def post(self, session: aiohttp.ClientSession, event: dict[str, Any]) -> None:
        body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()
        signature = base64.b64encode(
            hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        ).decode()
        async with session.post(
            self.url + "/webhooks/line",
            data=body,
            headers={"X-Line-Signature": signature, "Content-Type": "application/json"},
        ) as response:
            response.raise_for_status()

    async def follow(self, session: aiohttp.ClientSession) -> None:
        await self.post(session, self._event("follow", follow={"isUnblocked": False}))

    def refusal(self, line: str) -> str | None:
        """Why a typed line is not sent: a number that is none of the shown choices."""
        if self.choices and line.isdigit() and not 1 <= int(line) <= len(self.choices):
            return f"  (choose a number from 1 to {len(self.choices)}, or write a message)"
        return None

    async def say(self, session: aiohttp.ClientSession, line: str) -> None:
        """A number taps a shown choice; anything else is a text message."""
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            _, data = self.choices[int(line) - 1]
            await self.post(session, self._event("postback", postback={"data": data}))
        else:
            message = {
                "id": secrets.token_hex(8),
                "type": "text",
                "text": line,
                "quoteToken": secrets.token_hex(8),
            }
            await self.post(session, self._event("message", message=message))

    async def history(self, session: aiohttp.ClientSession) -> list[dict[str, Any]]:
        """Everything the demo sent this user so far; later replies start after it."""
        async with session.get(
            f"{self.url}/demo-line/messages/{self.user}", params={"after": "0"}
        ) as response:
            found = await response.json()
        self.seen = found["next"]
        sent: list[dict[str, Any]] = found["messages"]
        self._take_choices(sent)
        return sent

    def _take_choices(self, new: list[dict[str, Any]]) -> None:
        if new and new[-1].get("quickReply"):
            self.choices = [
                (item["action"]["label"], item["action"]["data"])
                for item in new[-1]["quickReply"]["items"]
            ]
        elif new:
            self.choices = []

    async def replies(
        self, session: aiohttp.ClientSession, wait: float = 2.0
    ) -> list[dict[str, Any]]:
        """What the bot sent since last time (waits briefly for the answer to arrive)."""
        deadline = time.monotonic() + wait
        while True:
            async with session.get(
                f"{self.url}/demo-line/messages/{self.user}", params={"after": str(self.seen)}
            ) as response:
                found = await response.json()
            if found["messages"] or time.monotonic() > deadline:
                self.seen = found["next"]
                new: list[dict[str, Any]] = found["messages"]
                self._take_choices(new)
                return new
            await asyncio.sleep(0.1)


def render(messages: list[dict[str, Any]], choices: list[tuple[str, str]]) -> str:
    if not messages:
        # Not a hang: e.g. with a counselor on the case, the bot answers a burst only once.
        return "  (no reply)"
    lines = [f"  tobira> {m.get('text', '')}".replace("\n", "\n          ") for m in messages]
    lines += (
        [f"    [{n}] {label}" for n, (label, _) in enumerate(choices, start=1)]
        if (messages and messages[-1].get("quickReply"))
        else []
    )
    return "\n".join(lines)


async def run_chat(url: str, secret: str, name: str | None = None) -> int:
    chat = ChatSession(url, secret) if name is None else ChatSession(url, secret, user_for(name))
    print("tobira chat: type a message, or a number to tap a choice; Ctrl-D to leave.")
    async with aiohttp.ClientSession() as session:
        earlier = await chat.history(session) if name is not None else []
        if earlier:
            # The same person again: no second follow; show where they left off.
            print(f"  (back as {name}; the last thing tobira said:)")
            print(render(earlier[-1:], chat.choices))
        else:
            await chat.follow(session)
            print(render(await chat.replies(session), chat.choices))
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return 0
            if not line.strip():
                continue
            refusal = chat.refusal(line.strip())
            if refusal is not None:
                print(refusal)
                continue
            await chat.say(session, line.strip())
            print(render(await chat.replies(session), chat.choices))
