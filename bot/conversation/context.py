"""What every conversation write needs besides the transaction: words, flows, rules, channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.config.helplines import SafetySettings
from bot.config.settings import HandoffSettings
from bot.delivery.channel import Channels
from bot.messages.catalogue import Catalogue
from flows import FlowSet


@dataclass(frozen=True)
class TurnContext:
    catalogue: Catalogue
    flows: FlowSet
    reply_token_max_age: timedelta
    handoff: HandoffSettings
    channels: Channels
    safety: SafetySettings = field(default_factory=SafetySettings)
    # A client who writes this soon after a resolution gets the same conversation back.
    reopen_within: timedelta = timedelta(days=30)
