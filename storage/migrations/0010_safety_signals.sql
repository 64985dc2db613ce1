-- Issue 17: which client message raised a danger signal, recorded by the turn that
-- detected it (in the turn's transaction), certain and possible signals alike. The staff
-- marks (safety_feedback) read "signalled" and the level from here instead of guessing it
-- from the transcript, and the year's figures count danger signals by level from it.
-- Ids, a level and the detector's phrase or model id only, never the words; deleted with
-- its conversation (storage/retention.py).
CREATE TABLE safety_signals (
    message_id       INTEGER PRIMARY KEY REFERENCES messages(id),
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    level            TEXT NOT NULL,
    -- 1: the full answer; 0: a possible signal (the bot asked how they are).
    certain          INTEGER NOT NULL CHECK (certain IN (0, 1)),
    -- The detector's phrase or model id (Detection.matched).
    matched          TEXT NOT NULL,
    at               TEXT NOT NULL
);
-- "A signal within the last hour" (two weak signals in a row make a strong one) and the
-- retention's delete by conversation.
CREATE INDEX safety_signals_by_conversation ON safety_signals (conversation_id, at);
-- The year's figures: signals by level over a period.
CREATE INDEX safety_signals_by_time ON safety_signals (at);
