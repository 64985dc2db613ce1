-- Issue 23: retention keeps a contact whose household is still open. A household had no
-- end: it now closes (closed_at set by a supervisor, storage/erasure.py close_household),
-- and retention counts its members' time from then (storage/retention.py).
ALTER TABLE households ADD COLUMN closed_at TEXT;
ALTER TABLE households ADD COLUMN closed_by INTEGER REFERENCES staff(id);
