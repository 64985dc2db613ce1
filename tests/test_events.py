"""Domain events reach subscribers only after their transaction committed, never for a
write that was rolled back, and carry ids and kinds, never text."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import bot.handoff.assignment
from bot.app import keys
from bot.runtime.events import Event, EventKind
from tests import line_events as ev
from tests.service import RunningService


@contextmanager
def watching(service: RunningService) -> Iterator[list[tuple[Event, bool]]]:
    """Every event published, with whether its change was visible to another connection at
    the moment the subscriber heard of it (that is: committed)."""
    seen: list[tuple[Event, bool]] = []
    other = sqlite3.connect(service.settings.database)

    def committed(event: Event) -> bool:
        if event.kind == EventKind.MESSAGE_RECEIVED:
            row = other.execute("SELECT 1 FROM messages WHERE id = ?", (event.message_id,))
            return row.fetchone() is not None
        if event.kind == EventKind.CONVERSATION_QUEUED:
            row = other.execute(
                "SELECT status FROM conversations WHERE id = ?", (event.conversation_id,)
            ).fetchone()
            return row is not None and row[0] == "queued"
        return True

    unsubscribe = service.app[keys.EVENTS].subscribe(lambda e: seen.append((e, committed(e))))
    try:
        yield seen
    finally:
        unsubscribe()
        other.close()


async def test_received_and_queued_are_heard_only_once_committed(service, line):
    user = ev.new_user_id()
    with watching(service) as seen:
        await service.post_events(ev.follow(user, line.issue_reply_token(user)))
        await service.settle()
        await service.post_events(ev.text(user, "人と話したい", line.issue_reply_token(user)))
        await service.settle()
    kinds = [event.kind for event, _ in seen]
    assert EventKind.MESSAGE_RECEIVED in kinds
    assert EventKind.CONVERSATION_QUEUED in kinds
    assert EventKind.MESSAGE_SENT in kinds
    assert all(visible for _, visible in seen), [e for e, visible in seen if not visible]
    for event, _ in seen:
        assert set(event.to_dict()) <= {
            "kind",
            "conversation_id",
            "message_id",
            "outbox_id",
            "alert_id",
            "staff_id",
        }


async def test_a_rolled_back_turn_publishes_nothing_of_its_own(service, line, monkeypatch):
    """The handoff fails half-way through the turn: the turn is rolled back and replaced by
    the fallback. Nobody hears "queued"; what is heard is the fallback's, and committed."""

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the assignment")

    monkeypatch.setattr(bot.handoff.assignment, "assign_on_handoff", broken)
    user = ev.new_user_id()
    with watching(service) as seen:
        await service.post_events(ev.text(user, "人と話したい", line.issue_reply_token(user)))
        await service.settle()
    kinds = [event.kind for event, _ in seen]
    assert EventKind.CONVERSATION_QUEUED not in kinds
    assert kinds.count(EventKind.MESSAGE_RECEIVED) == 1
    assert EventKind.ALERT_RAISED in kinds
    assert all(visible for _, visible in seen)
    status = await service.db.fetch_one("SELECT status FROM conversations")
    assert status[0] == "bot", "the handoff was rolled back with its event"
