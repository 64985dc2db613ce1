"""`tobira erase contact ID --yes`: a person's request to be forgotten, by an operator.

The same erasure as the console's (bot/conversation/erase.py), audited as the operator's
(no staff member). It refuses while a tobira serves the same database: the service keeps
data keys in memory, so erase through the console or the API then (or stop it first).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.cli import db_lock
from bot.cli.operator import Refused, guarded, with_db
from bot.config.loading import add_config_argument, load_settings
from bot.conversation.erase import Erased, erase_contact
from bot.runtime.clock import SystemClock
from storage.database import Database


def register(commands: Any) -> None:
    erase = commands.add_parser("erase", help="erase a person on their request (issue 23)")
    sub = erase.add_subparsers(title="erase")
    contact = sub.add_parser(
        "contact",
        help="delete every row of contact ID and destroy their data key; cannot be undone",
    )
    contact.add_argument("contact_id", help="the contact's id (the console shows it)")
    contact.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    add_config_argument(contact)
    contact.set_defaults(run=guarded(_contact))


def _contact(args: argparse.Namespace) -> int:
    try:
        contact_id = int(args.contact_id)
    except ValueError:
        contact_id = 0
    if contact_id <= 0:
        raise Refused(f"a contact id is a positive whole number, got {args.contact_id!r}")
    if not args.yes:
        raise Refused(
            f"erasing contact {contact_id} deletes every record of them and cannot be undone;"
            " add --yes to confirm"
        )
    settings = load_settings(args.config)
    try:
        lock = db_lock.hold(settings.database)
    except db_lock.InUse:
        raise Refused(
            f"a tobira is serving {settings.database}: erase from the console (or POST"
            f" /api/v1/contacts/{contact_id}/erase) while it runs, or stop it first;"
            " nothing was erased"
        ) from None
    try:

        async def work(db: Database) -> Erased | None:
            return await erase_contact(db, SystemClock(), contact_id, staff_id=None, via="cli")

        erased = with_db(settings, work)
    finally:
        lock.close()
    if erased is None:
        raise Refused(f"there is no contact {contact_id} (erased already?); nothing was erased")
    print(
        json.dumps(
            {
                "contact_id": erased.contact_id,
                "conversations": list(erased.conversation_ids),
                "deleted": erased.counts,
                "files_clean": erased.files_clean,
            }
        )
    )
    return 0
