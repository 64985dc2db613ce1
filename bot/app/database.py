"""Opening the configured database, for the service and for the staff commands alike.

Kept apart from bot/app.py so that a `tobira staff` command does not import aiohttp and the
LINE SDK just to open a file.
"""

from __future__ import annotations

from bot.config.settings import Settings
from storage import organizations
from storage.database import Database


async def open_database(settings: Settings) -> Database:
    """The configured database, migrated, with the configured organisations in it (staff
    and conversations point at them)."""
    db = await Database.open(settings.database, settings.db_synchronous)
    orgs = [(org.id, org.name) for org in settings.handoff.organizations]
    await db.write(lambda conn: organizations.sync(conn, orgs))
    return db
