"""What a write job leaves to do once its transaction has committed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.runtime.events import Event
from storage.deadlines import Deadline


@dataclass
class Outcome:
    """Returned by a write (a turn, a deadline, a staff action) from inside the writer; the
    caller carries it out after the commit: wake the contact's sender for the new outbox
    rows, arm the new deadlines, and tell subscribers what changed. A job that is rolled
    back never returns one, so nobody hears of a change that did not happen."""

    contact_id: int | None = None
    outbox_ids: list[int] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def carry_out(
        self,
        kick: Callable[[int], None],
        arm: Callable[[datetime | None], None],
        publish: Callable[[list[Event]], None],
    ) -> None:
        if self.outbox_ids and self.contact_id is not None:
            kick(self.contact_id)
        for deadline in self.deadlines:
            arm(deadline.due_at)
        if self.events:
            publish(self.events)
