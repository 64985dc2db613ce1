"""`tobira staff add|list|leave|password|logout-all`: staff accounts, their leave and their
console sessions, for operators.

Every command writes to the configured database: TOBIRA_DB when set, else `[database]
path` of the configuration (--config or TOBIRA_CONFIG), else var/tobira.db. `tobira demo`
uses var/demo.db unless TOBIRA_DB is set: set it for both to work on the same file."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from bot.cli.demo_seed import is_demo_database, with_demo_organizations
from bot.cli.operator import Refused, guarded, with_db
from bot.config.errors import ConfigError
from bot.config.loading import add_config_argument, load_settings
from bot.config.values import parse_date
from bot.handoff.assignment import local_day
from bot.handoff.passwords import hash_password, too_short
from storage import audit, sessions
from storage import staff as staff_store
from storage.database import Database
from storage.roles import ROLES
from storage.staff import StaffError
from storage.tx import Tx

T = TypeVar("T")


def register(commands: Any) -> None:
    """Add `staff` and its subcommands to the `tobira` parser's subcommands."""
    staff = commands.add_parser("staff", help="staff accounts and leave")
    sub = staff.add_subparsers(title="staff")

    add = sub.add_parser("add", help='add a staff member; prints {"id": ...}')
    add.add_argument("--login", required=True)
    add.add_argument("--name", required=True, help="full name, seen by staff")
    add.add_argument("--display-name", required=True, help="the name clients see")
    add.add_argument("--org", required=True, help="a configured organisation id")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin (without it the account cannot log in yet)",
    )
    add_config_argument(add)
    add.set_defaults(run=_guarded(_add))

    listing = sub.add_parser("list", help="every staff member, with current or next leave")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    add_config_argument(listing)
    listing.set_defaults(run=_guarded(_list))

    leave = sub.add_parser("leave", help="record leave: LOGIN FROM..TO [--cover OTHER]")
    leave.add_argument("login")
    leave.add_argument("dates", help="YYYY-MM-DD..YYYY-MM-DD, inclusive; or one day YYYY-MM-DD")
    leave.add_argument("--cover", help="login of who answers meanwhile")
    add_config_argument(leave)
    leave.set_defaults(run=_guarded(_leave))

    password = sub.add_parser("password", help="set a password, read from stdin")
    password.add_argument("login")
    add_config_argument(password)
    password.set_defaults(run=_guarded(_password))

    logout = sub.add_parser(
        "logout-all", help="end every console session of LOGIN now (a lost laptop...)"
    )
    logout.add_argument("login")
    add_config_argument(logout)
    logout.set_defaults(run=_guarded(_logout_all))


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    return guarded(command, StaffError)


def _read_password() -> str:
    plain = sys.stdin.read().rstrip("\r\n")
    problem = too_short(plain)
    if problem:
        raise Refused(f"{problem}; nothing was changed")
    return plain


# -- add ---------------------------------------------------------------------------------


def _add(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if is_demo_database(settings.database):
        # The demo's database: its organisations are the demo's (as `tobira demo` has them).
        settings = with_demo_organizations(settings)
    known = [org.id for org in settings.handoff.organizations]
    if args.org not in known:
        raise Refused(
            f"unknown organisation {args.org!r}; the configured ones are {', '.join(known)}"
        )
    # Hash before opening the database: argon2 takes a moment and needs no transaction.
    password_hash = hash_password(_read_password()) if args.password_stdin else None

    async def work(db: Database) -> int:
        return await db.write(
            lambda conn: staff_store.add(
                conn,
                login=args.login,
                name=args.name,
                display_name=args.display_name,
                org_id=args.org,
                role=args.role,
                password_hash=password_hash,
                at=datetime.now(UTC),
            )
        )

    staff_id = with_db(settings, work)
    print(
        json.dumps(
            {
                "id": staff_id,
                "login": args.login,
                "org": args.org,
                "role": args.role,
                "can_log_in": password_hash is not None,
            },
            ensure_ascii=False,
        )
    )
    return 0


# -- password ----------------------------------------------------------------------------


def _password(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    password_hash = hash_password(_read_password())

    def job(conn: Tx) -> int:
        member = staff_store.by_login(conn, args.login)
        if member is None:
            raise StaffError(f"no staff member with login {args.login!r}")
        staff_store.set_password_hash(conn, member.id, password_hash)
        return member.id

    staff_id = with_db(settings, lambda db: db.write(job))
    print(json.dumps({"id": staff_id, "login": args.login, "password_set": True}))
    return 0


# -- logout-all --------------------------------------------------------------------------


def _logout_all(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    now = datetime.now(UTC)

    def job(conn: Tx) -> tuple[int, int]:
        member = staff_store.by_login(conn, args.login)
        if member is None:
            raise StaffError(f"no staff member with login {args.login!r}")
        ended = sessions.end_all_for(conn, member.id, "revoked", now)
        audit.record(
            conn,
            staff_id=None,
            action="logout_all",
            conversation_id=None,
            at=now,
            detail={"staff_id": member.id, "sessions": ended},
        )
        return member.id, ended

    staff_id, ended = with_db(settings, lambda db: db.write(job))
    print(json.dumps({"id": staff_id, "login": args.login, "sessions_ended": ended}))
    return 0


# -- leave -------------------------------------------------------------------------------


def parse_days(text: str) -> tuple[date, date]:
    """`YYYY-MM-DD..YYYY-MM-DD` (inclusive) or one day `YYYY-MM-DD`."""
    first, sep, last = text.partition("..")
    try:
        starts = parse_date(first.strip(), "dates")
        ends = parse_date(last.strip(), "dates") if sep else starts
    except ConfigError:
        raise Refused(
            f"leave dates must be YYYY-MM-DD..YYYY-MM-DD (or one day YYYY-MM-DD), got {text!r}"
        ) from None
    if ends < starts:
        raise Refused(f"the leave ends ({ends}) before it starts ({starts})")
    return starts, ends


def _leave(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    starts, ends = parse_days(args.dates)
    if args.cover is not None and args.cover == args.login:
        raise Refused(f"{args.login!r} cannot cover their own leave; name someone else")

    def job(conn: Tx) -> int:
        member = staff_store.by_login(conn, args.login)
        if member is None:
            raise StaffError(f"no staff member with login {args.login!r}")
        cover_id = None
        if args.cover is not None:
            cover = staff_store.by_login(conn, args.cover)
            if cover is None:
                raise StaffError(f"no staff member with login {args.cover!r} to cover")
            cover_id = cover.id
        return staff_store.add_leave(conn, member.id, starts, ends, cover_id, datetime.now(UTC))

    leave_id = with_db(settings, lambda db: db.write(job))
    print(
        json.dumps(
            {
                "id": leave_id,
                "login": args.login,
                "starts_on": starts.isoformat(),
                "ends_on": ends.isoformat(),
                "cover": args.cover,
            }
        )
    )
    return 0


# -- list --------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)

    async def work(db: Database) -> list[dict[str, Any]]:
        members = await db.read(staff_store.list_all)
        logins = {m.id: m.login for m in members}
        rows = []
        for member in members:
            # "Today" is the member's organisation's local date: leave is in local dates.
            today = local_day(settings.handoff.organization(member.org_id), datetime.now(UTC))
            upcoming = [
                x for x in await db.read(staff_store.leaves, member.id) if x.ends_on >= today
            ]
            current = next((x for x in reversed(upcoming) if x.starts_on <= today), None)
            leave = current or (upcoming[0] if upcoming else None)
            rows.append(
                {
                    "login": member.login,
                    "display_name": member.display_name,
                    "name": member.name,
                    "org": member.org_id,
                    "role": member.role,
                    "active": member.active,
                    "leave": None
                    if leave is None
                    else {
                        "now": leave is current,
                        "starts_on": leave.starts_on.isoformat(),
                        "ends_on": leave.ends_on.isoformat(),
                        "cover": logins.get(leave.cover_staff_id)
                        if leave.cover_staff_id is not None
                        else None,
                    },
                }
            )
        return rows

    rows = with_db(settings, work)
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not rows:
        print("no staff yet; add one with: tobira staff add --help", file=sys.stderr)
        return 0
    header = ["LOGIN", "DISPLAY NAME", "NAME", "ORG", "ROLE", "ACTIVE", "LEAVE"]
    table = [header] + [
        [
            r["login"],
            r["display_name"],
            r["name"],
            r["org"] or "-",
            r["role"],
            "yes" if r["active"] else "no",
            _leave_text(r["leave"]),
        ]
        for r in rows
    ]
    for line in _columns(table):
        print(line)
    return 0


def _leave_text(leave: dict[str, Any] | None) -> str:
    if leave is None:
        return "-"
    days = leave["starts_on"]
    if leave["ends_on"] != leave["starts_on"]:
        days += ".." + leave["ends_on"]
    text = ("on leave " if leave["now"] else "next ") + days
    if leave["cover"]:
        text += f" (cover: {leave['cover']})"
    return str(text)


def _width(text: str) -> int:
    # Full-width characters (kanji, kana) take two terminal cells.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _columns(table: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    return [
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in table
    ]
