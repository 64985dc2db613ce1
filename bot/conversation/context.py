"""What every conversation write needs besides the transaction: words, flows, rules, channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from bot.config.helplines import SafetySettings
from bot.config.settings import ConferenceSettings, HandoffSettings, HouseholdSettings
from bot.delivery.channel import Channels
from bot.messages.catalogue import Catalogue
from bot.promises.safety import checkin_words
from flows import FlowSet


@dataclass(frozen=True)
class TurnContext:
    catalogue: Catalogue
    flows: FlowSet
    handoff: HandoffSettings
    channels: Channels
    safety: SafetySettings = field(default_factory=SafetySettings)
    # A client who writes this soon after a resolution gets the same conversation back.
    reopen_within: timedelta = timedelta(days=30)
    households: HouseholdSettings = field(default_factory=HouseholdSettings)
    conferences: ConferenceSettings = field(default_factory=ConferenceSettings)

    @cached_property
    def checkin_words(self) -> tuple[dict[str, str], tuple[str, ...]]:
        """The typed answers to the safety check-in, built once per context (the context is
        made once at start-up; the lookup runs on every short text, on the writer)."""
        return checkin_words(self.catalogue)
