"""What a flow's messages must fit: limits the caller gives, never a platform's own numbers.

Each channel declares its limits (bot/channels/<name>/, `Channel.limits`); the service checks
the flows against the strictest of the registered channels, so that every message fits on
every channel. A limit names the channel that sets it, for the problem a counselor reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class MessageLimits:
    """What one message may hold on a channel; None: no limit of that kind."""

    channel: str  # as a counselor knows it, e.g. "LINE"
    text_units: int | None = None  # a text's length in UTF-16 code units
    choices: int | None = None  # answer buttons under one message
    label_chars: int | None = None  # a button's label
    data_chars: int | None = None  # what a button sends back (its postback data)


@dataclass(frozen=True)
class Limit:
    most: int
    channel: str  # the channel that sets it


@dataclass(frozen=True)
class FlowLimits:
    """Per kind, the strictest limit among the channels (None: no channel sets one)."""

    text_units: Limit | None = None
    choices: Limit | None = None
    label_chars: Limit | None = None
    data_chars: Limit | None = None


NO_LIMITS = FlowLimits()


def strictest(channels: Iterable[MessageLimits]) -> FlowLimits:
    found: dict[str, Limit] = {}
    for limits in channels:
        for kind in fields(FlowLimits):
            most = getattr(limits, kind.name)
            if most is not None and (kind.name not in found or most < found[kind.name].most):
                found[kind.name] = Limit(most, limits.channel)
    return FlowLimits(**found)
