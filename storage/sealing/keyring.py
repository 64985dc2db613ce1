"""Data keys per subject, sealing and opening texts with them.

Envelope encryption: each subject (a contact, a household) has its own random AES-256 data
key, stored in `data_keys` wrapped by the master key. A text is sealed with its subject's
key and with its place (table, column, row) as associated data, so a sealed value copied to
another row or column does not open. Destroying a subject's data key makes every copy of
its texts unreadable, in backups and freed pages alike (crypto-shredding).

Sealed values are BLOBs: `version (1) | nonce (12) | ciphertext and tag`. A TEXT value in a
sealed column is one written before sealing existed; it reads as itself until the migration
(storage/sealing/backfill.py) seals it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.sealing.master import KEY_BYTES, MasterKeyError, MasterKeys, key_id
from storage.tx import Tx

VERSION = b"\x01"
_NONCE = 12
INDEX_SUBJECT = "index"  # the HMAC key for lookups of sealed platform ids
# Whose key seals what belongs to nobody we know: a platform event without a user (from a
# group or room, or too malformed to say whose). Kept until retention deletes it.
SERVICE_SUBJECT = "service"


def contact_subject(contact_id: int) -> str:
    return f"contact:{contact_id}"


def household_subject(household_id: int) -> str:
    return f"household:{household_id}"


class SealError(Exception):
    """A sealed value that does not open: the wrong key, or a value moved or altered."""


class KeyGone(SealError):
    """The subject's data key was destroyed (the person was erased): nothing to read."""


def _writes(conn: Tx) -> bool:
    """Whether `conn` is the database's writer (storage/sealing/connection.py marks its
    readers; a connection of a command or a test, used alone, counts as a writer)."""
    return not getattr(conn, "reads_only", False)


def _place(table: str, column: str, row: int | str) -> bytes:
    return f"{table}.{column}.{row}".encode()


class Keyring:
    """One per database: its master keys and the data keys unwrapped so far (in memory
    only). Shared by the writer and the reader threads; only writers create keys.

    The writer's caches are filled only by the writer, which always sees the latest state,
    so an erasure (which forgets the key there) cannot come back into them. A reader in an
    older snapshot may unwrap a key just erased: readers keep keys apart and drop one that
    does not open a value (see `open`), and look conversations up afresh (a conversation id
    freed by an erasure may be given again)."""

    def __init__(self, master: MasterKeys) -> None:
        self.master = master
        self._masters = master.by_id()
        self._wrap = AESGCM(master.current)
        self._keys: dict[str, AESGCM] = {}  # the writer's
        self._read_keys: dict[str, AESGCM] = {}
        self._index_key: bytes | None = None
        self._lock = threading.Lock()
        # conversation id -> contact id: a conversation never changes hands. Set again by
        # whoever creates a conversation, so an id reused after an erasure is never stale.
        self._conversation_contact: dict[int, int] = {}
        # Keys made since the last commit: a rollback may take their rows away, and a key
        # kept in memory but not in the table would seal texts nobody can open later.
        self._created: list[str] = []

    # -- start-up -------------------------------------------------------------------------

    def prepare(self, conn: Tx) -> None:
        """Refuse a master key that does not open this database (never read garbage), and
        make the lookup key on a new database. Runs on the writer, after migrations."""
        rows = conn.execute("SELECT DISTINCT master_id FROM data_keys").fetchall()
        unknown = [row[0] for row in rows if row[0] not in self._masters]
        if unknown:
            raise MasterKeyError(
                "TOBIRA_DATA_KEY does not open this database: its data keys were wrapped by"
                f" another master key (id {unknown[0]}); give that one in TOBIRA_DATA_KEYS_OLD"
                " or TOBIRA_DATA_KEY"
            )
        for (master_id,) in rows:  # one real unwrap per master key: a tampered table fails
            row = conn.execute(
                "SELECT subject, wrapped FROM data_keys WHERE master_id = ? LIMIT 1",
                (master_id,),
            ).fetchone()
            self._unwrap(row[0], bytes(row[1]), master_id)
        self._index_key = self._raw_key(conn, INDEX_SUBJECT, create=True)

    # -- sealing --------------------------------------------------------------------------

    def seal(
        self, conn: Tx, subject: str, table: str, column: str, row: int | str, text: str
    ) -> bytes:
        """`text` sealed for `subject`, bound to its place; creates the subject's key on
        first use (so call it inside the write transaction that stores the value)."""
        aead = self._aead(conn, subject, create=True)
        nonce = secrets.token_bytes(_NONCE)
        return (
            VERSION + nonce + aead.encrypt(nonce, text.encode("utf-8"), _place(table, column, row))
        )

    def open(
        self, conn: Tx, subject: str, table: str, column: str, row: int | str, value: object
    ) -> str | None:
        """The text of a stored value: None stays None, a clear TEXT (not sealed yet) is
        itself, a sealed BLOB is opened or raises SealError (KeyGone if erased)."""
        if value is None or isinstance(value, str):
            return value
        if not isinstance(value, bytes | bytearray | memoryview):
            raise SealError(f"{table}.{column} row {row}: not a sealed value")
        data = bytes(value)
        if data[:1] != VERSION or len(data) < 1 + _NONCE + 16:
            raise SealError(f"{table}.{column} row {row}: unknown sealed format")
        nonce, sealed, place = data[1 : 1 + _NONCE], data[1 + _NONCE :], _place(table, column, row)
        try:
            plain = self._aead(conn, subject, create=False).decrypt(nonce, sealed, place)
        except InvalidTag:
            if _writes(conn):
                raise SealError(f"{table}.{column} row {row} does not open with its key") from None
            # A reader's key may be one erased since (and its id given to someone new).
            self._read_keys.pop(subject, None)
            try:
                plain = self._aead(conn, subject, create=False).decrypt(nonce, sealed, place)
            except InvalidTag:
                raise SealError(f"{table}.{column} row {row} does not open with its key") from None
        return plain.decode("utf-8")

    def lookup_hash(self, text: str) -> str:
        """A keyed hash (HMAC-SHA256) of a platform id: equal ids find each other, and a
        copied database cannot be searched for a known id without the key."""
        if self._index_key is None:
            raise RuntimeError("Keyring.prepare() has not run on this database")
        return hmac.new(self._index_key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def user_hash(self, channel: str, platform_user_id: str) -> str:
        """What contacts.user_hash and inbound_events.user_key hold for a platform id."""
        return self.lookup_hash(f"{channel}:{platform_user_id}")

    def visitor_hash(self, token_hash: str) -> str:
        """What web_visitors.token_hash holds for a web chat visitor, whose platform id is
        the SHA-256 of their cookie: keyed, so a copied database names no visitor."""
        return self.lookup_hash(f"web-visitor:{token_hash}")

    def event_hash(self, platform_user_id: str, client_id: str) -> str:
        """A web event's id for a message the page numbered: the same again for a retry
        (kept once), and no part of the visitor's id in it."""
        return self.lookup_hash(f"web-event:{platform_user_id}:{client_id}")

    # -- subjects -------------------------------------------------------------------------

    def conversation_subject(self, conn: Tx, conversation_id: int) -> str:
        """The subject (the contact) whose key seals a conversation's texts."""
        writes = _writes(conn)
        contact_id = self._conversation_contact.get(conversation_id) if writes else None
        if contact_id is None:
            row = conn.execute(
                "SELECT contact_id FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None:
                raise KeyGone(f"no conversation {conversation_id}")
            contact_id = int(row[0])
            if writes:
                self._conversation_contact[conversation_id] = contact_id
        return contact_subject(contact_id)

    def remember_conversation(self, conn: Tx, conversation_id: int, contact_id: int) -> None:
        """Whose a conversation is, as the writer sees it now (it may have just been created
        with an id an erasure freed). A reader's snapshot may be older: it is not kept."""
        if _writes(conn):
            self._conversation_contact[conversation_id] = contact_id

    # -- erasure and rotation -------------------------------------------------------------

    def destroy(self, conn: Tx, subject: str) -> None:
        """Crypto-shredding: the subject's data key is deleted, so every copy of what was
        sealed with it, anywhere, stays unreadable."""
        conn.execute("DELETE FROM data_keys WHERE subject = ?", (subject,))
        self.forget(subject)

    def forget(self, subject: str) -> None:
        self._keys.pop(subject, None)
        self._read_keys.pop(subject, None)
        if subject.startswith("contact:"):
            gone = int(subject.removeprefix("contact:"))
            for conversation_id, contact_id in list(self._conversation_contact.items()):
                if contact_id == gone:
                    self._conversation_contact.pop(conversation_id, None)

    def committed(self) -> None:
        """The write transaction committed: the keys it made are stored."""
        self._created.clear()

    def rolled_back(self) -> None:
        """A write, or one job of it, was rolled back: the keys made since the last commit
        are read again from the table when next needed (made again if they are gone)."""
        for subject in self._created:
            self.forget(subject)
        self._created.clear()

    def rewrap(self, conn: Tx, batch: int) -> int:
        """Re-wrap up to `batch` data keys still under an older master key with the current
        one; returns how many. Safe to stop and run again: each row is done or not."""
        current = self.master.current_id
        rows = conn.execute(
            "SELECT subject, wrapped, master_id FROM data_keys WHERE master_id != ? LIMIT ?",
            (current, batch),
        ).fetchall()
        for subject, wrapped, master_id in rows:
            raw = self._unwrap(subject, bytes(wrapped), master_id)
            conn.execute(
                "UPDATE data_keys SET wrapped = ?, master_id = ? WHERE subject = ?",
                (self._wrap_key(subject, raw), current, subject),
            )
        return len(rows)

    # -- data keys ------------------------------------------------------------------------

    def _aead(self, conn: Tx, subject: str, *, create: bool) -> AESGCM:
        cache = self._keys if _writes(conn) else self._read_keys
        found = cache.get(subject)
        if found is None:
            found = AESGCM(self._raw_key(conn, subject, create=create))
            cache[subject] = found
        return found

    def _raw_key(self, conn: Tx, subject: str, *, create: bool) -> bytes:
        row = conn.execute(
            "SELECT wrapped, master_id FROM data_keys WHERE subject = ?", (subject,)
        ).fetchone()
        if row is not None:
            return self._unwrap(subject, bytes(row[0]), row[1])
        if not create:
            raise KeyGone(f"no data key for {subject}: erased, or never written")
        with self._lock:
            raw = secrets.token_bytes(KEY_BYTES)
            conn.execute(
                "INSERT INTO data_keys (subject, wrapped, master_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (
                    subject,
                    self._wrap_key(subject, raw),
                    self.master.current_id,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )
            self._created.append(subject)
        return raw

    def _wrap_key(self, subject: str, raw: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return nonce + self._wrap.encrypt(nonce, raw, _place("data_keys", "wrapped", subject))

    def _unwrap(self, subject: str, wrapped: bytes, master_id: str) -> bytes:
        master = self._masters.get(master_id)
        if master is None:
            raise MasterKeyError(
                f"the data key of {subject} was wrapped by master key {master_id}, which was"
                " not given (TOBIRA_DATA_KEY, TOBIRA_DATA_KEYS_OLD)"
            )
        try:
            return AESGCM(master).decrypt(
                wrapped[:_NONCE], wrapped[_NONCE:], _place("data_keys", "wrapped", subject)
            )
        except InvalidTag:
            raise MasterKeyError(
                f"the data key of {subject} does not open with master key {master_id}:"
                " the key or the table was altered"
            ) from None


__all__ = ["KeyGone", "Keyring", "SealError", "key_id"]
