-- Issue 23: envelope encryption. Each subject (a contact, a household) has its own data key,
-- wrapped by the master key (master_id names which one, so rotation finds what is left).
CREATE TABLE data_keys (
    subject     TEXT PRIMARY KEY,
    wrapped     BLOB NOT NULL,
    master_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX data_keys_master ON data_keys (master_id);

-- Platform ids are stored sealed; lookups go by a keyed hash (HMAC) of the id. NULL until
-- the backfill seals a row written before this migration (NULLs do not collide).
ALTER TABLE contacts ADD COLUMN user_hash TEXT;
CREATE UNIQUE INDEX contacts_user_hash ON contacts (channel, user_hash);

-- Whose data key seals the raw event: the contact is found (or made) when it arrives.
ALTER TABLE inbound_events ADD COLUMN contact_id INTEGER;
