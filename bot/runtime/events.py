"""Domain events: what changed, told to live subscribers only after it was committed.

Each write job's outcome carries its events; whoever awaited the write publishes them once
the transaction landed, so a subscriber (a console page, a web chat visitor) never hears of
a change that was rolled back. An event is a small record of ids and a kind, never message
text: a page fetches what it shows, and later several instances can carry the same records
over PostgreSQL LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

log = logging.getLogger("tobira.events")


class EventKind(StrEnum):
    MESSAGE_RECEIVED = "message_received"  # the client wrote (a transcript row)
    MESSAGE_QUEUED = "message_queued"  # we said something (bot or staff): outbox rows
    MESSAGE_SENT = "message_sent"  # an outbox row reached the platform
    MESSAGE_FAILED = "message_failed"  # an outbox row was given up
    CONVERSATION_QUEUED = "conversation_queued"  # handed off, waiting for a counselor
    CONVERSATION_ASSIGNED = "conversation_assigned"
    CONVERSATION_RESOLVED = "conversation_resolved"
    CONVERSATION_CHANGED = "conversation_changed"  # anything else a list row shows
    ALERT_RAISED = "alert_raised"
    DANGER_DETECTED = "danger_detected"  # a message signalled danger: `level` says which


@dataclass(frozen=True)
class Event:
    kind: EventKind
    conversation_id: int | None = None
    message_id: int | None = None
    outbox_id: int | None = None
    alert_id: int | None = None
    staff_id: int | None = None  # whom an alert is for, or who acted
    level: str | None = None  # a danger signal's level (crisis, violence, child)

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


Subscriber = Callable[[Event], None]


class EventBus:
    """In-process publish/subscribe. Subscribers are plain callables run on the event loop;
    they must not block (a page's subscriber puts the event on its own queue)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Start hearing events; returns the call that stops it."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            for subscriber in list(self._subscribers):
                try:
                    subscriber(event)
                except Exception:
                    # One broken page must not stop the others, nor the write that told us.
                    log.exception("event subscriber failed", extra={"kind": event.kind.value})

    def queue(self, maxsize: int = 1000) -> tuple[asyncio.Queue[Event], Callable[[], None]]:
        """A queue that receives every event from now on (oldest dropped when full)."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)

        def put(event: Event) -> None:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

        return queue, self.subscribe(put)
