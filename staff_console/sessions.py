"""Signing staff in and out: argon2id passwords, sessions in the database, lockout.

The cookie carries a random token; the database keeps only its SHA-256 (storage/sessions.py),
so sessions survive a restart, every process sees the same ones, and `tobira staff
logout-all LOGIN` revokes them from the command line. A session ends when signed out,
revoked, or idle longer than `[console] idle_timeout`. After `lockout_after` wrong
passwords in a row a login is locked for `lockout_for`, whether or not it exists, so the
answer never tells which logins are real.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from bot.config.settings import ConsoleSettings
from bot.handoff.passwords import hash_password, needs_rehash, verify_password
from bot.runtime.clock import Clock
from storage import audit
from storage import sessions as store
from storage import staff as staff_store
from storage.database import Database
from storage.read_side import Viewer
from storage.staff import StaffMember
from storage.tx import Tx

# A session's last activity is written at most this often (a write per request would put
# every page view behind the writer).
TOUCH_EVERY = timedelta(seconds=30)
MAX_LOGIN_CHARS = 200
MAX_PASSWORD_CHARS = 1024


@dataclass(frozen=True)
class SignedIn:
    """The staff member behind a request."""

    staff: StaffMember
    session_id: int
    csrf_token: str

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.staff.id, self.staff.role, self.staff.org_id)


@dataclass(frozen=True)
class SignInResult:
    signed_in: SignedIn | None = None
    token: str | None = None  # the cookie's value, when signed in
    error: str | None = None  # "wrong" | "locked"
    locked_for: timedelta | None = None


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Checked against when the login does not exist, so both answers take as long.
    return hash_password(secrets.token_urlsafe(16))


def lock_key(login: str) -> str:
    """Wrong passwords count per login as typed, ignoring case and width of letters."""
    return login.strip().casefold()[:MAX_LOGIN_CHARS]


class SessionBook:
    def __init__(self, db: Database, clock: Clock, rules: ConsoleSettings) -> None:
        self._db = db
        self._clock = clock
        self._rules = rules

    async def sign_in(self, login: str, password: str) -> SignInResult:
        now = self._clock.now()
        login = login.strip()
        key = lock_key(login)
        if len(login) > MAX_LOGIN_CHARS or len(password) > MAX_PASSWORD_CHARS:
            return await self._wrong(key, now)
        locked = await self._db.read(store.locked_until, key, now)
        if locked is not None:
            return SignInResult(error="locked", locked_for=locked - now)
        found = await self._db.read(staff_store.credentials, login)
        stored_hash = found[1] if found else _decoy_hash()
        # argon2 takes tens of milliseconds of CPU: off the event loop.
        matches = await asyncio.get_running_loop().run_in_executor(
            None, verify_password, stored_hash, password
        )
        if found is None or not matches:
            return await self._wrong(key, now)
        member = found[0]
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        rehash = (
            await asyncio.get_running_loop().run_in_executor(None, hash_password, password)
            if needs_rehash(stored_hash)
            else None
        )

        def job(conn: Tx) -> int | None:
            # Checked again in the writing transaction: guesses sent in parallel all passed
            # the first check before any failure was counted.
            if store.locked_until(conn, key, now) is not None:
                return None
            store.clear_failures(conn, key)
            if rehash is not None:
                staff_store.set_password_hash(conn, member.id, rehash)
            session_id = store.start(conn, staff_id=member.id, token=token, csrf_token=csrf, at=now)
            audit.record(conn, staff_id=member.id, action="sign_in", conversation_id=None, at=now)
            return session_id

        session_id = await self._db.write(job)
        if session_id is None:
            locked = await self._db.read(store.locked_until, key, now)
            return SignInResult(error="locked", locked_for=(locked or now) - now)
        return SignInResult(SignedIn(member, session_id, csrf), token)

    async def _wrong(self, key: str, now: datetime) -> SignInResult:
        rules = self._rules
        until = await self._db.write(
            lambda conn: store.record_failure(
                conn, key, now, lock_after=rules.lockout_after, lock_for=rules.lockout_for
            )
        )
        if until is not None:
            return SignInResult(error="locked", locked_for=until - now)
        return SignInResult(error="wrong")

    async def find(self, token: str, *, activity: bool = True) -> SignedIn | None:
        """The signed-in staff member of a cookie value, or None. An idle session ends here.
        `activity`: a person did something (not a page refreshing itself)."""
        if not token or len(token) > 100:
            return None
        found = await self._db.read(store.signed_in, token)
        if found is None:
            return None
        row, member = found
        now = self._clock.now()
        if now - row.last_seen_at > self._rules.idle_timeout:
            await self._db.write(lambda conn: store.end(conn, row.id, "idle", now))
            return None
        if activity and now - row.last_seen_at > TOUCH_EVERY:
            await self._db.write(lambda conn: store.touch(conn, row.id, now))
        return SignedIn(member, row.id, row.csrf_token)

    async def still_open(self, session_id: int) -> bool:
        """For a long-lived stream: the session was not ended, has not gone idle, and its
        staff member is still active."""

        def read(conn: Tx) -> tuple[store.SessionRow | None, bool]:
            row = store.get(conn, session_id)
            member = staff_store.get(conn, row.staff_id) if row is not None else None
            return row, member is not None and member.active

        row, active = await self._db.read(read)
        if row is None or row.ended_at is not None or not active:
            return False
        return self._clock.now() - row.last_seen_at <= self._rules.idle_timeout

    async def sign_out(self, signed_in: SignedIn) -> None:
        now = self._clock.now()

        def job(conn: Tx) -> None:
            if store.end(conn, signed_in.session_id, "signed_out", now):
                audit.record(
                    conn,
                    staff_id=signed_in.staff.id,
                    action="sign_out",
                    conversation_id=None,
                    at=now,
                )

        await self._db.write(job)
