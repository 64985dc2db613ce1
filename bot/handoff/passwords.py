"""Staff passwords: argon2id through argon2-cffi, with its recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12

_hasher = PasswordHasher()


def too_short(plain: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(plain) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters (got {len(plain)})"
    return None


def hash_password(plain: str) -> str:
    return _hasher.hash(plain)


def verify_password(password_hash: str | None, plain: str) -> bool:
    """True when `plain` matches. A wrong password, no password set, or a damaged hash is
    simply False: a login form must never turn these into a server error."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, plain)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """After a successful login: was this hashed with weaker parameters than today's?"""
    return _hasher.check_needs_rehash(password_hash)
