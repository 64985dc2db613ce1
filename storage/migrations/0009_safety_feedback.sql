-- Issue 17: staff teach the danger detector. A counselor marks a client's message as a
-- danger the detector missed (見逃し, with the level it should have had) or as a false
-- alarm (誤検知); `tobira safety export-feedback` turns the marks into training lines.
-- The message's words are NOT copied here: the export reads them from `messages` (sealed
-- there like every other text once encryption lands), so a mark holds ids, a kind, a
-- level and a time only, and goes when its conversation goes (storage/retention.py).
CREATE TABLE safety_feedback (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER NOT NULL REFERENCES messages(id),
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    staff_id         INTEGER NOT NULL REFERENCES staff(id),
    kind             TEXT NOT NULL CHECK (kind IN ('missed', 'false_alarm')),
    -- What the message should have signalled; only a missed danger has one.
    level            TEXT CHECK (level IN ('crisis', 'violence', 'child')),
    marked_at        TEXT NOT NULL,
    CHECK ((kind = 'missed') = (level IS NOT NULL)),
    -- One mark per message per staff member: marking again replaces it.
    UNIQUE (message_id, staff_id)
);
CREATE INDEX safety_feedback_by_conversation ON safety_feedback (conversation_id, message_id);
-- The export reads the marks made since a day.
CREATE INDEX safety_feedback_by_time ON safety_feedback (marked_at);
