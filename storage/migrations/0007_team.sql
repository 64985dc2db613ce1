-- Issue 13: a console for a team. Notes staff write for each other on a conversation:
-- private notes and handover notes (申し送り) to a colleague or to the next shift. They live
-- in their own table, apart from the transcript: nothing here is ever put in the outbox, so
-- a note cannot reach the client by any path that sends messages.
CREATE TABLE staff_notes (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    author_id        INTEGER NOT NULL REFERENCES staff(id),
    kind             TEXT NOT NULL CHECK (kind IN ('private', 'handover')),
    -- A handover note to one colleague; NULL with kind 'handover': to the next shift.
    to_staff_id      INTEGER REFERENCES staff(id),
    body             TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX staff_notes_by_conversation ON staff_notes (conversation_id, id);
-- The handover page lists one day's handover notes.
CREATE INDEX staff_notes_handover ON staff_notes (created_at) WHERE kind = 'handover';

-- Saved replies (定型文): shared ones (owner_id NULL, edited by supervisors) and each
-- counselor's own. Placeholders in the body are filled in when a counselor inserts one.
CREATE TABLE saved_replies (
    id          INTEGER PRIMARY KEY,
    owner_id    INTEGER REFERENCES staff(id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX saved_replies_by_owner ON saved_replies (owner_id, title);

-- Weekly review mode (assignment = "review"): when a supervisor closed a review, so the
-- next one lists the intakes that came in since.
CREATE TABLE intake_reviews (
    id         INTEGER PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    closed_at  TEXT NOT NULL,
    accepted   INTEGER NOT NULL DEFAULT 0
);

-- Leave set in the console. A counselor's open conversations keep them as their counselor
-- (the client's person comes back); who answers meanwhile is computed at answer time
-- (bot/handoff/assignment.py owner_of). What "moving" adds is recorded here: each
-- conversation's client told and the handover note written, once when the leave starts
-- and once when it ends.
ALTER TABLE staff_leave ADD COLUMN set_by INTEGER REFERENCES staff(id);
ALTER TABLE staff_leave ADD COLUMN note TEXT;
CREATE TABLE leave_moves (
    leave_id         INTEGER NOT NULL REFERENCES staff_leave(id),
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    phase            TEXT NOT NULL CHECK (phase IN ('started', 'ended')),
    cover_id         INTEGER REFERENCES staff(id),
    at               TEXT NOT NULL,
    PRIMARY KEY (leave_id, conversation_id, phase)
);
