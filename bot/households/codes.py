"""Invitation codes and web tokens.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), at least
one digit and one letter, shown as XXXX-XXXX. A message is code-shaped when, read loosely
(any width, any case, spaces and hyphens anywhere), it is exactly such a string: the digit
and the letter keep ordinary words ("whatever", "12345678") from being read as codes.
"""

from __future__ import annotations

import hashlib
import re
import secrets

import jaconv

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 8
_DIGITS = frozenset("23456789")
# Spaces and every hyphen or dash a keyboard or an IME may give, after width folding.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー−]+")
_SHAPE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    """A random code (normalised form, no hyphen) with a digit and a letter."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if is_code(code):
            return code


def is_code(text: str) -> bool:
    """`text` is a normalised code: 8 characters of the alphabet, a digit and a letter."""
    if _SHAPE.fullmatch(text) is None:
        return False
    digits = sum(1 for char in text if char in _DIGITS)
    return 0 < digits < LENGTH


def normalise(text: str) -> str | None:
    """The code a message is, read loosely (full width, lower case, spaces, a hyphen), or
    None when the message is not code-shaped."""
    if len(text) > 40:  # a code with generous spacing; anything longer is words
        return None
    folded = jaconv.z2h(text, kana=False, ascii=True, digit=True).upper()
    code = _SEPARATORS.sub("", folded)
    return code if is_code(code) else None


def shown(code: str) -> str:
    """XXXX-XXXX, as printed on the card and shown to staff."""
    return f"{code[:4]}-{code[4:]}"


def new_token() -> str:
    """The web link's long random token (only its hash is stored)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
