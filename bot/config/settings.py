"""The settings the service runs with: every key optional, each with its default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config.ack_policy import AckPolicy
from bot.config.errors import ConfigError
from bot.config.helplines import SafetySettings
from bot.config.organizations import Organization, parse_organizations
from bot.config.retention import RetentionPolicy

DEFAULT_DB = Path("var/tobira.db")


@dataclass(frozen=True)
class LineSettings:
    channel_secret: str | None = None
    channel_access_token: str | None = None
    api_base_url: str = "https://api.line.me"
    reply_token_max_age: timedelta = timedelta(seconds=50)
    request_timeout: timedelta = timedelta(seconds=10)
    retry_base: timedelta = timedelta(seconds=1)
    retry_max: timedelta = timedelta(minutes=5)
    max_attempts: int = 12
    # Calls to LINE from a process of their own, so that receiving and sending use two cores.
    sending_process: bool = True
    # "when_staff_open": the client's messages show 既読 only once a counselor opened the
    # conversation in the console (LINE's chat feature must be on for the account, else
    # LINE marks every message read itself). "off": tobira never marks anything read.
    mark_as_read: str = "off"
    # Show the client LINE's loading animation while their counselor types in the console
    # (POST /v2/bot/chat/loading/start). Off by default: it tells the client someone is
    # writing, which some windows prefer not to promise.
    typing_indicator: bool = False
    # The account's basic ID ("@123abcde"): with it, an invitation also has a LINE link that
    # opens the chat with its code already typed. Without it, the code and the web link only.
    basic_id: str | None = None


@dataclass(frozen=True)
class ConsoleSettings:
    """The staff console's sign-in rules (`[console]`)."""

    idle_timeout: timedelta = timedelta(minutes=30)
    lockout_after: int = 5  # wrong passwords in a row before the login is locked
    lockout_for: timedelta = timedelta(minutes=15)
    # Behind a reverse proxy that ends TLS and sets X-Forwarded-Proto: trust that header to
    # decide that the session cookie is Secure. Off: only a TLS connection to us counts.
    trust_forwarded_proto: bool = False


@dataclass(frozen=True)
class WebSettings:
    """The web chat (`[web]`): the page at /chat for people without LINE."""

    # Where "leave quickly" goes: a neutral page, only navigated to (never loaded by us).
    leave_url: str = "https://www.google.co.jp/"
    # "auto": the visitor's cookie is Secure over TLS (or, with [console]
    # trust_forwarded_proto, when the proxy says https); "always": behind any TLS proxy.
    secure_cookie: str = "auto"
    # A visitor's token is forgotten after this long unused: the next visit starts afresh.
    visitor_ttl: timedelta = timedelta(days=30)
    max_chars: int = 2000
    # Messages a visitor may send in a minute, and requests one address may make.
    visitor_per_minute: int = 20
    address_per_minute: int = 120


def _default_organizations(service_name: str, service_name_en: str) -> tuple[Organization, ...]:
    # One window, weekdays 9 to 17, closed on Japan's public holidays.
    hours = {day: "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    raw = {
        "id": "window",
        "name": service_name,
        "name_en": service_name_en,
        "hours": hours,
        "national_holidays": True,
    }
    return (Organization.from_config(raw, "organizations[0]"),)


@dataclass(frozen=True)
class HandoffSettings:
    """Who gets a conversation when a person is asked for (issue 4)."""

    organizations: tuple[Organization, ...]
    routing: Mapping[str, str]  # flow topic -> organisation id ("default" for the rest)
    assignment: str = "auto"  # "auto", or "review": a supervisor accepts new cases
    pair_counselors: bool = False
    acks: AckPolicy = field(default_factory=AckPolicy)

    def organization(self, org_id: str | None) -> Organization:
        for org in self.organizations:
            if org.id == org_id:
                return org
        return self.organizations[0]

    def organization_for_topic(self, topic: str | None) -> Organization:
        org_id = self.routing.get(topic or "", self.routing.get("default"))
        return self.organization(org_id)

    def window_closed(self, at: datetime) -> bool:
        """No organisation is open: a first contact now counts as after hours."""
        return not any(org.is_open(at) for org in self.organizations)

    def open_seconds(self, org_id: str | None, start: datetime, end: datetime) -> float:
        """How much of a wait fell in the hours of the organisation that had the case."""
        return self.organization(org_id).open_time_between(start, end).total_seconds()


def handoff_settings(
    raw: Mapping[str, Any], service_name: str, service_name_en: str
) -> HandoffSettings:
    organizations = (
        tuple(parse_organizations(raw["organizations"]))
        if "organizations" in raw
        else _default_organizations(service_name, service_name_en)
    )
    known = {org.id for org in organizations}
    routing = raw.get("routing", {})
    if not isinstance(routing, dict):
        raise ConfigError("routing", "must be a table of flow topic = organisation id")
    for topic, org_id in routing.items():
        if org_id not in known:
            raise ConfigError(
                f"routing.{topic}",
                f"names organisation {org_id!r}, but the organisations are {', '.join(known)}",
            )
    assignment = raw.get("assignment", "auto")
    if assignment not in ("auto", "review"):
        raise ConfigError("assignment", f'must be "auto" or "review", got {assignment!r}')
    pairs = raw.get("pair_counselors", False)
    if not isinstance(pairs, bool):
        raise ConfigError("pair_counselors", f"must be true or false, got {pairs!r}")
    return HandoffSettings(
        organizations=organizations,
        routing=dict(routing),
        assignment=assignment,
        pair_counselors=pairs,
        acks=AckPolicy.from_config(raw.get("acks")),
    )


@dataclass(frozen=True)
class HouseholdSettings:
    """Households (`[households]`, issue 20): how long an invitation lasts, how many wrong
    code-shaped messages a day before codes from a contact (or a web address) are not
    checked for a day, and the LINE basic ID its link needs (from `[line] basic_id`)."""

    invitation_days: int = 90
    wrong_codes_per_day: int = 20
    line_basic_id: str | None = None

    @property
    def invitation_life(self) -> timedelta:
        return timedelta(days=self.invitation_days)


@dataclass(frozen=True)
class ConferenceSettings:
    """Case conferences (`[conferences]`, issue 21): the partner agencies the form offers
    (others are accepted as written) and how long before an action item's due date its owner
    is reminded (whole days; the reminders ring in the morning, bot/conferences/reminders.py)."""

    agencies: tuple[str, ...] = ()
    remind_before: timedelta = timedelta(days=3)


@dataclass(frozen=True)
class FigureSettings:
    """The year's figures (`[figures]`, issue 22): the publish CSV shows a count from 1 to
    `suppress_below - 1` as 「N未満」 so that a small ward's table points at nobody."""

    suppress_below: int = 3


@dataclass(frozen=True)
class PrivacySettings:
    """Privacy at rest (issue 23): the master key that wraps every data key, as base64 from
    TOBIRA_DATA_KEY or in the file `[privacy] key_file`; older keys (TOBIRA_DATA_KEYS_OLD,
    comma-separated) only for reading, until `tobira keys rotate` has re-wrapped everything.
    Resolved and checked by bot/config/privacy.py."""

    # Never in a repr (a settings object printed in a traceback or a debug line).
    data_key: str | None = field(default=None, repr=False)
    old_keys: str | None = field(default=None, repr=False)
    key_file: Path | None = None


@dataclass(frozen=True)
class Settings:
    # What clients read, in Japanese and in English (the `_en` forms).
    service_name: str = "ひきこもり相談窓口"
    service_name_en: str = "Hikikomori consultation service"
    window_location: str = "区役所の相談窓口"
    window_location_en: str = "the consultation desk at the ward office"
    opening_hours: str = "平日 9時〜17時"
    opening_hours_en: str = "on weekdays, 9:00 to 17:00"
    host: str = "127.0.0.1"
    port: int = 8080
    database: Path = DEFAULT_DB
    db_synchronous: str = "FULL"
    log_level: str = "INFO"
    flows_dir: Path | None = None
    line: LineSettings = field(default_factory=LineSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    web: WebSettings = field(default_factory=WebSettings)
    handoff: HandoffSettings = field(
        default_factory=lambda: handoff_settings(
            {}, "ひきこもり相談窓口", "Hikikomori consultation service"
        )
    )
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    # A client who writes this soon after a resolution gets the same conversation back.
    reopen_within: timedelta = timedelta(days=30)
    safety: SafetySettings = field(default_factory=SafetySettings)
    households: HouseholdSettings = field(default_factory=HouseholdSettings)
    conferences: ConferenceSettings = field(default_factory=ConferenceSettings)
    figures: FigureSettings = field(default_factory=FigureSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
