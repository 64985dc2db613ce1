"""An outbox row the platform took: marked on the writer, then told as MESSAGE_SENT."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.runtime.events import Event, EventKind
from storage import outbox
from storage.tx import Tx


@dataclass(frozen=True)
class Delivered:
    outbox_id: int
    at: datetime
    note: str | None  # what the platform said, if anything (a spent token as receipt)
    conversation_id: int | None

    def mark(self, conn: Tx) -> None:
        outbox.mark_delivered(conn, self.outbox_id, self.at, self.note)

    def event(self) -> Event:
        return Event(EventKind.MESSAGE_SENT, self.conversation_id, outbox_id=self.outbox_id)
