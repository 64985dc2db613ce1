"""What `tobira demo` (`make run`) prepares: two organisations, four counselors and a
supervisor, so the console can be tried at once.

Accounts are created only when missing, with fixed passwords that say they are for the
demo only, printed on the terminal at every run so that a trainer can sign in again after a
restart (an account whose password was changed keeps it: `tobira staff password LOGIN`).
The database is the demo's (var/demo.db), or TOBIRA_DB when set, so staff added by hand
with `tobira staff add` appear in the demo too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bot.app.database import open_database
from bot.config.privacy import with_demo_key
from bot.config.settings import Settings, handoff_settings
from bot.handoff.passwords import hash_password, verify_password
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
    DemoStaff("suzuki", "鈴木 健太", "鈴木", "welfare", "counselor"),
    DemoStaff("tanaka", "田中 一郎", "田中", "psych", "counselor"),
    DemoStaff("yamamoto", "山本 さくら", "山本", "psych", "counselor"),
    DemoStaff("kimura", "木村 由美", "木村", "welfare", "supervisor"),
)


def demo_password(login: str) -> str:
    """Fixed and public, so a trainer can sign in again after a restart: demo only."""
    return f"demo-only-{login}"


@dataclass(frozen=True)
class Seeded:
    member: DemoStaff
    password: str | None  # None: the account's password was changed from the demo's


# The demo's own database (relative to where it runs), unless TOBIRA_DB says otherwise.
DEMO_DB = Path("var/demo.db")


def is_demo_database(path: Path) -> bool:
    return path.resolve() == DEMO_DB.resolve()


def with_demo_key_on_demo_database(settings: Settings) -> Settings:
    """A command run on the demo's database (`tobira staff ...` beside `make run`) opens it
    with the demo's key file, as the demo does."""
    if not is_demo_database(settings.database):
        return settings
    return replace(settings, privacy=with_demo_key(settings.privacy))


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
        hashes = {
            m.login: await asyncio.to_thread(hash_password, demo_password(m.login)) for m in missing
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
        seeded = []
        for member in DEMO_STAFF:
            found = await db.read(staff_store.credentials, member.login)
            plain = demo_password(member.login)
            still = found is not None and await asyncio.to_thread(verify_password, found[1], plain)
            seeded.append(Seeded(member, plain if still else None))
    finally:
        await db.close()
    return seeded


def accounts(settings: Settings) -> list[str]:
    """Create the demo's staff when missing; the banner's lines on how to sign in."""
    lines = ["  sign in as (demo-only passwords, the same at every run):"]
    for item in asyncio.run(seed(settings)):
        member = item.member
        role = f"{member.role}, {member.org_id}"
        if item.password is None:
            shown = "(password changed; new one: tobira staff password " + member.login + ")"
        else:
            shown = f"password {item.password}"
        lines.append(f"    {member.login:<9} {shown:<30} [{role}]")
    return lines
