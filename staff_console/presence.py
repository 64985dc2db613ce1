"""Who is looking at a conversation, and who is typing: kept in memory, with expiry.

Presence is a hint, not a record: a page says "I am viewing" every HEARTBEAT seconds and
"I am typing" while keys are pressed; an entry not renewed expires (a closed laptop
leaves no ghost). Nothing is written to the database; the views themselves are audited
where the conversation is opened. When who is present changes, a `presence_changed`
event goes out on the same server-sent events (ids only); pages fetch the list.

One process holds it: with several instances this moves to a shared store (the events
already travel as ids, so the pages do not change).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime.events import Event, EventKind

HEARTBEAT = 20  # seconds between a viewing page's renewals
VIEWING_FOR = timedelta(seconds=HEARTBEAT * 2 + 5)
TYPING_FOR = timedelta(seconds=6)
STATES = ("viewing", "typing", "left")


@dataclass
class Presence:
    staff_id: int
    display_name: str
    viewing_until: datetime
    typing_until: datetime | None = None

    def typing(self, now: datetime) -> bool:
        return self.typing_until is not None and now < self.typing_until


class PresenceBook:
    def __init__(self, publish: Callable[[list[Event]], None]) -> None:
        self._publish = publish
        self._by_conversation: dict[int, dict[int, Presence]] = {}

    def _expire(self, conversation_id: int, now: datetime) -> None:
        entries = self._by_conversation.get(conversation_id, {})
        gone = [sid for sid, entry in entries.items() if entry.viewing_until <= now]
        for staff_id in gone:
            del entries[staff_id]
        if not entries:
            self._by_conversation.pop(conversation_id, None)

    def _shape(self, conversation_id: int, now: datetime) -> tuple[tuple[int, bool], ...]:
        entries = self._by_conversation.get(conversation_id, {})
        return tuple(sorted((sid, e.typing(now)) for sid, e in entries.items()))

    def update(
        self,
        conversation_id: int,
        staff_id: int,
        display_name: str,
        state: str,
        now: datetime,
    ) -> list[Presence]:
        """Record what this staff member is doing; tell the others when that changed."""
        if state not in STATES:
            raise ValueError(f"unknown presence state {state!r}")
        self._expire(conversation_id, now)
        before = self._shape(conversation_id, now)
        entries = self._by_conversation.setdefault(conversation_id, {})
        if state == "left":
            entries.pop(staff_id, None)
        else:
            entry = entries.get(staff_id)
            if entry is None:
                entry = entries[staff_id] = Presence(staff_id, display_name, now + VIEWING_FOR)
            else:
                entry.viewing_until = now + VIEWING_FOR
            entry.typing_until = now + TYPING_FOR if state == "typing" else None
        if not entries:
            self._by_conversation.pop(conversation_id, None)
        if self._shape(conversation_id, now) != before:
            self._publish([Event(EventKind.PRESENCE_CHANGED, conversation_id, staff_id=staff_id)])
        return self.present(conversation_id, now)

    def present(self, conversation_id: int, now: datetime) -> list[Presence]:
        self._expire(conversation_id, now)
        return sorted(
            self._by_conversation.get(conversation_id, {}).values(), key=lambda e: e.staff_id
        )

    def leave_everywhere(self, staff_id: int, now: datetime) -> None:
        """Signed out: gone from every conversation."""
        for conversation_id in list(self._by_conversation):
            if staff_id in self._by_conversation[conversation_id]:
                self.update(conversation_id, staff_id, "", "left", now)
