-- Issue 4: staff leave and cover, acknowledgement generations, alerts for staff.

CREATE TABLE staff_leave (
    id              INTEGER PRIMARY KEY,
    staff_id        INTEGER NOT NULL REFERENCES staff(id),
    starts_on       TEXT NOT NULL,   -- local date, YYYY-MM-DD, inclusive
    ends_on         TEXT NOT NULL,   -- local date, YYYY-MM-DD, inclusive
    cover_staff_id  INTEGER REFERENCES staff(id),
    created_at      TEXT NOT NULL,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX staff_leave_by_staff ON staff_leave (staff_id, starts_on);

-- Bumped at every new unanswered burst and at every staff answer: a deadline of an older
-- generation is stale and does nothing when it fires.
ALTER TABLE conversations ADD COLUMN ack_generation INTEGER NOT NULL DEFAULT 0;
-- When a person was asked for: the start of "time to first human answer".
ALTER TABLE conversations ADD COLUMN handed_off_at TEXT;
-- When the oldest client message nobody has answered yet arrived (NULL: nobody waits).
ALTER TABLE conversations ADD COLUMN waiting_since TEXT;
-- When the oldest client message with no answer of any kind (not even an ack) arrived.
ALTER TABLE conversations ADD COLUMN unacknowledged_since TEXT;

CREATE TABLE staff_alerts (
    id               INTEGER PRIMARY KEY,
    staff_id         INTEGER REFERENCES staff(id),
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    kind             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    seen_at          TEXT
);
CREATE INDEX staff_alerts_open ON staff_alerts (staff_id, id) WHERE seen_at IS NULL;
