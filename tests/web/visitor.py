"""A web chat visitor as a program: an HTTP client with its own cookie jar."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aiohttp

from tests.service import RunningService


class Visitor:
    def __init__(self, service: RunningService) -> None:
        self.service = service
        # Cookies for 127.0.0.1 are kept only by an "unsafe" jar (an IP address, not a name).
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def __aenter__(self) -> Visitor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()

    def url(self, path: str) -> str:
        return self.service.url + path

    async def post(self, path: str, body: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        async with self.session.post(self.url(path), json=body, **kwargs) as response:
            return response.status, await response.json()

    async def start(self) -> dict[str, Any]:
        status, body = await self.post("/chat/api/start", {})
        assert status == 200, body
        await self.service.settle()
        return body

    async def say(self, text: str) -> tuple[int, dict[str, Any]]:
        status, body = await self.post(
            "/chat/api/messages", {"text": text, "id": str(uuid.uuid4())}
        )
        await self.service.settle()
        return status, body

    async def choose(self, label: str) -> tuple[int, dict[str, Any]]:
        offered = {c["label"]: c["data"] for c in await self.buttons()}
        assert label in offered, f"{label!r} not among {list(offered)}"
        status, body = await self.post("/chat/api/messages", {"choice": offered[label]})
        await self.service.settle()
        return status, body

    async def page(self, after: int | None = None) -> dict[str, Any]:
        query = "" if after is None else f"?after={after}"
        async with self.session.get(self.url("/chat/api/messages" + query)) as response:
            assert response.status == 200
            return await response.json()

    async def buttons(self) -> list[dict[str, str]]:
        ours = [m for m in (await self.page())["messages"] if m["author"] == "tobira"]
        return ours[-1]["parts"][-1]["choices"] if ours else []

    async def texts(self) -> list[str]:
        return [p["text"] for m in (await self.page())["messages"] for p in m["parts"]]


async def read_events(response: aiohttp.ClientResponse, count: int) -> list[tuple[str, str, Any]]:
    """`count` server-sent events (id, event, data), skipping comments and the hello."""
    found: list[tuple[str, str, Any]] = []
    event_id, kind, data = "", "message", ""
    while len(found) < count:
        raw = await response.content.readline()
        if not raw:
            break
        line = raw.decode().rstrip("\r\n")
        if line == "":
            if data and kind != "hello":
                found.append((event_id, kind, json.loads(data)))
            event_id, kind, data = "", "message", ""
        elif line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
    return found


# What a worried mother taps in the family flow, one label per question it asks.
MOTHER_TAPS = ["家族のこと", "母", "40代", "10年より長い", "話を聞いてほしい", "このチャットで"]


async def through_the_family_flow(visitor: Visitor) -> None:
    """Tap the mother's answers (or skip) until the flow stops offering buttons."""
    taps = list(MOTHER_TAPS)
    for _ in range(20):
        offered = [b["label"] for b in await visitor.buttons()]
        if not offered:
            return
        label = next((tap for tap in taps if tap in offered), None)
        if label is None:
            label = next(lab for lab in offered if lab in ("答えたくない", "スキップ"))
        else:
            taps.remove(label)
        status, body = await visitor.choose(label)
        assert status == 202, body
    raise AssertionError("the family flow should reach a handoff")
