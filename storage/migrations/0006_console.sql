-- Issue 10: the staff console. Sessions live in the database (revocable, shared by every
-- worker), wrong passwords are counted per login as typed, and the transcript learns which
-- outbox row carried each message (its delivery state) and what LINE needs to mark it read.

CREATE TABLE staff_sessions (
    id            INTEGER PRIMARY KEY,
    -- SHA-256 of the cookie's value: a copy of the database signs nobody in.
    token_hash    TEXT NOT NULL UNIQUE,
    staff_id      INTEGER NOT NULL REFERENCES staff(id),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    ended_at      TEXT,
    end_reason    TEXT
);
CREATE INDEX staff_sessions_open_by_staff ON staff_sessions (staff_id) WHERE ended_at IS NULL;

-- Keyed by the login as typed (case-folded), whether or not such an account exists, so the
-- answer to a locked login tells nothing about which logins are real.
CREATE TABLE login_attempts (
    login           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_failed_at  TEXT NOT NULL,
    locked_until    TEXT
);

-- A staff member marks a conversation urgent: it heads every queue.
ALTER TABLE conversations ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;

-- The outbox row (one platform call) that carries this outgoing message.
ALTER TABLE messages ADD COLUMN outbox_id INTEGER REFERENCES outbox(id);
-- A channel's token for marking this client message read (LINE's markAsReadToken), kept
-- only when the channel is configured to mark messages read; and when it was.
ALTER TABLE messages ADD COLUMN read_token TEXT;
ALTER TABLE messages ADD COLUMN read_at TEXT;
CREATE INDEX messages_by_outbox ON messages (outbox_id) WHERE outbox_id IS NOT NULL;
CREATE INDEX messages_unread ON messages (conversation_id)
    WHERE read_token IS NOT NULL AND read_at IS NULL;

-- The inbox's queues, each read from its own small index.
CREATE INDEX conversations_waiting ON conversations (waiting_since)
    WHERE waiting_since IS NOT NULL;
CREATE INDEX conversations_unassigned ON conversations (handed_off_at)
    WHERE status = 'queued' AND counselor_id IS NULL;
CREATE INDEX conversations_urgent ON conversations (updated_at)
    WHERE urgent = 1 AND status != 'resolved';
CREATE INDEX conversations_by_counselor ON conversations (counselor_id, updated_at)
    WHERE counselor_id IS NOT NULL;
CREATE INDEX conversations_by_pair ON conversations (pair_counselor_id, updated_at)
    WHERE pair_counselor_id IS NOT NULL;
CREATE INDEX conversations_by_update ON conversations (updated_at);
CREATE INDEX conversations_resolved ON conversations (resolved_at) WHERE status = 'resolved';
CREATE INDEX staff_alerts_by_conversation ON staff_alerts (conversation_id);
-- The inbox shows each row's current deadlines, fired or not.
CREATE INDEX deadlines_by_conversation ON deadlines (conversation_id, generation);
