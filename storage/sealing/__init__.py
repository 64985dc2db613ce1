"""Privacy at rest (issue 23): what people write is sealed with a data key of their own.

- master.py: the master keys (current, and old ones for reading) and their ids;
- keyring.py: data keys per subject, wrapped by the master key; seal, open, lookup hash,
  destroy (crypto-shredding), rewrap (rotation);
- connection.py: the keyring carried by each sqlite3 connection (`keyring_of(conn)`);
- rows.py: row ids taken before an INSERT, since a sealed value is bound to its row;
- columns.py: the list of sealed columns and whose key seals each.
"""

from storage.sealing.connection import SealingConnection, connect, keyring_of
from storage.sealing.keyring import (
    SERVICE_SUBJECT,
    KeyGone,
    Keyring,
    SealError,
    contact_subject,
    household_subject,
)
from storage.sealing.master import MasterKeyError, MasterKeys, new_key_text, parse_key
from storage.sealing.rows import next_row_id

__all__ = [
    "SERVICE_SUBJECT",
    "KeyGone",
    "Keyring",
    "MasterKeyError",
    "MasterKeys",
    "SealError",
    "SealingConnection",
    "connect",
    "contact_subject",
    "household_subject",
    "keyring_of",
    "new_key_text",
    "next_row_id",
    "parse_key",
]
