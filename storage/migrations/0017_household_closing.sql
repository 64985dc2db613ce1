-- Issue 23: retention keeps a contact whose household is still open. A household had no
-- end: it now closes (closed_at set by a supervisor, storage/retention.py close_household),
-- and retention counts its members' time from then (storage/retention.py).
ALTER TABLE households ADD COLUMN closed_at TEXT;
ALTER TABLE households ADD COLUMN closed_by INTEGER REFERENCES staff(id);

-- Erasure and retention delete contacts and conversations; with foreign keys on, SQLite
-- looks for outbox rows pointing at each deleted one. Without these it scanned the whole
-- outbox per row: erasing 1,000 contacts with 300,000 outbox rows held the writer 33 s.
CREATE INDEX outbox_by_contact ON outbox (contact_id);
CREATE INDEX outbox_by_conversation ON outbox (conversation_id)
    WHERE conversation_id IS NOT NULL;
