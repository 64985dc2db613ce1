"""Opening the configured database, for the service and for the staff commands alike.

Kept apart from bot/app.py so that a `tobira staff` command does not import aiohttp and the
LINE SDK just to open a file.
"""

from __future__ import annotations

from bot.config.errors import ConfigError
from bot.config.privacy import master_keys
from bot.config.settings import Settings
from storage import organizations
from storage.database import Database
from storage.sealing import Keyring, MasterKeyError


async def open_database(settings: Settings, keyring: Keyring | None = None) -> Database:
    """The configured database, migrated, with the configured organisations in it (staff
    and conversations point at them). A missing or wrong master key is a ConfigError: one
    sentence, never a database read with the wrong key. `keyring`: see Database.open."""
    keys = master_keys(settings.privacy)
    try:
        db = await Database.open(
            settings.database, settings.db_synchronous, keys=keys, keyring=keyring
        )
    except MasterKeyError as error:
        raise ConfigError(None, str(error)) from None
    orgs = [(org.id, org.name) for org in settings.handoff.organizations]
    await db.write(lambda conn: organizations.sync(conn, orgs))
    return db
