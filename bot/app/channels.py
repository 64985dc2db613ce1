"""The registered channels: the one place that names them. Adding a channel is a package
under bot/channels/ and one line here."""

from __future__ import annotations

from bot.channels.line import LineChannel
from bot.channels.web import WebChannel
from bot.config.settings import Settings
from bot.delivery.channel import Channel, Channels
from flows.limits import FlowLimits


def registered(settings: Settings, *, demo: bool = False) -> list[Channel]:
    return [
        LineChannel(settings.line, settings.log_level, demo=demo),
        WebChannel(settings),
    ]


def flow_limits(settings: Settings | None = None) -> FlowLimits:
    """What every flow message must fit: the strictest of the registered channels' limits
    (which do not depend on the configuration)."""
    return Channels(registered(settings or Settings())).flow_limits()
