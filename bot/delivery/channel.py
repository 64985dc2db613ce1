"""The channel seam: what crosses between tobira's core and a messaging platform.

A channel (LINE, the web chat, a test double) is four things: its inbound routes, a
normaliser from its stored events to the neutral `Inbound`, a renderer from neutral
`Outgoing` messages to its wire form (what an outbox row keeps), and a transport with its
own retry rules. It also owns its rules: what one message may hold (`limits`, which the
flows are checked against) and how long an event's reply token lives (`reply_window`).
What only some transports can do (reply, mark as read, typing, a push quota) is an optional
protocol, checked at run time. The core (dispatcher, turns, say, the sender) only ever sees
this module; channels are registered in one map in the composition root (bot/app/channels.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from flows.limits import FlowLimits, MessageLimits, strictest
from storage.events import NewEvent, StoredEvent

if TYPE_CHECKING:
    from aiohttp import web

    from storage.database import Database

# "invitation": a web chat link of a family's invitation was opened (bot/households).
InboundKind = Literal["follow", "unfollow", "text", "postback", "invitation", "other"]


@dataclass(frozen=True)
class Inbound:
    channel: str
    event_row_id: int
    user_key: str  # the sender's user hash (contacts.user_hash), never their platform id
    kind: InboundKind
    occurred_at: datetime
    text: str | None = None
    postback_data: str | None = None
    reply_token: str | None = None
    # What the platform called it (e.g. "message/sticker"), kept for staff and metrics.
    platform_type: str = ""
    # The channel's token for marking this message read once a counselor opens it (LINE's
    # markAsReadToken); only set when the channel is configured to mark messages read.
    read_token: str | None = None
    # The SHA-256 of an invitation link's token ("invitation" events; the token itself is
    # never stored), and the sender's address as the channel's keyed hash (the web chat's),
    # for the limit on wrong invitation codes per address (bot/households/guesses.py).
    invitation: str | None = None
    address: str | None = None
    # The sender's contact, found or made when the event was stored (StoredEvent.contact_id);
    # None only for an event stored before sealing existed (its user_key is the platform id).
    contact_id: int | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message to send, before a channel renders it: text and optional answer buttons."""

    text: str
    choices: tuple[tuple[str, str], ...] = ()  # (label, postback data)


# -- sending ---------------------------------------------------------------------------

SendOutcome = Literal["delivered", "retry", "invalid_token", "give_up"]
# The detail of a 429: the platform refused before sending anything.
RATE_LIMITED = "HTTP 429"
# The start of a detail for a call that was never made.
NOT_SENT = "not sent: "
# The detail of a push the platform refused for the month's allowance (LINE's 429 "You
# have reached your monthly limit").
PUSH_ALLOWANCE_USED = NOT_SENT + "monthly push allowance used"


class Unsent(StrEnum):
    """Why a failed call certainly sent nothing (for every other failure, only the platform
    knows): a push after it cannot answer twice."""

    RATE_LIMITED = "rate_limited"  # refused before sending (a 429)
    ALLOWANCE_USED = "allowance_used"  # refused: the month's pushes are used up
    NOT_CALLED = "not_called"  # the call was never made (the service is stopping...)


@dataclass(frozen=True)
class SendResult:
    outcome: SendOutcome
    detail: str = ""  # for logs and the outbox row's last_error
    unsent: Unsent | None = None  # set when the call certainly sent nothing


@dataclass(frozen=True)
class RetryPolicy:
    """How a channel's transport is retried: doubling from `base` up to `max`."""

    base: timedelta = timedelta(seconds=1)
    max: timedelta = timedelta(minutes=5)
    max_attempts: int = 12

    def backoff(self, attempts: int) -> float:
        doubled: float = self.base.total_seconds() * 2 ** (attempts - 1)
        return min(doubled, self.max.total_seconds())


class Transport(Protocol):
    """A channel's calls. `payload` is what the channel's renderer made for one call;
    `address` is the contact's platform id. A push carries the row's own retry key, so the
    platform can deduplicate a retry."""

    async def push(self, address: str, payload: str, retry_key: str) -> SendResult: ...

    async def close(self) -> None: ...


@runtime_checkable
class Replier(Protocol):
    """A transport whose platform answers an event through its single-use reply token
    (LINE's free replies), while the channel's `reply_window` lasts."""

    async def reply(self, reply_token: str, payload: str) -> SendResult: ...


@runtime_checkable
class ReadMarker(Protocol):
    """A transport that can tell the platform a person read the client's messages (LINE's
    "mark as read"): `read_token` is the newest message's `Inbound.read_token`."""

    async def mark_read(self, read_token: str) -> SendResult: ...


@runtime_checkable
class TypingShower(Protocol):
    """A transport that can show the client that someone is writing to them (LINE's
    loading animation) for about `seconds`."""

    async def show_typing(self, address: str, seconds: int) -> SendResult: ...


@dataclass(frozen=True)
class PushQuota:
    """The month's pushes: `limit` None when the plan sets none."""

    limit: int | None
    used: int


@runtime_checkable
class QuotaReader(Protocol):
    """A transport whose platform counts pushes against a monthly allowance (LINE). Raises
    QuotaUnknown when the platform did not answer."""

    async def push_quota(self) -> PushQuota: ...


class QuotaUnknown(RuntimeError):
    """The platform did not say (an error, a timeout); safe to show."""


# -- receiving -------------------------------------------------------------------------


class Intake(Protocol):
    """What a channel's inbound routes hand their events to (bot/conversation/receive.py)."""

    def foreground(self) -> AbstractContextManager[None]:
        """Held while answering a platform's request: background work yields meanwhile."""
        ...

    async def receive(self, events: Sequence[NewEvent]) -> int:
        """Commit the events (before the platform is answered) and wake their lanes.
        Returns how many were new."""
        ...

    def now(self) -> datetime:
        """The service's clock (time is injected: tests move it)."""
        ...

    def database(self) -> Database:
        """The service's database, once it runs: for a channel with rows of its own (the
        web chat reads what a visitor's page shows)."""
        ...


class Channel(Protocol):
    name: str
    retry: RetryPolicy

    @property
    def limits(self) -> MessageLimits | None:
        """What one message may hold on this channel (None: no limits of its own)."""
        ...

    @property
    def reply_window(self) -> timedelta | None:
        """How long after an event its reply token may be used (None: no reply tokens)."""
        ...

    def setup_routes(self, app: web.Application, intake: Intake) -> None:
        """Add the channel's inbound routes (webhooks, pages) to the service."""
        ...

    def to_inbound(self, stored: StoredEvent) -> Inbound: ...

    def render(self, messages: Sequence[Outgoing], *, reusable: bool) -> list[str]:
        """One payload per platform call. `reusable`: the words are the same for everyone
        (a flow's), so a renderer may cache them; a counselor's answer is not cached."""
        ...

    async def open(self) -> Transport | None:
        """Start sending (None: not configured, rows wait in the outbox)."""
        ...


@runtime_checkable
class Combines(Protocol):
    """Optional for a channel: several rendered payloads sent as one call, when they fit
    (None when they do not). Lets one free reply carry pushes that must wait."""

    def combine(self, payloads: Sequence[str]) -> str | None: ...


@runtime_checkable
class Rewords(Protocol):
    """Optional for a channel: its own words for a neutral text (the web chat thanks a
    visitor for opening the page, not for a LINE follow). The transcript keeps what the
    client read."""

    def shown(self, text: str) -> str: ...


@runtime_checkable
class Warns(Protocol):
    """Optional for a channel: what it cannot do as configured, as sentences an operator
    reads at start-up and in /healthz (e.g. a missing secret)."""

    def warnings(self) -> list[str]: ...


class Channels:
    """The registered channels by name: the one map the core looks channels up in."""

    def __init__(self, channels: Iterable[Channel]) -> None:
        self._by_name: dict[str, Channel] = {}
        # isinstance on a runtime-checkable Protocol inspects every member: asked once per
        # channel here, not once per message said.
        self._rewording: dict[str, Rewords] = {}
        for channel in channels:
            if channel.name in self._by_name:
                raise ValueError(f"two channels are named {channel.name!r}")
            self._by_name[channel.name] = channel
            if isinstance(channel, Rewords):
                self._rewording[channel.name] = channel

    def __getitem__(self, name: str) -> Channel:
        return self._by_name[name]

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._by_name.values())

    def render(self, channel: str, messages: Sequence[Outgoing], *, reusable: bool) -> list[str]:
        return self._by_name[channel].render(messages, reusable=reusable)

    def flow_limits(self) -> FlowLimits:
        """The strictest of every channel's limits: what a flow's messages must fit."""
        return strictest(c.limits for c in self._by_name.values() if c.limits is not None)

    @property
    def answer_max_chars(self) -> int | None:
        """The longest text a counselor may send in one answer: the strictest channel's
        message (a longer one would be split, and is rather a paste gone wrong)."""
        text = self.flow_limits().text_units
        return text.most if text is not None else None

    def reply_deadline(self, inbound: Inbound) -> datetime | None:
        """Until when the event's reply token may be used (None: it has none)."""
        window = self._by_name[inbound.channel].reply_window
        if inbound.reply_token is None or window is None:
            return None
        return inbound.occurred_at + window

    def shown(self, channel: str, text: str) -> str:
        """The text as the client of `channel` reads it."""
        found = self._rewording.get(channel)
        return found.shown(text) if found is not None else text

    def normalisers(self) -> dict[str, Callable[[StoredEvent], Inbound]]:
        return {name: channel.to_inbound for name, channel in self._by_name.items()}

    def warnings(self) -> list[str]:
        """Every channel's warnings (channels without the optional method have none)."""
        found: list[str] = []
        for channel in self._by_name.values():
            if isinstance(channel, Warns):
                found += channel.warnings()
        return found
