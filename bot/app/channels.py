"""The registered channels: the one place that names them. Adding a channel is a package
under bot/channels/ and one line here."""

from __future__ import annotations

from bot.channels.line import LineChannel
from bot.channels.web import WebChannel
from bot.config.settings import Settings
from bot.delivery.channel import Channel


def registered(settings: Settings, *, demo: bool = False) -> list[Channel]:
    return [
        LineChannel(settings.line, settings.log_level, demo=demo),
        WebChannel(settings),
    ]
