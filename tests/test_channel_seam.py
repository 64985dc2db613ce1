"""A second channel needs no change to the core: registered in one line, it goes through
the dispatcher, turns, outbox and sender like LINE does."""

from __future__ import annotations

import uuid

import aiohttp

from bot.app.channels import registered
from storage import contacts, conversations, outbox
from tests.fakeline import FakeLine
from tests.memory_channel import MemoryChannel
from tests.service import RunningService, settings_for


async def say(session: aiohttp.ClientSession, url: str, user: str, **what: str) -> None:
    body = {"id": str(uuid.uuid4()), "user": user, **what}
    async with session.post(url + "/webhooks/memory", json=body) as response:
        assert response.status == 200, await response.text()


async def test_a_test_channel_talks_through_the_whole_core(tmp_path, line: FakeLine):
    settings = settings_for(tmp_path / "tobira.db", line)
    memory = MemoryChannel()
    async with (
        RunningService(settings, channels=[*registered(settings), memory]) as service,
        aiohttp.ClientSession() as http,
    ):
        await say(http, service.url, "visitor-1", text="こんにちは")
        await memory.wait_for(1)
        await service.settle()
        first = memory.transport.sent
        # The flow's greeting and first question, rendered by this channel (one call per
        # message), pushed by the shared sender with a retry key each.
        assert {(s.method, s.address) for s in first} == {("push", "visitor-1")}
        assert len({s.retry_key for s in first}) == len(first) > 1
        question = first[-1].messages[-1]
        assert question["choices"], "the first question offers buttons"
        labels = {label: data for label, data in question["choices"]}
        sent_before = len(memory.transport.sent)
        await say(http, service.url, "visitor-1", choice=labels["家族のこと"])
        await memory.wait_for(sent_before + 1)
        await service.settle()

        contact = await service.db.read(contacts.find, "memory", "visitor-1")
        assert contact is not None and contact.channel == "memory"
        conversation = await service.db.read(conversations.open_for, contact.id)
        assert conversation is not None and conversation.flow_state is not None
        assert "family" in conversation.flow_state
        assert await service.db.read(outbox.counts_by_status) == {
            "delivered": len(memory.transport.sent)
        }
        rows = await service.db.fetch_all("SELECT DISTINCT channel FROM outbox")
        assert [r[0] for r in rows] == ["memory"]
        assert line.calls == [], "nothing of this channel went to LINE"
