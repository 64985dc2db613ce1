"""What `tobira demo` (`make run`) prepares: two organisations, two counselors and a
supervisor, so the console can be tried at once.

Accounts are created only when missing, each with a new random password printed once on
the terminal (an account that exists keeps its password: `tobira staff password LOGIN`
sets a new one). The database is the demo's (var/demo.db), or TOBIRA_DB when set, so
staff added by hand with `tobira staff add` appear in the demo too.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.app.database import open_database
from bot.config.settings import Settings, handoff_settings
from bot.handoff.passwords import hash_password
from storage import staff as staff_store
from storage.tx import Tx

# A welfare organisation and a psychological one staff the window together, with
# different opening hours (docs: DESIGN.md, "Two organisations, one window").
_ORGANIZATIONS = [
    {
        "id": "welfare",
        "name": "生活支援センター",
        "hours": {day: "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")},
        "national_holidays": True,
    },
    {
        "id": "psych",
        "name": "こころの相談室",
        "hours": {day: "10:00-18:00" for day in ("tue", "wed", "thu", "fri", "sat")},
        "national_holidays": True,
    },
]
# The person themself goes to the psychological organisation, everyone else to welfare.
_ROUTING = {"self": "psych", "default": "welfare"}


@dataclass(frozen=True)
class DemoStaff:
    login: str
    name: str
    display_name: str
    org_id: str
    role: str


DEMO_STAFF = (
    DemoStaff("sato", "佐藤 花子", "佐藤", "welfare", "counselor"),
    DemoStaff("tanaka", "田中 一郎", "田中", "psych", "counselor"),
    DemoStaff("kimura", "木村 由美", "木村", "welfare", "supervisor"),
)


@dataclass(frozen=True)
class Seeded:
    member: DemoStaff
    password: str | None  # None: the account was already there


def with_demo_organizations(settings: Settings) -> Settings:
    """The demo's two organisations, unless the configuration names its own."""
    configured = [org.id for org in settings.handoff.organizations]
    if configured != ["window"]:
        return settings
    raw = {"organizations": _ORGANIZATIONS, "routing": _ROUTING}
    return replace(
        settings,
        handoff=handoff_settings(raw, settings.service_name, settings.service_name_en),
    )


async def seed(settings: Settings) -> list[Seeded]:
    """Create the demo accounts that are missing; hashing happens before the write."""
    db = await open_database(settings)
    try:
        existing = {m.login for m in await db.read(staff_store.list_all)}
        missing = [m for m in DEMO_STAFF if m.login not in existing]
        passwords = {m.login: secrets.token_urlsafe(12) for m in missing}
        hashes = {
            login: await asyncio.to_thread(hash_password, plain)
            for login, plain in passwords.items()
        }
        known_orgs = {org.id for org in settings.handoff.organizations}
        now = datetime.now(UTC)

        def job(conn: Tx) -> None:
            for member in missing:
                staff_store.add(
                    conn,
                    login=member.login,
                    name=member.name,
                    display_name=member.display_name,
                    org_id=member.org_id if member.org_id in known_orgs else None,
                    role=member.role,
                    password_hash=hashes[member.login],
                    at=now,
                )

        if missing:
            await db.write(job)
    finally:
        await db.close()
    return [Seeded(m, passwords.get(m.login)) for m in DEMO_STAFF]


def accounts(settings: Settings) -> list[str]:
    """Create the demo's staff when missing; the banner's lines on how to sign in."""
    lines = []
    for item in asyncio.run(seed(settings)):
        member = item.member
        role = f"{member.role}, {member.org_id}"
        if item.password is None:
            shown = "(already there; new password: tobira staff password " + member.login + ")"
        else:
            shown = f"password {item.password}"
        lines.append(f"    {member.login:<8} {shown}   [{role}]")
    return lines
