"""What the engine asks the dispatcher to do. Plain frozen values; the dispatcher applies them."""

from __future__ import annotations

from dataclasses import dataclass

from flows.intake import Intake

# TONE.md rule 1: never more than three messages in one turn.
MAX_MESSAGES_PER_TURN = 3


@dataclass(frozen=True)
class Choice:
    """One quick-reply button: a postback whose displayText is the label."""

    label: str
    data: str


@dataclass(frozen=True)
class OutMessage:
    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Send:
    messages: tuple[OutMessage, ...]


@dataclass(frozen=True)
class StoreAnswer:
    """An answer to keep. label is the chosen button's label, None for free text or a skip."""

    key: str
    value: str
    label: str | None


@dataclass(frozen=True)
class HandOff:
    """A human takes over. topic routes the conversation; summary is for staff, in Japanese."""

    topic: str
    summary: str
    intake: Intake


@dataclass(frozen=True)
class End:
    pass


@dataclass(frozen=True)
class Paused:
    pass


@dataclass(frozen=True)
class Resumed:
    pass


Effect = Send | StoreAnswer | HandOff | End | Paused | Resumed
