"""What a counselor looks for in the inbox: fixed SQL conditions with named parameters on
the clear columns, and the intake answers, which are sealed (issue 23) and so compared
after opening, never in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.timefmt import to_db

WRITERS = ("self", "family", "supporter")
_WRITERS = "(" + ", ".join(f"'{writer}'" for writer in WRITERS) + ")"


@dataclass(frozen=True)
class InboxFilter:
    """What a counselor looks for (GET /api/v1/conversations's query): every given field
    narrows the queue. Values are checked by the API; here they only become parameters."""

    number: int | None = None  # the conversation's number (its id)
    writer: str | None = None  # self / family / supporter / unknown
    channel: str | None = None
    counselor_id: int | None = None
    no_counselor: bool = False
    status: str | None = None
    urgent: bool | None = None
    opened_from: datetime | None = None  # the conversation began at or after
    opened_before: datetime | None = None  # ... and before
    age_band: str | None = None  # intake answers
    relationship: str | None = None

    def sql(self) -> tuple[list[str], dict[str, Any]]:
        """Fixed SQL conditions with named parameters: nothing from the request is ever
        spelled into the SQL itself."""
        conditions: list[str] = []
        params: dict[str, Any] = {}

        def add(condition: str, **values: Any) -> None:
            conditions.append(condition)
            params.update(values)

        if self.number is not None:
            add("c.id = :f_number", f_number=self.number)
        if self.writer == "unknown":
            add(f"(c.topic IS NULL OR c.topic NOT IN {_WRITERS})")
        elif self.writer is not None:
            add("c.topic = :f_writer", f_writer=self.writer)
        if self.channel is not None:
            add("ct.channel = :f_channel", f_channel=self.channel)
        if self.no_counselor:
            add("c.counselor_id IS NULL")
        elif self.counselor_id is not None:
            add(
                "(c.counselor_id = :f_counselor OR c.pair_counselor_id = :f_counselor)",
                f_counselor=self.counselor_id,
            )
        if self.status is not None:
            add("c.status = :f_status", f_status=self.status)
        if self.urgent is not None:
            add("c.urgent = :f_urgent", f_urgent=int(self.urgent))
        if self.opened_from is not None:
            add("c.opened_at >= :f_from", f_from=to_db(self.opened_from))
        if self.opened_before is not None:
            add("c.opened_at < :f_before", f_before=to_db(self.opened_before))
        return conditions, params

    def intake_answers(self) -> dict[str, str]:
        """The intake answers asked for, by field: none means no intake to open."""
        asked = {"age_band": self.age_band, "relationship": self.relationship}
        return {name: value for name, value in asked.items() if value is not None}

    def matches_intake(self, intake: dict[str, Any] | None) -> bool:
        """Whether an opened intake gives every answer asked for; a conversation without
        an intake (or one that is not a JSON object) gives none."""
        asked = self.intake_answers()
        if not asked:
            return True
        return intake is not None and all(intake.get(k) == v for k, v in asked.items())
